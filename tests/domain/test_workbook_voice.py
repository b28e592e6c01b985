"""The workbook's Stakeholders heard sheet: the figures beside the method, unrounded, with
empty figures as empty cells, before the Method sheet."""

from __future__ import annotations

import io
from dataclasses import replace

import openpyxl
import pytest

from scorecard.domain import scoring, workbook
from scorecard.domain.quarters import Quarter
from scorecard.domain.voice import beside_table, heard_sums
from tests.domain.test_voice import METHOD, _example
from tests.domain.test_workbook import worked_scorecard, write


def test_the_sheet_holds_heard_and_gaps_per_team_then_all_teams():
    decisions, impacts, answers, waste = _example()
    sums = scoring.quarter_sums(decisions, impacts, waste, METHOD)
    heard = heard_sums(decisions, impacts, answers, METHOD)
    table = beside_table(sums, heard, METHOD, Quarter(2026, 1).index, {1: "Operations", 2: "Sales"})
    card = replace(worked_scorecard(Quarter(2026, 1)), voice=table)
    book = openpyxl.load_workbook(io.BytesIO(write(card)))
    assert book.sheetnames[-3:] == ["Stakeholders heard", "Method", "Provenance"]
    ws = book["Stakeholders heard"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["Team", "Decisions affecting a group", "Heard %"]
    assert header[3:] == [f"Estimate gap: {g.name}" for g in METHOD.groups]
    by_team = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert list(by_team) == ["Operations", "Sales", "All teams"]
    assert by_team["Operations"]["Heard %"] == pytest.approx(100 / 3, abs=1e-12)
    assert by_team["Operations"]["Estimate gap: Customers"] == pytest.approx(2.25)
    assert by_team["Operations"]["Estimate gap: Communities"] is None
    assert by_team["All teams"]["Decisions affecting a group"] == 4
    assert by_team["All teams"]["Heard %"] == 50
    assert ws["C2"].number_format == "0.0"
    assert ws["E2"].number_format == "+0.00;-0.00;0.00"  # Customers of Operations
    assert ws.freeze_panes == "B2"
    assert "StakeholdersHeard" in ws.tables


def test_without_the_figures_the_sheets_are_the_six_of_the_method():
    book = openpyxl.load_workbook(io.BytesIO(write(worked_scorecard(Quarter(2026, 1)))))
    assert book.sheetnames == list(workbook.SHEETS)
