"""`flask seed-demo`: the demo organisation of seeds/, loaded once, the same every time."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import (
    AuditEvent,
    Comment,
    Decision,
    Membership,
    Review,
    StakeholderGroup,
    StakeholderImpact,
    Team,
    User,
    WasteLine,
)
from scorecard.passwords import verify_password
from scorecard.services.demo import DEMO_PASSWORD, load_demo
from scorecard.services.reference import current_method

TABLES = (
    Team,
    User,
    Membership,
    Decision,
    StakeholderImpact,
    WasteLine,
    Review,
    Comment,
    AuditEvent,
)


def counts(session: sa.orm.Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in TABLES
    }


def test_seed_demo_twice_changes_nothing_the_second_time(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo organisation loaded" in first.output
    with app.app_context():
        loaded = counts(db.session)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "already loaded: nothing changed" in second.output
    with app.app_context():
        assert counts(db.session) == loaded
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.entity == "demo")) == 1
    assert loaded["Team"] >= 5
    assert loaded["User"] >= 20
    assert loaded["Decision"] >= 600
    assert runner.invoke(args=["verify-audit"]).exit_code == 0


def test_demo_covers_ten_quarters_and_has_the_three_sign_ins(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    today = date.today()
    with app.app_context():
        session = db.session
        decisions = session.scalars(sa.select(Decision)).all()
        quarters = {Quarter.of(d.decided_on) for d in decisions}
        assert quarters == set(Quarter.of(today).last_n(10))
        assert max(d.decided_on for d in decisions) <= today
        assert all(d.external_id and d.external_id.startswith("DEMO-") for d in decisions)

        statuses = pd.Series([d.status for d in decisions]).value_counts()
        assert statuses["reviewed"] > statuses["decided"] > statuses["draft"] > 0
        assert 2 <= sum(d.archived for d in decisions) <= 3
        for d in decisions:
            if d.review_due is not None:
                assert d.review_due >= d.decided_on
            if d.review is not None:
                assert d.status == "reviewed"
                assert d.decided_on <= d.review.reviewed_on <= today

        groups = session.scalar(
            sa.select(sa.func.count()).select_from(StakeholderGroup).where(StakeholderGroup.active)
        )
        assert counts(session)["StakeholderImpact"] == groups * len(decisions)
        assert all(0 <= len(d.waste_lines) <= 3 for d in decisions)
        commented = sum(bool(d.comments) for d in decisions) / len(decisions)
        assert 0.1 <= commented <= 0.3

        outsiders = session.scalar(
            sa.select(sa.func.count())
            .select_from(Decision)
            .outerjoin(
                Membership,
                sa.and_(
                    Membership.user_id == Decision.author_id, Membership.team_id == Decision.team_id
                ),
            )
            .where(Membership.user_id.is_(None))
        )
        assert outsiders == 0, "every author is a member of the decision's team"

        def user(email: str) -> User:
            found = session.scalar(sa.select(User).where(User.email == email))
            assert found is not None, email
            assert verify_password(found.password_hash, DEMO_PASSWORD)
            return found

        assert user("admin@example.com").role == "admin"
        manager = user("manager@example.com")
        assert manager.role == "manager"
        assert sorted(m.manages for m in manager.memberships) == [True, True]
        staff = user("staff@example.com")
        assert staff.role == "staff"
        assert [m.manages for m in staff.memberships] == [False]
        assert staff.memberships[0].team_id in {m.team_id for m in manager.memberships}
        assert (
            session.scalar(sa.select(sa.func.count()).where(User.email.notlike("%@example.com")))
            == 0
        )


@pytest.mark.parametrize("today", [None, date(2026, 1, 1), date(2026, 12, 31)])
def test_the_story_shows_in_the_current_quarter(app, today):
    """Whatever the day, one of the manager's teams improves this quarter and the other declines,
    and the other teams show a mix, flat ones included."""
    with app.app_context():
        session = db.new_session(write=True)
        try:
            load_demo(session, today=today)
            day = today or date.today()
            status = quarter_status(session, Quarter.of(day))
            previous = quarter_status(session, Quarter.of(day).prev())
            manager = session.scalar(sa.select(User).where(User.email == "manager@example.com"))
            managed = sorted(status[m.team_id] for m in manager.memberships)
        finally:
            session.rollback()
            session.close()
    assert managed == ["declining", "improving"]
    assert {"improving", "declining", "steady"} <= set(status.values())
    assert {"improving", "declining", "steady"} <= set(previous.values())


def quarter_status(session: sa.orm.Session, quarter: Quarter) -> dict[int, str]:
    """Status of every team in the quarter, by the scoring method of SCORING.md."""
    connection = session.connection()
    decisions = pd.read_sql(
        sa.select(
            Decision.id,
            Decision.team_id,
            Decision.status,
            Decision.archived,
            Decision.decided_on,
            Decision.review_due,
            Review.reviewed_on,
        ).outerjoin(Review),
        connection,
    )
    for column in ("decided_on", "review_due", "reviewed_on"):
        decisions[column] = pd.to_datetime(decisions[column])
    impacts = pd.read_sql(
        sa.select(
            StakeholderImpact.decision_id,
            StakeholderImpact.group_id,
            StakeholderImpact.impact,
            StakeholderImpact.consulted,
            StakeholderImpact.actual,
        ),
        connection,
    )
    impacts["consulted"] = impacts["consulted"].astype(bool)
    waste = pd.read_sql(
        sa.select(
            WasteLine.decision_id, WasteLine.category_id, WasteLine.created, WasteLine.avoided
        ),
        connection,
    )
    method = current_method(session)
    sums = scoring.quarter_sums(decisions, impacts, waste, method)
    kpis = scoring.improvement(scoring.kpis_from_sums(sums, method))
    rows = kpis.xs(quarter.index, level="quarter")
    return {int(team): str(value) for team, value in rows["Status"].items()}


def test_load_demo_is_deterministic(app):
    """Loading twice for the same day draws exactly the same organisation."""
    today = date(2026, 8, 15)

    def fingerprint() -> list[tuple]:
        session = db.new_session(write=True)
        try:
            load_demo(session, today=today)
            rows = session.execute(
                sa.select(
                    Decision.external_id,
                    Team.slug,
                    User.email,
                    Decision.title,
                    Decision.decided_on,
                    Decision.review_due,
                    Decision.status,
                    sa.func.sum(StakeholderImpact.impact),
                    sa.func.sum(sa.cast(StakeholderImpact.consulted, sa.Integer)),
                )
                .join(Team, Team.id == Decision.team_id)
                .join(User, User.id == Decision.author_id)
                .join(StakeholderImpact)
                .group_by(Decision.id, Team.slug, User.email)
                .order_by(Decision.external_id)
            ).all()
            assert max(row.decided_on for row in rows) <= today
            return [tuple(row) for row in rows]
        finally:
            session.rollback()
            session.close()

    with app.app_context():
        assert fingerprint() == fingerprint()
