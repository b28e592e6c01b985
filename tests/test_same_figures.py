"""One source of truth: the dashboard, the `scores` command and the workbook show the same figures
for the same quarter, all of them made by the scores service."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pandas as pd
import pytest

from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import TEAMS_COLUMNS
from scorecard.extensions import db
from scorecard.views.dashboard import scores
from tests.web.dashboard_page import Page, json_block
from tests.worked_example_orm import store_worked_example

QUARTERS = ("2026Q1", "2026Q2")


@pytest.fixture
def figures_org(app, make, org):
    store_worked_example(app)
    for day, impacts in ((date(2026, 2, 10), {"Nature": -2}), (date(2026, 5, 5), {"Customers": 2})):
        make.decision(
            org.sales,
            org.other_staff,
            decided_on=day,
            impacts={"Owners": 1, **impacts},
            consulted=tuple(impacts),
            waste=[("Travel", 0, 300)],
        )
    return org


def _plain(value: Any) -> Any:
    """A figure as JSON shows it: empty is None, numbers as float."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return value
    number = float(value)
    return None if math.isnan(number) else number


def _same(left: list[dict[str, Any]], right: list[dict[str, Any]], rel: float = 0.0) -> None:
    assert [row["Team"] for row in left] == [row["Team"] for row in right]
    for a, b in zip(left, right, strict=True):
        assert list(a) == list(TEAMS_COLUMNS)
        for column in TEAMS_COLUMNS:
            x, y = _plain(a[column]), _plain(b[column])
            if isinstance(x, float) and isinstance(y, float):
                # Both are the service's unrounded figures: equal to the last bit (or, from a
                # workbook, to the 15 significant digits a spreadsheet keeps).
                assert x == pytest.approx(y, rel=rel, abs=rel), (a["Team"], column, x, y)
            else:
                assert x == y, (a["Team"], column, x, y)


def _dashboard(client, quarter: str) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    html = client.get(f"/dashboard?quarter={quarter}").get_data(as_text=True)
    return json_block(html, "dashboard-scores"), Page(html).cards


@pytest.mark.parametrize("quarter", QUARTERS)
def test_dashboard_shows_the_figures_of_the_scores_service(app, login, figures_org, quarter):
    page, cards = _dashboard(login(figures_org.admin), quarter)
    with app.app_context():
        table = scores.teams_table(db.session, Quarter.parse(quarter))
    assert page["quarter"] == quarter
    assert page["method_version"] == table.method_version
    service_rows = [row.to_dict() for _, row in table.rows.iterrows()]
    _same(page["teams"], service_rows)
    everyone = service_rows[-1]
    assert everyone["Team"] == "All teams"
    for name, card in cards.items():
        shown = json.loads(card["data-value"])
        assert _plain(shown) == _plain(everyone[name]), name


@pytest.mark.parametrize("quarter", QUARTERS)
def test_dashboard_and_the_scores_command_agree(runner, login, figures_org, quarter):
    page, _ = _dashboard(login(figures_org.admin), quarter)
    result = runner.invoke(args=["scores", "--quarter", quarter, "--json"])
    assert result.exit_code == 0, result.output
    command = json.loads(result.output)
    assert command["quarter"] == page["quarter"]
    assert command["method_version"] == page["method_version"]
    _same(page["teams"], command["teams"])


@pytest.mark.parametrize("quarter", QUARTERS)
def test_the_workbook_and_the_scores_command_agree(runner, figures_org, quarter, tmp_path):
    from openpyxl import load_workbook

    result = runner.invoke(args=["scores", "--quarter", quarter, "--json"])
    assert result.exit_code == 0, result.output
    command = json.loads(result.output)

    path = tmp_path / f"scorecard-{quarter}.xlsx"
    made = runner.invoke(args=["export-scorecard", "--quarter", quarter, "--out", str(path)])
    assert made.exit_code == 0, made.output
    sheet = load_workbook(path, read_only=True)["Teams"]
    rows = list(sheet.iter_rows(values_only=True))
    # Beside the table, the column of trend sparklines holds no value.
    width = len(TEAMS_COLUMNS)
    assert all(value is None for row in rows for value in row[width:])
    assert list(rows[0][:width]) == list(TEAMS_COLUMNS)
    workbook = [dict(zip(TEAMS_COLUMNS, row[:width], strict=True)) for row in rows[1:] if row[0]]
    # Cells hold the unrounded figures, written with the 15 significant digits Excel keeps.
    _same(command["teams"], workbook, rel=1e-13)
