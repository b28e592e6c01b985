"""Checking a scorecard workbook: its figures read back, compared with figures computed again
(from the database by the caller, or here from the workbook's own Decisions and Method sheets),
every difference named by sheet, cell, team and figure."""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from scorecard.domain import importing, scoring, workbook
from scorecard.domain.quarters import Quarter

# Figures that rest only on the quarter's own decisions: the Decisions sheet alone gives them.
OWN_FIGURES = tuple(f for f in scoring.KPI_COLUMNS if workbook.FIGURE_BASIS.get(f) == "decided")
SUMMARY_HEADER = 6  # the Summary table's header: the sheet's seventh row
TITLE = re.compile(r"Quarterly scorecard (\d{4}Q[1-4])")
VERSION = re.compile(r"Scoring method version (\d+)")


class NotAScorecard(ValueError):
    """The file is not a scorecard workbook this application wrote."""


@dataclass(frozen=True)
class Difference:
    sheet: str
    cell: str
    team: str
    figure: str
    in_workbook: Any
    expected: Any

    def __str__(self) -> str:
        return (
            f"{self.sheet}!{self.cell} ({self.team}, {self.figure}): the workbook says "
            f"{_shown(self.in_workbook)}, recomputed {_shown(self.expected)}"
        )


@dataclass(frozen=True)
class TeamRow:
    row: int  # as the sheet numbers it
    values: dict[str, Any]


@dataclass(frozen=True)
class ScorecardFile:
    quarter: Quarter
    scope: str
    method: scoring.Method
    teams: dict[str, TeamRow]  # by team name, All teams included
    # (row label, column label) -> (cell, value): Summary by (figure, quarter), Trends by
    # (team, quarter)
    summary: dict[tuple[str, str], tuple[str, Any]]
    trends: dict[tuple[str, str], tuple[str, Any]]


def read_scorecard(data: bytes) -> ScorecardFile:
    """The quarter, scope, method and Teams sheet of a workbook."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl drops the sparklines, and says so
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise NotAScorecard(f"not an Excel workbook ({error.__class__.__name__})") from None
    try:
        missing = [s for s in ("Summary", "Teams", "Method") if s not in book.sheetnames]
        if missing:
            raise NotAScorecard(f"no {', '.join(missing)} sheet: not a scorecard workbook")
        summary = _rows(book["Summary"])
        title = TITLE.fullmatch(str(_at(summary, 0, 0) or ""))
        if title is None:
            raise NotAScorecard("Summary!A1 does not name the scorecard's quarter")
        quarter = Quarter.parse(title.group(1))
        quarters = {str(quarter), str(quarter.prev())}
        trends = _grid(_rows(book["Trends"]), 0) if "Trends" in book.sheetnames else {}
        return ScorecardFile(
            quarter=quarter,
            scope=str(_at(summary, 1, 1) or ""),
            method=_method(_rows(book["Method"])),
            teams=_teams(_rows(book["Teams"])),
            summary={k: v for k, v in _grid(summary, SUMMARY_HEADER).items() if k[1] in quarters},
            trends=trends,
        )
    finally:
        book.close()


def compare(
    card: ScorecardFile, expected: pd.DataFrame, figures: Sequence[str]
) -> list[Difference]:
    """Each figure of the Teams sheet that differs from `expected` (a Teams table); a team on
    only one side is a difference too."""
    wanted = {str(record["Team"]): record for record in expected.to_dict("records")}
    differences = []
    for team, row in card.teams.items():
        record = wanted.get(team)
        for index, figure in enumerate(scoring.TEAMS_COLUMNS):
            if figure not in figures:
                continue
            value = row.values.get(figure)
            other = None if record is None else record.get(figure)
            if not _same(value, other):
                cell = f"{get_column_letter(index + 1)}{row.row}"
                differences.append(Difference("Teams", cell, team, figure, value, _plain(other)))
    for team in wanted.keys() - card.teams.keys():
        differences.append(Difference("Teams", "-", team, "Team", None, team))
    return differences


def compare_grid(
    sheet: str, grid: Mapping[tuple[str, str], tuple[str, Any]], expected: pd.DataFrame
) -> list[Difference]:
    """Each cell of a sheet's grid against `expected` (index: row labels, columns: column
    labels; a label it lacks means an empty figure)."""
    differences = []
    for (row, column), (cell, value) in grid.items():
        other = None
        if row in expected.index and column in expected.columns:
            other = expected.at[row, column]
        if not _same(value, other):
            differences.append(Difference(sheet, cell, row, column, value, _plain(other)))
    return differences


def own_figures(card: ScorecardFile, rows: Iterable[importing.DecisionRow]) -> pd.DataFrame:
    """The Teams table of the quarter computed from Decisions sheet rows and the Method sheet
    alone (only OWN_FIGURES are meaningful: reviews and earlier quarters are not on the sheet)."""
    method = card.method
    groups = {g.name: g.id for g in method.groups}
    categories = {c.name: c.id for c in method.categories}
    team_ids: dict[str, int] = {}
    decisions, impacts, waste = [], [], []
    for number, row in enumerate(rows, 1):
        team_id = team_ids.setdefault(row.team, len(team_ids) + 1)
        decisions.append(
            {
                "id": number,
                "team_id": team_id,
                "status": row.status,
                "archived": False,
                "decided_on": pd.Timestamp(row.decided_on),
                "review_due": pd.Timestamp(row.review_due) if row.review_due else None,
                "reviewed_on": pd.Timestamp(row.reviewed_on) if row.reviewed_on else None,
            }
        )
        for name, group_id in groups.items():
            if name in row.impacts or row.consulted.get(name):
                impacts.append(
                    (number, group_id, row.impacts.get(name, 0), row.consulted.get(name, False))
                )
        for name, category_id in categories.items():
            if name in row.created or name in row.avoided:
                waste.append(
                    (number, category_id, row.created.get(name, 0.0), row.avoided.get(name, 0.0))
                )
    sums = scoring.quarter_sums(
        pd.DataFrame(decisions, columns=list(scoring.DECISION_COLUMNS)),
        pd.DataFrame(impacts, columns=list(scoring.IMPACT_COLUMNS)).assign(actual=float("nan")),
        pd.DataFrame(waste, columns=list(scoring.WASTE_COLUMNS)),
        method,
    )
    names = {team_id: name for name, team_id in team_ids.items()}
    return scoring.teams_table(sums, method, card.quarter.index, names)


# --- reading the sheets -----------------------------------------------------------------------


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _at(rows: Sequence[Sequence[Any]], row: int, col: int) -> Any:
    return rows[row][col] if row < len(rows) and col < len(rows[row]) else None


def _grid(rows: list[tuple[Any, ...]], header: int) -> dict[tuple[str, str], tuple[str, Any]]:
    """A table's cells by (first column's label, header), from its header row to a blank row."""
    if header >= len(rows):
        return {}
    names = [str(n) if n is not None else None for n in rows[header]]
    grid = {}
    for number, row in enumerate(rows[header + 1 :], header + 2):
        if not row or row[0] is None:
            break
        for index, name in enumerate(names[1:], 1):
            if name is not None and index < len(row):
                cell = f"{get_column_letter(index + 1)}{number}"
                grid[str(row[0]), name] = (cell, row[index])
    return grid


def _teams(rows: list[tuple[Any, ...]]) -> dict[str, TeamRow]:
    if not rows or list(rows[0][: len(scoring.TEAMS_COLUMNS)]) != list(scoring.TEAMS_COLUMNS):
        raise NotAScorecard("the Teams sheet's header is not the scorecard's")
    teams = {}
    for number, row in enumerate(rows[1:], 2):
        if row and row[0] is not None:
            values = dict(zip(scoring.TEAMS_COLUMNS, row, strict=False))
            teams[str(row[0])] = TeamRow(number, values)
    return teams


def _method(rows: list[tuple[Any, ...]]) -> scoring.Method:
    """The method as the Method sheet states it: version, weights, groups, categories."""
    version = VERSION.fullmatch(str(_at(rows, 0, 0) or ""))
    if version is None:
        raise NotAScorecard("Method!A1 does not name the method version")
    keys = {name: key for key, (name, _) in workbook.WEIGHT_FIGURES.items()}
    sections = _sections(rows)
    try:
        weights = {keys[r[0]]: float(r[2]) for r in sections["Figure", "Normalised to 0..100 as"]}
        groups = tuple(
            scoring.Group(i, str(r[0]), float(r[2]), str(r[1]).startswith("owner"))
            for i, r in enumerate(sections["Group", "Side"], 1)
        )
        categories = tuple(
            scoring.Category(i, str(r[0]), str(r[1] or ""), float(r[2] or 0), float(r[3] or 0))
            for i, r in enumerate(sections["Category", "Unit"], 1)
        )
        return scoring.Method(int(version.group(1)), groups, categories, weights)
    except (KeyError, TypeError, ValueError) as error:
        raise NotAScorecard(f"the Method sheet cannot be read ({error})") from None


def _sections(rows: list[tuple[Any, ...]]) -> Mapping[tuple[Any, Any], list[tuple[Any, ...]]]:
    """The Method sheet's tables, by their first two headers: the rows up to a blank one."""
    found: dict[tuple[Any, Any], list[tuple[Any, ...]]] = {}
    current: list[tuple[Any, ...]] | None = None
    for row in rows:
        if not row or row[0] is None:
            current = None
        elif current is not None:
            current.append(row)
        elif len(row) > 1 and row[1] is not None:
            current = found.setdefault((row[0], row[1]), [])
    return found


# --- values -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def _same(a: Any, b: Any) -> bool:
    a, b = _plain(a), _plain(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return str(a) == str(b)


def _shown(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "(empty)"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value) if isinstance(value, str) else str(value)
