"""Alembic, driven from the app's configuration (no alembic.ini needed)."""

from __future__ import annotations

from alembic.config import Config

from scorecard import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # ConfigParser interpolation would eat a % in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config
