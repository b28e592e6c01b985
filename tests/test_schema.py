"""The migrations build the schema of the models, and the database refuses impossible data."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from scorecard.db import Model, make_engine
from scorecard.migrate import alembic_config, described_by_the_models
from scorecard.models import Decision, StakeholderImpact, Team, User, WasteLine


def test_migrations_and_models_agree(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(
                    connection,
                    opts={"compare_type": True, "include_name": described_by_the_models},
                ),
                Model.metadata,
            )
        assert diff == []
    finally:
        engine.dispose()


def test_migrations_go_down_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert connection.exec_driver_sql("SELECT count(*) FROM method_version").scalar() == 1
        assert connection.exec_driver_sql("SELECT count(*) FROM user_account").scalar() == 0
    engine.dispose()


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite'}", busy_timeout_ms=4321)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4321
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.fixture
def raw(app):
    from scorecard.extensions import db

    with app.app_context():
        session = db.new_session(write=True)
        team = Team(name="Ops", slug="ops")
        user = User(email="a@example.com", display_name="A", password_hash="x")
        session.add_all([team, user])
        session.commit()
        yield session, team, user
        session.rollback()
        session.close()


def _decision(team: Team, **kw) -> Decision:
    return Decision(
        team_id=team.id,
        title=kw.pop("title", "T"),
        decided_on=date(2026, 1, 1),
        status=kw.pop("status", "decided"),
        **kw,
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda t, u: StakeholderImpact(decision=_decision(t), group_id=1, impact=4),
        lambda t, u: StakeholderImpact(decision=_decision(t), group_id=1, impact=-4),
        lambda t, u: StakeholderImpact(decision=_decision(t), group_id=1, impact=0, actual=5),
        lambda t, u: WasteLine(decision=_decision(t), category_id=1, created=-1, avoided=0),
        lambda t, u: WasteLine(decision=_decision(t), category_id=1, created=0, avoided=-0.5),
        lambda t, u: User(email="A@example.com", display_name="Upper", password_hash="x"),
        lambda t, u: User(email="a@example.com", display_name="Dup", password_hash="x"),
        lambda t, u: Team(name="Ops again", slug="ops"),
        lambda t, u: _decision(t, status="maybe"),
        lambda t, u: _decision(t, title="  "),
        lambda t, u: _decision(t, review_due=date(2025, 1, 1)),
        lambda t, u: Decision(team_id=999_999, title="orphan", decided_on=date(2026, 1, 1)),
        lambda t, u: WasteLine(decision=_decision(t), category_id=999_999),
        lambda t, u: User(email="b@example.com", display_name="B", password_hash="x", role="owner"),
    ],
    ids=[
        "impact-above-3",
        "impact-below-minus-3",
        "actual-out-of-range",
        "negative-created",
        "negative-avoided",
        "email-not-lower-case",
        "duplicate-email",
        "duplicate-slug",
        "unknown-status",
        "blank-title",
        "review-before-decision",
        "orphan-decision",
        "unknown-category",
        "unknown-role",
    ],
)
def test_database_rejects_impossible_data(raw, build):
    session, team, user = raw
    session.add(build(team, user))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()


def test_duplicate_external_id_is_rejected(raw):
    session, team, _ = raw
    session.add(_decision(team, external_id="X-1"))
    session.flush()
    session.add(_decision(team, external_id="X-1"))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
