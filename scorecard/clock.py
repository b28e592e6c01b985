"""Today, as the application sees it: the TODAY setting when set (a demo or a test of a given
day), else the real date. Views and commands ask here and hand the day to the services."""

from __future__ import annotations

from datetime import date

from flask import current_app


def today() -> date:
    """The day the figures are cut at and compared on."""
    configured = current_app.config.get("TODAY")
    if configured is None:
        return date.today()
    return configured if isinstance(configured, date) else date.fromisoformat(str(configured))
