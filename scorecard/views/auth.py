"""Signing in and out, and the user's own account."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from scorecard.auth_session import end_session, start_session
from scorecard.extensions import db, limiter
from scorecard.forms.accounts import ChangePasswordForm, LoginForm
from scorecard.http import is_safe_next
from scorecard.services import signing_in

bp = Blueprint("auth", __name__)


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        free = current_app.config["SIGN_IN_FREE_FAILURES"]
        attempt = signing_in.sign_in(
            db.session, form.email.data or "", form.password.data or "", free
        )
        db.session.commit()
        if attempt.user is not None:
            start_session(attempt.user, remember=form.remember.data)
            return redirect(next_url if is_safe_next(next_url) else url_for("main.index"))
        form.password.errors.append(attempt.refusal)
        if attempt.locked:
            return render_template("auth/login.html", form=form), 429
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout() -> Response:
    signing_in.sign_out(db.session, current_user._get_current_object())
    db.session.commit()
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        current, new = form.current_password.data or "", form.new_password.data or ""
        refusal = signing_in.change_password(db.session, user, current, new)
        if refusal:
            form.current_password.errors.append(refusal)
        else:
            db.session.commit()
            start_session(user)  # this browser stays signed in; every other session ends
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form), (400 if form.errors else 200)
