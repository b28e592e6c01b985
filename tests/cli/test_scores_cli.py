"""`flask scores`: the Teams table of a quarter, readable or as JSON, agreeing with SCORING.md."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import TEAMS_COLUMNS, default_method, score_quarter
from tests.conftest import sign_in
from tests.domain.test_scoring import WORKED_EXAMPLE
from tests.domain.worked_example import load_worked_example
from tests.worked_example_orm import store_worked_example


def scores_json(runner, *args: str) -> dict:
    result = runner.invoke(args=["scores", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def assert_row_matches(row: dict, expected: dict, label: str) -> None:
    for header, value in expected.items():
        actual = row[header]
        if isinstance(value, str):
            assert actual == value, f"{label} {header}"
        elif isinstance(value, float) and math.isnan(value):
            assert actual is None, f"{label} {header}: expected null, got {actual}"
        else:
            assert actual == pytest.approx(value, abs=5e-4), f"{label} {header}"


@pytest.mark.parametrize("quarter", ["2026Q1", "2026Q2"])
def test_worked_example_agrees_with_scoring_md(app, runner, quarter):
    store_worked_example(app)
    payload = scores_json(runner, "--quarter", quarter)
    assert payload["quarter"] == quarter
    assert payload["method_version"] == 1
    assert [row["Team"] for row in payload["teams"]] == ["Operations", "All teams"]
    expected = WORKED_EXAMPLE[Quarter.parse(quarter).index]
    for row in payload["teams"]:
        assert list(row) == list(TEAMS_COLUMNS)
        assert_row_matches(row, expected, f"{row['Team']} {quarter}")
    # Unrounded, and typed as the sheet is: counts as integers, empty figures as null.
    operations = payload["teams"][0]
    assert isinstance(operations["Decisions"], int)
    assert isinstance(operations["Improving streak"], int)
    if quarter == "2026Q2":
        assert operations["Impact index"] == pytest.approx(70 / 3, abs=1e-12)
        assert operations["Composite"] != round(operations["Composite"], 3)


def test_quarter_before_any_decision_lists_all_teams_only(app, runner):
    store_worked_example(app)
    payload = scores_json(runner, "--quarter", "2025Q4")
    assert [row["Team"] for row in payload["teams"]] == ["All teams"]
    row = payload["teams"][0]
    assert row["Decisions"] == 0
    assert row["Composite"] is None
    assert row["Status"] == "new"


def test_team_option_limits_the_table_to_that_team(app, runner, make):
    store_worked_example(app)
    store_worked_example(app, "Sales")
    make.team("Legal")
    both = scores_json(runner, "--quarter", "2026Q2")
    assert [row["Team"] for row in both["teams"]] == ["Operations", "Sales", "All teams"]
    assert both["teams"][-1]["Decisions"] == 4

    sales = scores_json(runner, "--quarter", "2026Q2", "--team", "sales")
    assert [row["Team"] for row in sales["teams"]] == ["Sales", "All teams"]
    assert sales["teams"][1]["Decisions"] == 2
    assert_row_matches(sales["teams"][1], WORKED_EXAMPLE[Quarter(2026, 2).index], "All teams")

    legal = scores_json(runner, "--quarter", "2026Q2", "--team", "legal")
    assert [row["Team"] for row in legal["teams"]] == ["All teams"]
    assert legal["teams"][0]["Composite"] is None


def test_readable_table(app, runner):
    store_worked_example(app)
    result = runner.invoke(args=["scores", "--quarter", "2026q2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Teams table of 2026Q2, scoring method version 1"
    assert lines[1].split("  ")[0] == "Team"
    assert all(header in lines[1] for header in TEAMS_COLUMNS)
    operations = lines[2]
    assert operations.startswith("Operations")
    for shown in ("23.3", "100.0", "-150", "33.3", "0.60", "69.3", "40.0", "+29.3", "improving"):
        assert shown in operations.split(), f"{shown} missing from {operations!r}"
    # The empty trend shows as a dash, never as 0.
    assert "—" in operations.split()
    assert lines[3].startswith("All teams")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quarter", "2026Q5"], "quarter must look like 2026Q3"),
        (["--quarter", "next quarter"], "quarter must look like 2026Q3"),
        (["--quarter", "2026Q1", "--team", "nope"], "no team has the slug 'nope'"),
    ],
)
def test_errors_are_one_line_with_status_2(app, runner, args, message):
    result = runner.invoke(args=["scores", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_quarter_is_a_usage_error(runner):
    result = runner.invoke(args=["scores"])
    assert result.exit_code == 2
    assert "--quarter" in result.output


def test_new_weights_make_version_2_and_change_the_composites(app, runner, client, org):
    store_worked_example(app)
    before = scores_json(runner, "--quarter", "2026Q2")
    sign_in(client, "admin@example.com")
    weights = {
        "impact": 10,
        "shared": 10,
        "harm": 30,
        "waste": 10,
        "consultation": 10,
        "review": 20,
        "calibration": 10,
    }
    response = client.post("/admin/weights", data={**weights, "note": "Harm counts more"})
    assert response.status_code == 302

    after = scores_json(runner, "--quarter", "2026Q2")
    assert after["method_version"] == 2
    old, new = before["teams"][0], after["teams"][0]
    assert new["Composite"] != pytest.approx(old["Composite"])
    assert new["Previous composite"] != pytest.approx(old["Previous composite"])
    assert new["Impact index"] == old["Impact index"]
    # The new version applies to every quarter: the same as the scoring module with its weights.
    example = load_worked_example()
    method = replace(default_method(2), weights={k: float(v) for k, v in weights.items()})
    expected = score_quarter(
        example.decisions, example.impacts, example.waste, method, Quarter(2026, 2).index
    ).iloc[0]
    for header in ("Composite", "Previous composite", "Change"):
        assert new[header] == pytest.approx(expected[header], abs=1e-9)


def test_verify_finds_the_stored_sums_equal_to_the_decisions(app, runner):
    store_worked_example(app)
    before = runner.invoke(args=["scores", "--verify"])
    assert before.exit_code == 0, before.output
    assert "No stored sums are in use" in before.output  # nothing read yet
    scores_json(runner, "--quarter", "2026Q2")  # the read stores every cell
    result = runner.invoke(args=["scores", "--verify"])
    assert result.exit_code == 0, result.output
    assert "stored team-quarters checked: each equals its decisions added up again" in result.output


def test_verify_reports_a_stored_sum_that_differs(app, runner):
    import sqlalchemy as sa

    from scorecard.extensions import db
    from scorecard.models import TeamQuarterSums

    store_worked_example(app)
    scores_json(runner, "--quarter", "2026Q2")
    q2 = Quarter(2026, 2).index
    with app.app_context(), db.writing() as session:
        cell = session.scalars(
            sa.select(TeamQuarterSums).where(TeamQuarterSums.quarter == q2)
        ).one()
        assert cell.sums
        cell.sums = [cell.sums[0] + 1, *cell.sums[1:]]  # one decision more than there is
    result = runner.invoke(args=["scores", "--verify"])
    assert result.exit_code == 1, result.output
    assert "Operations 2026Q2: n stored 3, from the decisions 2" in result.output
    assert "1 of " in result.output and "differ from their decisions" in result.output


def test_scores_without_a_quarter_says_what_is_missing(runner):
    result = runner.invoke(args=["scores"])
    assert result.exit_code == 2
    assert "--quarter is required (or --verify)" in result.output
