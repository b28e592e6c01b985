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


# Made by migration 0011 in each backend's own terms, not described by the models: the FTS5
# table and its shadow tables in SQLite, the GIN expression index in PostgreSQL.
NOT_IN_THE_MODELS = ("decision_search", "ix_decision_text")


def described_by_the_models(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name`: what autogenerate compares with the models."""
    return name is None or not name.startswith(NOT_IN_THE_MODELS)
