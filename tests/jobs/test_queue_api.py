"""The queue's public API for features: start a tracked job, run it in-process or in a worker."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Job
from scorecard.services import exports
from scorecard.tasks.exports import start_export
from tests.conftest import Factory


def _start_export(app: Flask, quarter: str) -> int:
    with app.app_context(), db.writing() as session:
        scope = exports.export_scope(session, None, None)
        return start_export(session, None, Quarter.parse(quarter), scope).id


def _job(app: Flask, job_id: int) -> Job:
    with app.app_context():
        session = db.new_session()
        try:
            return session.get(Job, job_id)
        finally:
            session.close()


def test_immediate_mode_runs_the_job_when_the_transaction_commits(
    app: Flask, make: Factory, runner
) -> None:
    team = make.team("Operations")
    make.decision(team, title="Electric vans")
    job_id = _start_export(app, str(Quarter.of(make.decision(team).decided_on)))
    job = _job(app, job_id)
    assert job.status == "done", job.error
    assert job.attempts == 1
    assert (Path(app.config["EXPORT_DIR"]) / job.result["file"]).is_file()
    listed = runner.invoke(args=["jobs", "list"])
    assert f"{job_id}" in listed.output and "done" in listed.output


def test_a_rolled_back_start_enqueues_nothing(app: Flask, make: Factory) -> None:
    with app.app_context():
        session = db.new_session(write=True)
        scope = exports.export_scope(session, None, None)
        start_export(session, None, Quarter.parse("2026Q3"), scope)
        session.rollback()
        session.close()
        count = db.new_session().scalar(sa.select(sa.func.count(Job.id)))
    assert count == 0


def test_a_second_start_of_the_same_export_joins_the_first(app: Flask) -> None:
    app.extensions["jobs"].immediate = False  # nothing runs: both starts find it queued
    try:
        first = _start_export(app, "2026Q3")
        second = _start_export(app, "2026Q3")
        other = _start_export(app, "2026Q2")
    finally:
        app.extensions["jobs"].storage.flush_all()
    assert first == second
    assert other != first


@pytest.mark.workers
def test_a_worker_process_runs_a_started_job(app: Flask, make: Factory, workers) -> None:
    team = make.team("Operations")
    decision = make.decision(team, title="Electric vans")
    job_id = _start_export(app, str(Quarter.of(decision.decided_on)))
    assert _job(app, job_id).status == "queued"
    worker = workers.start()
    job = workers.wait_for(
        lambda: (j := _job(app, job_id)).finished and j, "the export job to finish"
    )
    assert job.status == "done", job.error
    assert job.worker.endswith(f":{worker.pid}")
    assert (Path(app.config["EXPORT_DIR"]) / job.result["file"]).is_file()
