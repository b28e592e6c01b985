"""A person's own pages: My page, a profile, the email preference; a team's purpose."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from scorecard.extensions import db
from scorecard.forms_people import EmailPreferenceForm
from scorecard.services import email_delivery

bp = Blueprint("people", __name__)


@bp.post("/account/email")
@login_required
def email_preference() -> Response | tuple[str, int]:
    form = EmailPreferenceForm()
    if not form.validate_on_submit():
        return render_template("people/email_preference.html", email_form=form), 400
    user = current_user._get_current_object()
    if email_delivery.set_frequency(db.session, user, user, form.email_frequency.data or ""):
        db.session.commit()
        flash("Email preference saved.", "success")
    return redirect(url_for("auth.account", _anchor="email"))
