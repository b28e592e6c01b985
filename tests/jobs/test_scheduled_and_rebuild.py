"""The rebuild of stored figures after a method change, and the nightly audit-chain check."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import AuditEvent, StakeholderGroup
from scorecard.services import scores
from scorecard.tasks.maintenance import check_audit_chain, sweep_jobs
from tests.conftest import sign_in


def test_adding_a_category_rebuilds_the_stored_figures_as_a_job(app, client, org, make):
    make.decision(org.ops, org.staff, decided_on=date(2026, 5, 4), impacts={"Workers": 2})
    sign_in(client, org.admin.email)
    response = client.post(
        "/admin/categories/new",
        data={
            "name": "Plastic",
            "unit": "kg",
            "unit_cost": "1",
            "co2e_per_unit": "2",
            "active": "y",
        },
    )
    assert response.status_code == 302
    page = client.get("/jobs").get_data(as_text=True)
    assert "Rebuild of the stored figures for method version 2" in page
    # The decision counts in the quarter it was decided and the one its review is due.
    assert "Figures of 2 team-quarters stored for method version 2." in page
    with app.app_context():
        method = scores.current_method(db.session)
        assert method.version == 2
        assert scores.verify_sums(db.session, method) == (2, [])


def test_changing_a_group_twice_rebuilds_for_each_version(app, client, org):
    sign_in(client, org.admin.email)
    with app.app_context():
        nature = db.session.scalar(
            sa.select(StakeholderGroup).where(StakeholderGroup.name == "Nature")
        )
    for weight in ("2", "3"):
        client.post(
            f"/admin/groups/{nature.id}", data={"name": "Nature", "weight": weight, "active": "y"}
        )
    page = client.get("/jobs").get_data(as_text=True)
    assert "method version 2" in page and "method version 3" in page


def test_the_audit_check_runs_nightly_and_a_broken_chain_alerts_admins(app, client, org, make):
    schedule = check_audit_chain.task_class()
    assert schedule.validate_datetime(datetime(2026, 12, 1, 2, 30))
    assert not schedule.validate_datetime(datetime(2026, 12, 1, 2, 31))
    assert sweep_jobs.task_class().validate_datetime(datetime(2026, 12, 1, 9, 17))

    make.decision(org.ops, org.staff, title="Recorded in the trail")
    sign_in(client, org.admin.email)
    assert "Needs an admin" not in client.get("/decisions").get_data(as_text=True)

    with app.app_context(), db.writing() as session:
        first = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).first()
        session.execute(
            sa.update(AuditEvent).where(AuditEvent.id == first.id).values(action="tampered")
        )
    check_audit_chain.call_local()
    check_audit_chain.call_local()  # a second worker's run of the same minute does nothing
    page = client.get("/decisions").get_data(as_text=True)
    assert page.count("Needs an admin") == 1
    assert f"broken at event {first.id}" in page

    client.post("/logout")
    sign_in(client, org.manager.email)
    assert "Needs an admin" not in client.get("/decisions").get_data(as_text=True)
    client.post("/logout")

    sign_in(client, org.admin.email)
    alert_id = int(page.split("/alerts/")[1].split("/")[0])
    response = client.post(f"/alerts/{alert_id}/resolve", data={"next": "/decisions"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/decisions"
    assert "Needs an admin" not in client.get("/decisions").get_data(as_text=True)


def test_a_periodic_task_runs_once_a_minute_whatever_the_number_of_workers(app):
    from scorecard.jobs.queue import claim_slot

    with app.app_context():
        moment = datetime(2026, 12, 1, 2, 30, 5, tzinfo=UTC)
        assert claim_slot("nightly", moment)
        assert not claim_slot("nightly", moment.replace(second=40))
        assert claim_slot("nightly", moment.replace(day=2))


def _export_in_the_background(runner) -> None:
    result = runner.invoke(args=["export-scorecard", "--quarter", "2026Q2", "--background"])
    assert result.exit_code == 0, result.output


def test_finished_jobs_are_kept_for_the_days_set(app, runner, org):
    from scorecard.tasks.maintenance import prune_jobs

    assert prune_jobs.task_class().validate_datetime(datetime(2026, 12, 1, 3, 10))
    _export_in_the_background(runner)
    prune_jobs.call_local()
    assert " done " in runner.invoke(args=["jobs", "list"]).output


def test_finished_jobs_older_than_the_days_set_are_forgotten(app, runner, org):
    from scorecard.tasks.maintenance import prune_jobs

    _export_in_the_background(runner)
    app.config["JOBS_KEEP_DAYS"] = -1  # today's job is then older than that
    prune_jobs.call_local()
    assert runner.invoke(args=["jobs", "list"]).output.strip() == ""


def test_the_day_cuts_are_stored_just_after_midnight(app, make, org):
    from scorecard.domain.quarters import Quarter
    from scorecard.models import ScoreCut
    from scorecard.tasks.scores import store_day_cuts

    assert store_day_cuts.task_class().validate_datetime(datetime(2026, 12, 1, 0, 1))
    assert not store_day_cuts.task_class().validate_datetime(datetime(2026, 12, 1, 0, 2))
    make.decision(org.ops, org.staff, impacts={"Workers": 2})
    with app.app_context():
        scores.teams_table(db.session, Quarter.of(date.today()))  # the sums are in use
    with app.app_context(), db.writing() as session:
        session.execute(sa.delete(ScoreCut))  # as if the day had just begun
    with app.app_context():
        store_day_cuts.call_local()
        today = date.today()
        quarter = Quarter.of(today)
        stored = {tuple(c) for c in db.session.execute(sa.select(ScoreCut.quarter, ScoreCut.day))}
        progress = scores.progress_of(quarter, today)
        assert stored == {
            (quarter.index, progress.cut),
            (quarter.index - 1, progress.previous_cut),
        }
