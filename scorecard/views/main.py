"""The front door and the health check."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("decisions.index"))


@bp.get("/healthz")
def health() -> tuple[dict[str, str], int]:
    return {"status": "ok"}, 200
