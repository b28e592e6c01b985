"""The bell and the notifications page: newest first, mark read, mark all read, open."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from scorecard.extensions import db
from scorecard.services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("")
@login_required
def index() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    listing = notifications.listing(db.session, current_user, page)
    return render_template(
        "notifications/index.html", listing=listing, labels=notifications.KIND_LABELS
    )


@bp.get("/<int:notification_id>")
@login_required
def follow(notification_id: int) -> Response:
    """Mark it read and go where it leads (the bell's and the emails' links come here)."""
    link = notifications.open_link(db.session, current_user, notification_id)
    if link is None:
        abort(404)
    db.session.commit()
    return redirect(link or url_for("notifications.index"), 303)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> Response:
    if not notifications.mark_read(db.session, current_user, notification_id):
        abort(404)
    db.session.commit()
    return redirect(url_for("notifications.index", page=request.args.get("page", type=int)))


@bp.post("/read-all")
@login_required
def read_all() -> Response:
    notifications.mark_all_read(db.session, current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"))
