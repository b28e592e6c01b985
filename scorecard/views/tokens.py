"""Personal access tokens on the account page: create (shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from scorecard.extensions import db
from scorecard.forms.integrations import TokenForm
from scorecard.services import tokens

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


@bp.post("")
@login_required
def create() -> Response | tuple[str, int]:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            made = tokens.create(
                db.session,
                current_user,
                form.name.data or "",
                form.scope.data or "",
                form.expiry_days(),
            )
        except tokens.TokenError as error:
            db.session.rollback()
            getattr(form, "expires" if error.field == "expires_in_days" else error.field).errors = [
                str(error)
            ]
        else:
            db.session.commit()
            # Shown on this page only: it is not stored, so it cannot be shown again.
            return render_template("auth/token_created.html", made=made), 201
    from scorecard.views.auth import account_page

    return account_page(token_form=form, status=400)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    if not tokens.revoke(db.session, current_user, token_id):
        abort(404)
    db.session.commit()
    flash("Token revoked: it no longer opens the API.", "success")
    return redirect(url_for("auth.account", _anchor="tokens"))
