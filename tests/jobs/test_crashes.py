"""Jobs survive their worker being killed (SIGKILL) and stop for good after their attempts.

Real `flask worker` processes on the test's database and a queue file of its own; the web side
is the test client. The lease is 5 s, so a killed worker's job is noticed quickly.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Decision
from tests.jobs.big_log import QUARTER, big_log_csv

pytestmark = pytest.mark.workers
ROWS = 12_000


def status(client: FlaskClient, job_id: int) -> dict[str, Any]:
    response = client.get(f"/jobs/{job_id}/status")
    assert response.status_code == 200
    return response.get_json()


def job_id_of(response: Any) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("job=")[1].split("&")[0])


def decisions(app: Flask) -> int:
    with app.app_context():
        session = db.new_session()
        try:
            return session.scalar(sa.select(sa.func.count(Decision.id))) or 0
        finally:
            session.close()


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture
def big_quarter(org, runner, tmp_path: Path) -> int:
    """ROWS decisions of Operations in one quarter, imported by the command line."""
    result = runner.invoke(args=["import-decisions", str(big_log_csv(tmp_path, ROWS))])
    assert result.exit_code == 0, result.output
    return ROWS


@pytest.fixture
def one_decision(org, make) -> None:
    """A decision in QUARTER, so that the scorecards page offers that quarter."""
    make.decision(org.ops, decided_on=Quarter.parse(QUARTER).start)


def test_starting_an_export_returns_at_once_and_a_worker_does_it(
    one_decision, org, login, workers, app
):
    client = login(org.manager)
    job_id = job_id_of(client.post("/exports", data={"quarter": QUARTER, "team": ""}))
    # No worker runs yet: the request only queued the job.
    assert status(client, job_id)["status"] == "queued"
    assert files(Path(app.config["EXPORT_DIR"])) == []
    page = client.get(f"/exports?job={job_id}&quarter={QUARTER}").get_data(as_text=True)
    assert "Waiting for a worker" in page
    assert 'http-equiv="refresh"' in page  # without JavaScript the page refreshes itself

    workers.start()
    done = workers.wait_for(lambda: (s := status(client, job_id))["finished"] and s, "the export")
    assert done["status"] == "done", done
    page = client.get(f"/exports?job={job_id}&quarter={QUARTER}").get_data(as_text=True)
    assert "Download the scorecard" in page


def test_an_export_killed_half_way_leaves_no_file_and_runs_again(
    big_quarter, org, login, workers, app
):
    client = login(org.manager)
    first = workers.start()
    job_id = job_id_of(client.post("/exports", data={"quarter": QUARTER, "team": ""}))
    workers.wait_for(
        lambda: (
            status(client, job_id)["text"].startswith("Decisions sheet")
            and status(client, job_id)["done"] > 0
        ),
        "the Decisions sheet to be under way",
    )
    first.kill()
    folder = Path(app.config["EXPORT_DIR"])
    assert not [name for name in files(folder) if not name.startswith(".")]
    assert "/download" not in client.get("/exports").get_data(as_text=True)
    assert status(client, job_id)["status"] == "running"  # as the dead worker left it

    workers.start()  # its sweep finds the job without a heartbeat and queues it again
    done = workers.wait_for(lambda: (s := status(client, job_id))["finished"] and s, "the rerun")
    assert done["status"] == "done", done
    assert done["attempts"] == 2
    names = files(folder)
    assert not [n for n in names if n.endswith(".part")], names
    assert len([n for n in names if n.endswith(".xlsx")]) == 1
    response = client.get(f"/exports?job={job_id}&quarter={QUARTER}")
    assert f"{ROWS:,} rows" in response.get_data(as_text=True)


def test_an_import_killed_half_way_writes_nothing_and_runs_again(
    org, login, workers, app, tmp_path
):
    client = login(org.manager)
    data = big_log_csv(tmp_path, ROWS).read_bytes()
    first = workers.start()
    response = client.post(
        "/imports",
        data={"file": (io.BytesIO(data), "big.csv")},
        content_type="multipart/form-data",
    )
    job_id = job_id_of(response)
    workers.wait_for(
        lambda: (
            status(client, job_id)["text"].startswith("Writing decisions")
            and status(client, job_id)["done"] > 0
        ),
        "the import to be writing",
    )
    first.kill()
    assert decisions(app) == 0  # the write transaction died with the worker

    workers.start()
    done = workers.wait_for(lambda: (s := status(client, job_id))["finished"] and s, "the rerun")
    assert done["status"] == "done", done
    assert done["attempts"] == 2
    assert decisions(app) == ROWS  # all of it, once
    page = client.get(f"/imports?job={job_id}").get_data(as_text=True)
    assert f"Imported big.csv: {ROWS:,} created, 0 updated, 0 left unchanged." in page


def test_a_job_whose_worker_dies_every_time_stops_and_says_so(
    big_quarter, org, login, workers, app
):
    app.config["JOBS_MAX_ATTEMPTS"] = 2
    client = login(org.manager)
    job_id = job_id_of(client.post("/exports", data={"quarter": QUARTER, "team": ""}))
    for attempt in (1, 2):
        worker = workers.start()
        workers.wait_for(
            lambda: (
                (s := status(client, job_id))["status"] == "running"
                and s["attempts"] == attempt  # noqa: B023
                and s["done"] > 0
            ),
            f"attempt {attempt} to be under way",
        )
        worker.kill()
    workers.start()
    failed = workers.wait_for(lambda: (s := status(client, job_id))["finished"] and s, "the end")
    assert failed["status"] == "failed"
    assert "stopped without finishing 2 times" in failed["error"]
    assert "not tried again" in failed["error"]
    names = files(Path(app.config["EXPORT_DIR"]))
    assert not [n for n in names if n.endswith((".part", ".xlsx"))], names
    page = client.get(f"/exports?job={job_id}&quarter={QUARTER}").get_data(as_text=True)
    assert "It did not work." in page


def test_a_job_that_fails_every_attempt_stops_after_the_last(
    one_decision, org, login, workers, app, tmp_path
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the exports folder should be")
    client = login(org.manager)
    job_id = job_id_of(client.post("/exports", data={"quarter": QUARTER, "team": ""}))
    workers.start(EXPORT_DIR=blocked)
    failed = workers.wait_for(lambda: (s := status(client, job_id))["finished"] and s, "the end")
    assert failed["status"] == "failed"
    assert failed["attempts"] == 3
    assert "It stopped after 3 attempts and was not tried again" in failed["error"]
    assert "could not write or read a file" in failed["error"]
    jobs_page = client.get("/jobs").get_data(as_text=True)
    assert "It stopped after 3 attempts" in jobs_page
