"""gunicorn with several workers under concurrent users, and SIGKILL in the middle of writes:
no 5xx, every accepted submission in the database, the audit chain intact. (The 60-second,
50-user run is `make soak`; these are its quick versions for every change.)"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bench.crash import crash_during_submissions
from bench.liveserver import temporary_postgres
from bench.soak import run
from tests.conftest import unavailable

pytestmark = pytest.mark.load


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'load.sqlite'}"
        return
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        unavailable("PostgreSQL tests need TEST_DATABASE_URL=postgresql+psycopg://…")
    with temporary_postgres(server) as url:
        yield url


def test_concurrent_users_lose_nothing(fresh_database):
    result = run(fresh_database, users=12, seconds=8, workers=4)
    assert result["server_errors"] == 0, result["failures_sample"]
    assert result["client_failures"] == 0, result["failures_sample"]
    assert result["accepted_submissions"] > 0
    assert result["lost_submissions"] == 0
    assert result["lost_edits"] == 0
    assert result["integrity_check"] == "ok"
    assert result["audit_chain_ok"]
    assert result["sums_cells_verified"] > 0
    assert result["sums_differences"] == 0


def test_killing_workers_mid_burst_leaves_nothing_half_written(fresh_database):
    result = crash_during_submissions(fresh_database, users=8, seconds=6)
    assert result["workers_killed"] >= 1
    assert result["accepted_submissions"] > 0
    assert result["lost_submissions"] == 0
    assert result["integrity_check"] == "ok"
    assert result["audit_chain_ok"]
    assert result["sums_differences"] == 0


def test_killing_an_import_leaves_all_or_nothing(fresh_database):
    from bench.crash import crash_during_import

    result = crash_during_import(fresh_database, rows=3000)
    assert result["all_or_nothing"], result["outcomes"]
    assert any(not o["finished_first"] for o in result["outcomes"]), "no kill landed mid-import"
    assert result["decisions_after_complete_import"] == 3000
    assert result["integrity_check"] == "ok"
    assert result["audit_chain_ok"]
