"""Signing in and out, and the user's own account."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from scorecard.auth_session import end_session, start_session
from scorecard.extensions import db, limiter
from scorecard.forms import ChangePasswordForm, LoginForm
from scorecard.http import is_safe_next
from scorecard.security import verify_password
from scorecard.services import accounts, audit, sign_in

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
        result = sign_in.attempt(
            db.session,
            form.email.data or "",
            form.password.data or "",
            current_app.config["SIGN_IN_FREE_FAILURES"],
        )
        db.session.commit()
        if result.outcome is sign_in.Outcome.SIGNED_IN:
            assert result.user is not None
            start_session(result.user, remember=form.remember.data)
            return redirect(next_url if is_safe_next(next_url) else url_for("main.index"))
        form.password.errors.append(result.message)
        if result.outcome is sign_in.Outcome.LOCKED:
            return render_template("auth/login.html", form=form), 429
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout() -> Response:
    user = current_user._get_current_object()
    user.session_generation += 1  # every other session and remember-me cookie of the user ends too
    audit.record(db.session, user, "user", user.id, "sign_out")
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
        if not verify_password(user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append("This is not your current password.")
        else:
            accounts.set_password(db.session, user, user, form.new_password.data or "")
            db.session.commit()
            start_session(user)  # this browser stays signed in; every other session ends
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form), (400 if form.errors else 200)
