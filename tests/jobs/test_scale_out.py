"""Scale out: two worker processes on one Redis queue share the jobs; none runs twice, none is
lost. Run on the Redis server of TEST_REDIS_URL (CI starts one)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from scorecard import clock
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import AuditEvent, Job

pytestmark = pytest.mark.redis
TEAMS = ("", "operations", "sales")  # every team, and each team alone
QUARTERS = 10


def jobs_of(app: Flask) -> list[Job]:
    with app.app_context():
        session = db.new_session()
        try:
            return list(session.scalars(sa.select(Job).order_by(Job.id)))
        finally:
            session.close()


def export_events(app: Flask) -> list[str]:
    with app.app_context():
        session = db.new_session()
        try:
            return list(
                session.scalars(
                    sa.select(AuditEvent.entity_id).where(AuditEvent.entity == "export")
                )
            )
        finally:
            session.close()


def test_two_workers_on_redis_share_the_jobs_and_run_each_once(org, make, login, workers, app):
    with app.app_context():
        quarters = Quarter.of(clock.today()).last_n(QUARTERS)
    for team in (org.ops, org.sales):  # the scorecards page offers quarters from the first one
        make.decision(team, title=f"Decision of {team.name}", decided_on=quarters[0].start)
    first, second = workers.start(), workers.start()
    client = login(org.admin)
    for quarter in quarters:
        for team in TEAMS:
            response = client.post("/exports", data={"quarter": str(quarter), "team": team})
            assert response.status_code == 302
    expected = QUARTERS * len(TEAMS)

    def all_finished() -> list[Job] | None:
        found = jobs_of(app)
        return found if len(found) == expected and all(j.finished for j in found) else None

    finished = workers.wait_for(all_finished, f"{expected} exports to finish")
    assert [j.status for j in finished] == ["done"] * expected, [j.error for j in finished]
    # None ran twice: one attempt each, one export (file and audit event) each.
    assert {j.attempts for j in finished} == {1}
    made = [j.result["export_id"] for j in finished]
    assert len(set(made)) == expected
    assert sorted(export_events(app)) == sorted(made)
    # Shared: each worker process ran some of them.
    ran_by = {j.worker.rsplit(":", 1)[1] for j in finished}
    assert ran_by == {str(first.pid), str(second.pid)}
