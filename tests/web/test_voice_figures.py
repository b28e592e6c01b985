"""Heard % and the estimate gaps, from real answers, on the dashboards and in the workbook."""

from __future__ import annotations

import re
from datetime import date

import openpyxl

from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.services import scores
from tests.conftest import sign_in
from tests.web.voice_helpers import answer, consult


def _figure(page: str, team: str, figure: str) -> str:
    row = re.search(rf'<tr[^>]*data-beside-team="{team}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {team}"
    cell = re.search(rf'data-figure="{figure}">([^<]*)<', row.group(1))
    assert cell, f"no {figure} for {team}"
    return cell.group(1)


def _answered_quarter(app, make, org):
    """Two decisions of Operations that affect a group; Customers answer the first (mean 0
    against an estimate of +2): Heard % 50, Customers' gap +2."""
    heard = make.decision(
        org.ops, org.staff, decided_on=date.today(), impacts={"Customers": 2, "Workers": 1}
    )
    make.decision(org.ops, org.staff, decided_on=date.today(), impacts={"Workers": -1})
    _, path = consult(app, heard, org.staff)
    for rating in (1, 0, -1):
        assert answer(app.test_client(), path, rating).status_code == 303


def test_dashboards_show_heard_and_the_estimate_gap(app, client, make, org):
    _answered_quarter(app, make, org)
    sign_in(client, org.manager.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "In stakeholders' own words" in page
    assert _figure(page, "Operations", "heard") == "50.0"
    assert _figure(page, "All teams", "heard") == "50.0"
    assert _figure(page, "Operations", "gap-Customers") == "+2.00"
    assert _figure(page, "Operations", "gap-Workers") == "—"
    team_page = client.get(f"/teams/{org.ops.slug}").get_data(as_text=True)
    assert _figure(team_page, "Operations", "heard") == "50.0"
    assert 'data-beside-team="All teams"' not in team_page


def test_the_workbook_has_the_same_figures(app, runner, make, org, tmp_path):
    _answered_quarter(app, make, org)
    out = tmp_path / "card.xlsx"
    quarter = Quarter.of(date.today())
    result = runner.invoke(args=["export-scorecard", "--quarter", str(quarter), "--out", str(out)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["Stakeholders heard"]
    rows = list(ws.iter_rows(values_only=True))
    figures = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert figures["Operations"]["Heard %"] == 50
    assert figures["Operations"]["Estimate gap: Customers"] == 2
    assert figures["All teams"]["Decisions affecting a group"] == 2


def test_stored_sums_and_a_full_rebuild_agree_on_answered_groups(app, make, org):
    _answered_quarter(app, make, org)
    with app.app_context():
        session = db.session
        method = scores.current_method(session)
        stored = scores.sums_of_team_quarters(session)
        rebuilt = scores.sums_of_decisions(session, method)
        assert stored.equals(rebuilt)
        # Decision 1: Customers consulted of its two affected groups; decision 2: none.
        assert rebuilt["coverage_sum"].sum() == 50
