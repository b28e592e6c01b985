"""The quarterly workbook, read back with openpyxl and pandas."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import LineChart
from openpyxl.utils.escape import unescape

from scorecard.domain import importing, scoring, workbook
from scorecard.domain.quarters import Quarter
from tests.domain.worked_example import load_worked_example

GENERATED = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)
# SCORING.md's worked example: the Teams row of Operations per quarter.
EXPECTED = {
    "2026Q1": {
        "Decisions": 2,
        "Impact index": 26.667,
        "Shared value %": 0,
        "Harm %": 50,
        "Waste-neutral %": 50,
        "Net waste avoided": 1720,
        "Net CO2e avoided (kg)": 1520,
        "Consultation %": 20,
        "Review %": None,
        "Calibration error": None,
        "Composite": 40.0,
        "Change": None,
        "Status": "new",
        "Improving streak": 0,
        "Trend per quarter": None,
    },
    "2026Q2": {
        "Decisions": 2,
        "Impact index": 23.333,
        "Shared value %": 100,
        "Harm %": 0,
        "Waste-neutral %": 50,
        "Net waste avoided": -150,
        "Net CO2e avoided (kg)": 450,
        "Consultation %": 75,
        "Review %": 33.333,
        "Calibration error": 0.6,
        "Composite": 69.333,
        "Change": 29.333,
        "Status": "improving",
        "Improving streak": 1,
        "Trend per quarter": None,
    },
}
INJECTIONS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\tcmd",
    "\rcmd",
    "#N/A",
]


def worked_scorecard(quarter: Quarter, decisions=(), reviews_due=()) -> workbook.Scorecard:
    example = load_worked_example()
    method = scoring.default_method()
    sums = scoring.quarter_sums(example.decisions, example.impacts, example.waste, method)
    teams = scoring.teams_table(sums, method, quarter.index, example.team_names)
    summary = scoring.team_series(sums, method, None, [quarter.prev().index, quarter.index])
    summary.index = [str(quarter.prev()), str(quarter)]
    quarters = quarter.last_n(8)
    composite = scoring.team_series(sums, method, 1, [q.index for q in quarters])["Composite"]
    trends = pd.DataFrame(
        [composite.to_numpy()], index=["Operations"], columns=[str(q) for q in quarters]
    )
    return workbook.Scorecard(
        quarter=quarter,
        scope="All teams",
        method=method,
        generated_at=GENERATED,
        generated_by="Ada Admin <admin@example.com>",
        summary=summary,
        teams=teams,
        trends=trends,
        decisions=decisions,
        reviews_due=reviews_due,
    )


def write(card: workbook.Scorecard) -> bytes:
    out = io.BytesIO()
    workbook.write_scorecard(card, out)
    return out.getvalue()


def decision_row(method: scoring.Method, **values: object) -> list[object]:
    columns = workbook.decision_columns(method)
    row: list[object] = [None] * len(columns)
    for name, value in values.items():
        row[columns.index(name.replace("__", ": ").replace("_", " ") if "__" in name else name)] = (
            value
        )
    return row


@pytest.fixture(scope="module")
def q2() -> bytes:
    method = scoring.default_method()
    rows = [
        decision_row(
            method,
            external_id="OPS-3",
            team="Operations",
            title=text,
            decided_on=date(2026, 4, 8),
            status="decided",
            question=text,
            **{"impact: Workers": -2, "Impact index": 26.6666667, "Net waste avoided": -150.0},
        )
        for text in INJECTIONS
    ]
    due = [
        ["Operations", "Cancel overtime ban", "OPS-2", date(2026, 2, 3), date(2026, 6, 30), 2, None]
    ]
    return write(worked_scorecard(Quarter(2026, 2), rows, due))


def test_sheets_in_order_with_tables_frozen_headers_and_properties(q2):
    book = openpyxl.load_workbook(io.BytesIO(q2))
    assert book.sheetnames == list(workbook.SHEETS)
    assert book.properties.title == "Do Better scorecard 2026Q2 — All teams"
    assert book.properties.creator == "Ada Admin <admin@example.com>"
    assert book.properties.created == datetime(2026, 7, 2, 9, 30)
    frozen = {ws.title: ws.freeze_panes for ws in book.worksheets}
    assert frozen == {
        "Summary": "A8",
        "Teams": "B2",
        "Trends": "B2",
        "Decisions": "D3",
        "Reviews due": "C2",
        "Method": "A3",
        "Provenance": "C2",
    }
    tables = {ws.title: {t.displayName: t.ref for t in ws.tables.values()} for ws in book}
    assert tables["Summary"] == {"Summary": "A7:D21"}
    assert tables["Teams"] == {"Teams": "A1:Q3"}
    assert tables["Trends"] == {"Trends": "I1:I1".replace("I1:I1", "A1:I2")}
    assert tables["Decisions"] == {"Decisions": f"A2:AR{2 + len(INJECTIONS)}"}
    assert tables["Reviews due"] == {"ReviewsDue": "A1:G2"}
    assert set(tables["Method"]) == {"Weights", "Groups", "Categories", "Definitions"}
    assert tables["Provenance"] == {"Provenance": "A1:I2"}  # no rows given: one empty row
    for sheet in book:
        for table in sheet.tables.values():
            header = [c.value for c in sheet[table.ref][0]]
            assert header == [c.name for c in table.tableColumns]
            assert table.autoFilter is not None


def test_teams_headers_and_figures_of_the_worked_example():
    for quarter in (Quarter(2026, 1), Quarter(2026, 2)):
        data = write(worked_scorecard(quarter))
        teams = pd.read_excel(io.BytesIO(data), sheet_name="Teams")
        assert list(teams.columns) == list(scoring.TEAMS_COLUMNS)
        assert list(teams["Team"]) == ["Operations", scoring.ALL_TEAMS]
        operations = teams.iloc[0]
        for name, expected in EXPECTED[str(quarter)].items():
            value = operations[name]
            if expected is None:
                assert pd.isna(value), name
            elif isinstance(expected, str):
                assert value == expected
            else:
                assert round(float(value), 3) == pytest.approx(expected, abs=5e-4), name


def test_cells_hold_unrounded_figures_with_number_formats_and_empty_cells(q2):
    sheet = openpyxl.load_workbook(io.BytesIO(q2))["Teams"]
    header = [c.value for c in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert row["Impact index"].value == pytest.approx(70 / 3)
    assert row["Impact index"].number_format == "0.0"
    assert row["Change"].number_format == "+0.0;-0.0;0.0"
    assert row["Trend per quarter"].value is None
    assert row["Decisions"].data_type == "n"
    assert row["Status"].value == "improving"


def test_conditional_colours_on_change_and_status(q2):
    sheet = openpyxl.load_workbook(io.BytesIO(q2))["Teams"]
    ranges = {
        str(rng.sqref): [r.operator for r in rules]
        for rng, rules in sheet.conditional_formatting._cf_rules.items()
    }
    assert ranges["N2:N3"] == ["greaterThanOrEqual", "lessThanOrEqual"]
    assert ranges["Q2:Q3"] == ["equal"] * 4


def test_trends_has_a_native_line_chart(q2):
    book = openpyxl.load_workbook(io.BytesIO(q2))
    sheet = book["Trends"]
    assert [c.value for c in sheet[1]] == ["Team", *[str(q) for q in Quarter(2026, 2).last_n(8)]]
    assert sheet["I2"].value == pytest.approx(208 / 3)
    assert sheet["B2"].value is None  # no composite: an empty cell, not 0
    charts = sheet._charts
    assert len(charts) == 1
    assert isinstance(charts[0], LineChart)
    assert len(charts[0].series) == 1
    with zipfile.ZipFile(io.BytesIO(q2)) as archive:
        chart_xml = archive.read("xl/charts/chart1.xml").decode()
    assert "lineChart>" in chart_xml
    assert re.search(r"<(c:)?f>'Trends'!\$B\$2:\$I\$2</(c:)?f>", chart_xml)


def test_summary_beside_the_previous_quarter_with_method_and_author(q2):
    sheet = openpyxl.load_workbook(io.BytesIO(q2))["Summary"]
    assert sheet["A1"].value == "Quarterly scorecard 2026Q2"
    assert [sheet["B2"].value, sheet["B3"].value, sheet["B5"].value] == [
        "All teams",
        1,
        "Ada Admin <admin@example.com>",
    ]
    assert sheet["B4"].value == datetime(2026, 7, 2, 9, 30)
    summary = pd.read_excel(io.BytesIO(q2), sheet_name="Summary", header=6, index_col=0)
    assert list(summary.columns) == ["2026Q2", "2026Q1", "Change"]
    assert summary.loc["Composite", "2026Q2"] == pytest.approx(69.333, abs=1e-3)
    assert summary.loc["Composite", "2026Q1"] == pytest.approx(40)
    assert summary.loc["Composite", "Change"] == pytest.approx(29.333, abs=1e-3)
    assert pd.isna(summary.loc["Review %", "2026Q1"])
    assert summary.loc["Status", "2026Q2"] == "improving"


def test_method_sheet_states_version_weights_groups_categories_definitions(q2):
    sheet = openpyxl.load_workbook(io.BytesIO(q2))["Method"]
    text = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Scoring method version 1" in text
    for name in ("Workers", "Owners", "Materials", "Staff time", "Composite", "Calibration error"):
        assert name in text
    weights = sheet.tables["Weights"]
    rows = [[c.value for c in row] for row in sheet[weights.ref]]
    assert rows[1][0] == "Impact index"
    assert rows[1][2] == 30
    assert rows[1][3] == pytest.approx(0.3)
    assert any(isinstance(v, str) and v.startswith("Weighted mean") for v in text)


def test_text_that_looks_like_a_formula_stays_text(q2):
    book = openpyxl.load_workbook(io.BytesIO(q2))
    sheet = book["Decisions"]
    header = [c.value for c in sheet[2]]
    titles = [
        sheet.cell(row=r, column=header.index("title") + 1) for r in range(3, 3 + len(INJECTIONS))
    ]
    # A carriage return is kept as Excel keeps it; openpyxl leaves its escape as it is.
    assert [unescape(c.value) for c in titles] == INJECTIONS
    for cell in titles:
        assert cell.data_type == "s"
        assert cell.quotePrefix
    impact = sheet.cell(row=3, column=header.index("impact: Workers") + 1)
    assert impact.value == -2
    assert impact.data_type == "n"
    with zipfile.ZipFile(io.BytesIO(q2)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)


def test_decisions_sheet_names_its_columns_in_words_above_the_import_format(q2):
    sheet = openpyxl.load_workbook(io.BytesIO(q2))["Decisions"]
    words, names = ([c.value for c in sheet[row]] for row in (1, 2))
    assert names[:4] == ["external_id", "team", "title", "decided_on"]
    assert words[:4] == ["Reference", "Team", "Title", "Decided on"]
    at = {name: word for name, word in zip(names, words, strict=True)}
    assert at["decision"] == "What was decided"
    assert at["author_email"] == "Author"
    assert at["impact: Nature"] == "Impact on Nature"
    assert at["consulted: Workers"] == "Workers consulted"
    assert at["actual: Owners"] == "Actual impact on Owners"
    assert at["created: Energy"] == "Energy created"
    assert at["avoided: Water"] == "Water avoided"
    assert at["Harm"] == "Harm"  # a computed column is in words already
    assert sheet["A1"].font.b and sheet["A2"].font.b


def test_a_row_in_words_is_passed_over_only_above_a_header():
    method = scoring.default_method()
    groups = [g.name for g in method.groups]
    categories = [c.name for c in method.categories]
    columns = ["team", "title", "decided_on"]
    words = [importing.column_words(c) for c in columns]
    assert importing.is_words_row(words, groups, categories)
    assert not importing.is_words_row(columns, groups, categories)
    assert not importing.is_words_row(["Team", "Title"], groups, categories)  # no "Decided on"
    assert not importing.is_words_row([*words, "Something else"], groups, categories)
    assert not importing.is_words_row([*words, 3], groups, categories)


def test_decisions_sheet_reads_back_as_the_import_format(q2):
    method = scoring.default_method()
    parsed = importing.read_decisions(
        q2,
        "scorecard.xlsx",
        [g.name for g in method.groups],
        [c.name for c in method.categories],
    )
    assert parsed.sheet == "Decisions"
    assert parsed.errors == []
    # Read back as a form reads its fields: surrounding whitespace (a tab, a return) goes.
    assert [r.title for r in parsed.rows] == [t.strip() for t in INJECTIONS]
    assert parsed.rows[0].impacts["Workers"] == -2


def test_illegal_characters_are_dropped_and_long_text_cut():
    method = scoring.default_method()
    row = decision_row(
        method,
        team="Ops",
        title="bell\x07 and nul\x00",
        decided_on=date(2026, 4, 8),
        context="x" * 40_000,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(write(worked_scorecard(Quarter(2026, 2), [row]))))[
        "Decisions"
    ]
    assert sheet["C3"].value == "bell and nul"
    assert len(sheet["G3"].value) == 32_767


def test_an_empty_scope_still_makes_a_valid_workbook():
    card = worked_scorecard(Quarter(2026, 2))
    empty = workbook.Scorecard(
        **{
            **card.__dict__,
            "teams": card.teams.iloc[0:0],
            "trends": card.trends.iloc[0:0],
            "summary": card.summary.iloc[0:0],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(write(empty)))
    assert book["Teams"].tables["Teams"].ref == "A1:Q2"
    assert book["Trends"]._charts == []


def test_teams_carry_trend_sparklines_and_status_colours(q2):
    with zipfile.ZipFile(io.BytesIO(q2)) as archive:
        teams_xml = archive.read("xl/worksheets/sheet2.xml").decode()
    sparklines = re.findall(
        r"<x14:sparkline><xm:f>(.*?)</xm:f><xm:sqref>(.*?)</xm:sqref>", teams_xml
    )
    # Operations is row 2 of Teams and of Trends; All teams has no trend row.
    assert sparklines == [("'Trends'!B2:I2", "R2")]
    sheet = openpyxl.load_workbook(io.BytesIO(q2))["Teams"]
    fills = {
        rule.formula[0]: rule.dxf.fill.bgColor.rgb[-6:]
        for rng, rules in sheet.conditional_formatting._cf_rules.items()
        if str(rng.sqref) == "Q2:Q3"
        for rule in rules
    }
    assert fills == {
        '"improving"': workbook.GOOD["fill"],
        '"steady"': workbook.STEADY["fill"],
        '"declining"': workbook.BAD["fill"],
        '"new"': workbook.NEW["fill"],
    }


def test_decisions_sheet_prints_landscape_fitted_to_width_with_titles(q2):
    sheet = openpyxl.load_workbook(io.BytesIO(q2))["Decisions"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(sheet.page_setup.fitToHeight) == 0  # as many pages down as it takes
    assert int(sheet.page_setup.fitToWidth) >= 1
    assert sheet.print_title_rows.replace("$", "") == "1:2"  # in words, then as imported
    # Every printed page names the sheet, the scorecard and the page.
    assert sheet.oddHeader.left.text.removeprefix("&B") == "Decisions"  # in bold
    assert sheet.oddHeader.right.text == "Do Better scorecard 2026Q2 — All teams"
    assert sheet.oddFooter.right.text == "Page &P of &N"
