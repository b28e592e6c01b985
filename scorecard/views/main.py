"""The front door and the health check."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from scorecard import permissions

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    # Those who manage a team come to follow it; staff come to log decisions.
    if permissions.can_export(current_user):
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("decisions.index"))


@bp.get("/healthz")
def health() -> tuple[dict[str, str], int]:
    return {"status": "ok"}, 200
