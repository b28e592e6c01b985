"""The API's Teams table is the scores service's: for every team of the demo organisation it
gives exactly the figures of `flask scores --json`, of the dashboard and of the workbook."""

from __future__ import annotations

import json
from datetime import date

import pytest

from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import TEAMS_COLUMNS
from tests.api.conftest import ApiClient, make_token
from tests.conftest import sign_in
from tests.test_same_figures import _dashboard, _same

DEMO_ADMIN = "admin@example.com"
DEMO_PASSWORD = "do-better-demo"


@pytest.fixture
def demo(runner):
    loaded = runner.invoke(args=["seed-demo"])
    assert loaded.exit_code == 0, loaded.output
    return str(Quarter.of(date.today()).prev())


def _command(runner, quarter: str, *team: str) -> dict:
    args = ["scores", "--quarter", quarter, "--json"]
    if team:
        args += ["--team", team[0]]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_api_gives_the_figures_of_the_command_dashboard_and_workbook(
    app, runner, demo, client, tmp_path
):
    from openpyxl import load_workbook

    quarter = demo
    api = ApiClient(
        app.test_client(use_cookies=False),
        make_token(app, DEMO_ADMIN, scope="read", password=DEMO_PASSWORD),
    )
    response = api.get(f"/api/v1/quarters/{quarter}/teams-table")
    assert response.status_code == 200
    given = response.get_json()
    command = _command(runner, quarter)
    assert given == command  # the same JSON, to the last bit of every figure
    assert len(given["teams"]) > 2

    sign_in(client, DEMO_ADMIN, DEMO_PASSWORD)
    page, _ = _dashboard(client, quarter)
    _same(given["teams"], page["teams"])

    path = tmp_path / "scorecard.xlsx"
    made = runner.invoke(args=["export-scorecard", "--quarter", quarter, "--out", str(path)])
    assert made.exit_code == 0, made.output
    rows = list(load_workbook(path, read_only=True)["Teams"].iter_rows(values_only=True))
    # Beside the table, the column of trend sparklines holds no value.
    width = len(TEAMS_COLUMNS)
    assert list(rows[0][:width]) == list(TEAMS_COLUMNS)
    workbook = [dict(zip(TEAMS_COLUMNS, row[:width], strict=True)) for row in rows[1:] if row[0]]
    _same(given["teams"], workbook, rel=1e-13)

    teams = api.get("/api/v1/teams").get_json()
    assert len(teams) == 6
    for team in teams:
        one = api.get(
            f"/api/v1/quarters/{quarter}/teams-table", query_string={"team": team["slug"]}
        )
        assert one.status_code == 200
        assert one.get_json() == _command(runner, quarter, team["slug"]), team["slug"]


def test_a_manager_gets_the_teams_of_their_dashboard_only(app, runner, demo):
    api = ApiClient(
        app.test_client(use_cookies=False),
        make_token(app, "manager@example.com", scope="read", password=DEMO_PASSWORD),
    )
    table = api.get(f"/api/v1/quarters/{demo}/teams-table").get_json()
    names = [row["Team"] for row in table["teams"]]
    assert names[-1] == "All teams"
    assert 1 <= len(names) - 1 < 6


def test_a_quarter_that_is_no_quarter_is_a_problem(api_as, org):
    response = api_as(org.staff).get("/api/v1/quarters/2026Q5/teams-table")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
