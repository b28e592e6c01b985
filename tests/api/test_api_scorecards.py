"""Scorecards through the API: started as a job, followed, downloaded; managers and admins only."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from scorecard.domain.quarters import Quarter


def test_a_manager_starts_follows_and_downloads_a_scorecard(api_as, make, org):
    make.decision(org.ops, org.staff, impacts={"Workers": 1})
    api = api_as(org.manager)
    quarter = str(Quarter.of(date.today()))
    started = api.post("/api/v1/scorecards", json={"quarter": quarter, "team": org.ops.slug})
    assert started.status_code == 202, started.get_json()
    job = api.get(started.headers["Location"]).get_json()
    assert job["status"] == "done", job  # the tests run jobs at once, in process
    assert job["result"]["decisions"] == 1
    download = api.get(job["links"]["download"])
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(download.data), read_only=True)
    assert "Teams" in book.sheetnames


def test_staff_may_not_start_or_download_and_jobs_are_their_owners(api_as, org):
    staff = api_as(org.staff)
    assert staff.post("/api/v1/scorecards", json={}).status_code == 403
    assert staff.get("/api/v1/scorecards/" + "0" * 32 + "/download").status_code == 403
    started = api_as(org.manager).post("/api/v1/scorecards", json={"quarter": "2026Q1"})
    assert staff.get(started.headers["Location"]).status_code == 404
    assert api_as(org.admin).get(started.headers["Location"]).status_code == 200


def test_a_bad_quarter_or_another_teams_scorecard_is_refused(api_as, org):
    manager = api_as(org.manager)
    response = manager.post("/api/v1/scorecards", json={"quarter": "2026Q9"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/quarter"
    assert manager.post(
        "/api/v1/scorecards", json={"quarter": "2026Q1", "team": org.sales.slug}
    ).status_code in (403, 404)
