"""A quarter in progress, through the app: the worked example seen on 2026-04-20 (day 20 of the
91 of 2026Q2; see tests/domain/test_quarter_in_progress.py for the figures by hand). Today is
the TODAY setting, handed by the views and commands to the scores service."""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest
from flask import Flask

from scorecard import create_app
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.services import scores
from tests.conftest import Factory, sign_in
from tests.web.dashboard_page import Page, json_block
from tests.worked_example_orm import store_worked_example

TODAY = date(2026, 4, 20)
Q2 = Quarter(2026, 2)


@pytest.fixture
def on_the_day(app_config, app) -> Flask:
    """The same database, served as on 2026-04-20."""
    store_worked_example(app)
    dated = create_app({**app_config, "TODAY": TODAY})
    yield dated
    dated.extensions["database"].engine.dispose()


def test_the_service_cuts_the_quarter_at_the_day_given(app):
    store_worked_example(app)
    with app.app_context():
        session = db.session
        cut = scores.teams_table(session, Q2, today=TODAY)
        assert cut.progress is not None and cut.progress.label == "in progress, day 20 of 91"
        row = cut.rows.iloc[0]
        assert row["Decisions"] == 1
        assert row["Review %"] == pytest.approx(100.0)
        assert row["Calibration error"] == pytest.approx(0.6)
        assert row["Composite"] == pytest.approx(89.0)
        assert row["Previous composite"] == pytest.approx(61.111, abs=5e-4)
        assert row["Change"] == pytest.approx(27.889, abs=5e-4)
        assert row["Status"] == "improving"
        previous = scores.compared_with(session, Q2, today=TODAY)
        assert previous["Composite"] == pytest.approx(61.111, abs=5e-4)
        assert previous["Decisions"] == 1
        # Seen after the quarter ended, nothing is cut.
        full = scores.teams_table(session, Q2, today=date(2026, 7, 1))
        assert full.progress is None
        assert full.rows.iloc[0]["Composite"] == pytest.approx(69.333, abs=5e-4)
        assert full.rows.iloc[0]["Previous composite"] == pytest.approx(40.0)


def test_the_dashboard_marks_and_cuts_the_quarter(on_the_day):
    client = on_the_day.test_client()
    Factory(on_the_day).user("boss@example.com", "admin")
    sign_in(client, "boss@example.com")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "<title>Dashboard 2026Q2 · Do Better</title>" in html
    assert "in progress, day 20 of 91" in html
    teams = json_block(html, "dashboard-scores")["teams"]
    assert teams[0]["Composite"] == pytest.approx(89.0)
    assert teams[0]["Change"] == pytest.approx(27.889, abs=5e-4)
    cards = Page(html).cards
    assert json.loads(cards["Composite"]["data-previous"]) == pytest.approx(61.111, abs=5e-4)
    assert json.loads(cards["Review %"]["data-value"]) == pytest.approx(100.0)
    # The Review % card lists the one review due up to today.
    listed = client.get(cards["Review %"]["href"]).get_data(as_text=True)
    assert re.findall(r'href="/decisions/\d+">([^<]+)<', listed) == ["Worked example OPS-1"]
    team = client.get("/teams/operations").get_data(as_text=True)
    assert "in progress, day 20 of 91" in team
    assert "vs 2026Q1 to day 20" in team
    # A complete quarter is never cut nor marked.
    old = client.get("/dashboard?quarter=2026Q1").get_data(as_text=True)
    assert "in progress" not in old


def test_the_scores_command_cuts_and_says_so(on_the_day):
    runner = on_the_day.test_cli_runner()
    result = runner.invoke(args=["scores", "--quarter", "2026Q2", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["in_progress"] == {"day": 20, "days": 91, "cut_at": "2026-04-20"}
    assert payload["teams"][0]["Composite"] == pytest.approx(89.0)
    text = runner.invoke(args=["scores", "--quarter", "2026Q2"])
    assert "(in progress, day 20 of 91)" in text.output


def test_the_workbook_is_cut_and_its_provenance_too(on_the_day, tmp_path):
    path = tmp_path / "scorecard.xlsx"
    runner = on_the_day.test_cli_runner()
    made = runner.invoke(args=["export-scorecard", "--quarter", "2026Q2", "--out", str(path)])
    assert made.exit_code == 0, made.output
    teams = pd.read_excel(path, sheet_name="Teams")
    assert teams.iloc[0]["Composite"] == pytest.approx(89.0)
    provenance = pd.read_excel(path, sheet_name="Provenance")
    operations = provenance[provenance["Team"] == "Operations"].set_index("Figure")
    # Up to 2026-04-20: OPS-3 decided, OPS-1 due and reviewed; OPS-2 and OPS-3 fall due later.
    assert operations.loc["Decisions", "References"] == "operations-OPS-3"
    assert operations.loc["Review %", "References"] == "operations-OPS-1"
    assert operations.loc["Review %", "Decisions behind it"] == 1
    assert operations.loc["Calibration error", "References"] == "operations-OPS-1"
