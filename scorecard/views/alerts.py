"""Alerts for admins (a broken audit chain found by the nightly check): a banner on every page
until an admin marks the alert resolved."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from scorecard.extensions import db
from scorecard.http import is_safe_next
from scorecard.services import alerts
from scorecard.views.access import admin_required

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.post("/<int:alert_id>/resolve")
@admin_required
def resolve(alert_id: int) -> Response:
    alert = alerts.resolve(db.session, current_user, alert_id)
    if alert is None:
        abort(404)
    db.session.commit()
    flash("The alert is marked resolved.", "success")
    target = request.form.get("next")
    return redirect(target if target and is_safe_next(target) else url_for("main.index"))
