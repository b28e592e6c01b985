"""`import-decisions` and `export-scorecard` on the command line."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Decision
from scorecard.permissions import Teams
from scorecard.services import exports
from tests.domain.worked_example import WORKED_EXAMPLE


@pytest.fixture
def ops(make):
    return make.team("Operations", "ops")


def decisions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Decision.id))) or 0


def test_import_then_again_changes_nothing(runner, app, ops):
    first = runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE)])
    assert first.exit_code == 0, first.output
    assert "Imported worked-example.csv: 5 created, 0 updated, 0 left unchanged." in first.output
    again = runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE)])
    assert "0 created, 0 updated, 5 left unchanged" in again.output
    assert decisions(app) == 5


def test_dry_run_writes_nothing(runner, app, ops):
    result = runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "5 would be created" in result.output
    assert "Nothing was written." in result.output
    assert decisions(app) == 0


def test_every_bad_cell_on_its_own_line_and_exit_1(runner, app, ops, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        WORKED_EXAMPLE.read_bytes()
        .replace(b"2026-02-03", b"2026-02-30")
        .replace(b"OPS-4,Operations", b"OPS-4,Nowhere")
    )
    result = runner.invoke(args=["import-decisions", str(bad)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        "bad.csv: row 3, column D (decided_on): '2026-02-30' — is not a real date",
        "bad.csv: row 5, column B (team): 'Nowhere' — no team has this name or slug",
        "Nothing was imported from bad.csv: 2 bad cells.",
    ]
    assert decisions(app) == 0


def test_bad_cell_on_the_last_of_many_rows_writes_nothing(runner, app, ops, tmp_path):
    header, good = WORKED_EXAMPLE.read_text().splitlines()[:2]
    rows = [good.replace("OPS-1", f"N-{i}") for i in range(3000)]
    rows.append(good.replace("OPS-1", "LAST").replace(",1,1,2,3,-1,", ",1,1,2,3,-4,"))
    path = tmp_path / "many.csv"
    path.write_text("\n".join([header, *rows]))
    result = runner.invoke(args=["import-decisions", str(path)])
    assert result.exit_code == 1
    assert (
        "row 3002, column R (impact: Owners): '-4' — An impact is a whole number from -3 to +3."
        in (result.output)
    )
    assert decisions(app) == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "empty.csv is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.xlsx", "photo.xlsx is not an Excel workbook"),
        ("team;title\nÉté;Café\n".encode("cp1252"), "latin.csv", "latin.csv is not UTF-8 text"),
    ],
)
def test_refused_files(runner, app, ops, tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["import-decisions", str(path)])
    assert result.exit_code == 1
    assert message in result.output


def test_size_limit_applies_on_the_command_line(runner, app, ops, tmp_path):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    result = runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE)])
    assert result.exit_code == 1
    assert "the largest file accepted is" in result.output


def test_missing_file(runner):
    result = runner.invoke(args=["import-decisions", "/nonexistent/log.csv"])
    assert result.exit_code == 1
    assert "cannot be read" in result.output


def test_export_to_the_exports_folder_and_listed(runner, app, ops):
    runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE)])
    result = runner.invoke(args=["export-scorecard", "--quarter", "2026Q2"])
    assert result.exit_code == 0, result.output
    path = Path(app.config["EXPORT_DIR"]) / "scorecard-2026Q2.xlsx"
    assert f"written to {path}" in result.output
    teams = pd.read_excel(path, sheet_name="Teams")
    assert teams.loc[0, "Composite"] == pytest.approx(69.333, abs=1e-3)
    # Writing it again replaces the file and its entry in the list of past exports.
    runner.invoke(args=["export-scorecard", "--quarter", "2026Q2"])
    (record,) = exports.past_exports(app.config["EXPORT_DIR"], Teams.EVERY)
    assert record.file == "scorecard-2026Q2.xlsx"
    assert record.created_by == "command line"
    assert record.scope == "All teams"


def test_export_one_team_to_a_path(runner, app, ops, make, tmp_path):
    make.team("Sales", "sales")
    runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE)])
    out = tmp_path / "reports" / "q1.xlsx"
    result = runner.invoke(
        args=["export-scorecard", "--quarter", "2026q1", "--team", "ops", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.properties.title == "Do Better scorecard 2026Q1 — Operations"
    assert exports.past_exports(app.config["EXPORT_DIR"], Teams.EVERY) == []
    default = runner.invoke(args=["export-scorecard", "--quarter", "2026Q1", "--team", "sales"])
    assert "scorecard-2026Q1-sales.xlsx" in default.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quarter", "2026Q5"], "--quarter: quarter must look like 2026Q3"),
        (["--quarter", "2026Q2", "--team", "nope"], "--team: no team has the slug 'nope'"),
    ],
)
def test_export_errors(runner, ops, args, message):
    result = runner.invoke(args=["export-scorecard", *args])
    assert result.exit_code == 2
    assert message in result.output


def tamper(path: Path, sheet: str, cell: str, value: object, out: Path) -> Path:
    """The workbook with one cell changed, saved as another file (as a person would edit it)."""
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(out)
    return out


@pytest.fixture
def exported(runner, app, ops, tmp_path) -> Path:
    runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE)])
    out = tmp_path / "q2.xlsx"
    result = runner.invoke(args=["export-scorecard", "--quarter", "2026Q2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_a_fresh_export_verifies_against_the_database_and_its_decisions_sheet(runner, exported):
    for extra in ([], ["--decisions-sheet"]):
        result = runner.invoke(args=["verify-scorecard", str(exported), *extra])
        assert result.exit_code == 0, result.output
        assert "every figure checked agrees" in result.output


def test_a_tampered_figure_is_reported_with_its_cell(runner, exported, tmp_path):
    header = [c.value for c in openpyxl.load_workbook(exported)["Teams"][1]]
    harm = openpyxl.utils.get_column_letter(header.index("Harm %") + 1)
    bad = tamper(exported, "Teams", f"{harm}2", 12.5, tmp_path / "bad.xlsx")
    for extra in ([], ["--decisions-sheet"]):
        result = runner.invoke(args=["verify-scorecard", str(bad), *extra])
        assert result.exit_code == 1, result.output
        assert f"Teams!{harm}2 (Operations, Harm %): the workbook says 12.5, recomputed 0" in (
            result.output
        )
        assert "1 figures differ" in result.output


def test_a_tampered_decision_is_found_from_the_decisions_sheet(runner, exported, tmp_path):
    sheet = openpyxl.load_workbook(exported)["Decisions"]
    header = [c.value for c in sheet[2]]  # row 1 is the columns in words
    column = openpyxl.utils.get_column_letter(header.index("impact: Workers") + 1)
    bad = tamper(exported, "Decisions", f"{column}3", -3, tmp_path / "bad.xlsx")
    alone = runner.invoke(args=["verify-scorecard", str(bad), "--decisions-sheet"])
    assert alone.exit_code == 1, alone.output
    assert "(Operations, Impact index)" in alone.output
    assert "(Operations, Harm %)" in alone.output
    # The Teams sheet itself was not changed: against the database it still agrees.
    assert runner.invoke(args=["verify-scorecard", str(bad)]).exit_code == 0


def test_verify_refuses_a_file_that_is_not_a_scorecard(runner, tmp_path):
    other = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "hello"
    book.save(other)
    result = runner.invoke(args=["verify-scorecard", str(other)])
    assert result.exit_code == 1
    assert "other.xlsx: no Summary, Teams, Method sheet: not a scorecard workbook" in result.output


def test_provenance_names_the_decisions_behind_each_figure(app, exported):
    from scorecard.models import AuditEvent

    provenance = pd.read_excel(exported, sheet_name="Provenance")
    operations = provenance[provenance["Team"] == "Operations"].set_index("Figure")
    assert operations.loc["Decisions", "References"] == "OPS-3, OPS-4"
    assert operations.loc["Decisions", "Value"] == 2
    assert operations.loc["Harm %", "Decisions behind it"] == 2
    # Review % counts the three decisions due in the quarter (one of them reviewed in time).
    assert operations.loc["Review %", "Decisions behind it"] == 3
    assert operations.loc["Review %", "Value"] == pytest.approx(100 / 3)
    assert pd.isna(operations.loc["Change", "Decisions behind it"])
    assert set(provenance["Method version"]) == {1}
    assert set(provenance["Generated by"]) == {"command line"}
    with app.app_context():
        export = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity == "export")
        ).one()
    # The chain's head when the figures were read: the event the export itself added follows it.
    assert set(provenance["Audit chain head"]) == {export.prev_hash}


@pytest.mark.parametrize(
    ("sheet", "cell", "what"),
    [("Summary", "B18", "(Composite, 2026Q2)"), ("Trends", "I2", "(Operations, 2026Q2)")],
)
def test_tampered_summary_and_trends_are_reported(runner, exported, tmp_path, sheet, cell, what):
    bad = tamper(exported, sheet, cell, 99.5, tmp_path / "bad.xlsx")
    result = runner.invoke(args=["verify-scorecard", str(bad)])
    assert result.exit_code == 1, result.output
    assert f"{sheet}!{cell} {what}: the workbook says 99.5, recomputed 69.3333" in result.output
