"""The workbook's Suggestions sheet: the quarter's suggestion figures per team (shown beside
the scoring method, not part of its composite), then the suggestions made or answered in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scorecard.domain.suggestions import FIGURE_COLUMNS, SuggestionFigures

SHEET = "Suggestions"
LIST_COLUMNS = (
    "Team",
    "Suggestion",
    "Status",
    "Supporters",
    "Proposed (UTC)",
    "First answer (UTC)",
    "Days to answer",
    "Decision id",
)
FORMATS = {
    "Suggestions made": "0",
    "Suggestions answered": "0",
    "Suggestions accepted %": "0.0",
    "Median days to answer": "0.0",
    "Supporters": "0",
    "Proposed (UTC)": "yyyy-mm-dd hh:mm",
    "First answer (UTC)": "yyyy-mm-dd hh:mm",
    "Days to answer": "0.0",
    "Decision id": "0",
}
WIDTHS = (26, 44, 13, 12, 17, 17, 13, 12)


@dataclass(frozen=True)
class SuggestionSheet:
    """Per team then All teams, and one row per suggestion in LIST_COLUMNS order (moments as
    naive UTC datetimes, as Excel holds them)."""

    figures: Sequence[tuple[str, SuggestionFigures]]
    suggestions: Sequence[Sequence[Any]]


def naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def write_suggestions(writer: Any, sheet: SuggestionSheet) -> None:
    """Write the sheet with the workbook's writer (its styles, tables and cells)."""
    columns = ["Team", *FIGURE_COLUMNS]
    ws = writer.sheet(SHEET, WIDTHS, "B2")
    ws.append(writer.header(ws, columns, right=columns[1:]))
    styles = {c: writer.style(ws, FORMATS[c]) for c in FIGURE_COLUMNS}
    bold = writer.style(ws, bold=True)
    for team, figures in sheet.figures:
        ws.append(
            [
                writer.cell(ws, team, bold if team == sheet.figures[-1][0] else None),
                *(
                    writer.cell(ws, value, styles[column])
                    for column, value in zip(FIGURE_COLUMNS, figures.as_row(), strict=True)
                ),
            ]
        )
    writer.table(ws, "SuggestionFigures", columns, 1, 1 + len(sheet.figures))
    ws.append([])
    first = len(sheet.figures) + 3
    ws.append(writer.header(ws, LIST_COLUMNS, right=LIST_COLUMNS[3:]))
    formats = {i: writer.style(ws, FORMATS[c]) for i, c in enumerate(LIST_COLUMNS) if c in FORMATS}
    for row in sheet.suggestions:
        ws.append(writer.row(ws, row, formats))
    writer.table(ws, "SuggestionList", list(LIST_COLUMNS), first, first + len(sheet.suggestions))
