"""The workbook's "Stakeholders heard" sheet: per team, then All teams, the quarter's Heard %
and estimate gap per group (SCORING.md, "Beside the method"; not part of the composite)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scorecard.domain import voice

SHEET = "Stakeholders heard"
TABLE = "StakeholdersHeard"


def voice_columns(table: pd.DataFrame) -> list[str]:
    """Team, then the figures in the order `voice.beside_table` gives them."""
    return ["Team", *(c for c in table.columns if c != "Team")]


def number_format(column: str) -> str:
    if column == voice.HEARD_BASE:
        return "0"
    if column.startswith(voice.GAP_PREFIX):
        return "+0.00;-0.00;0.00"
    return "0.0"


def write_voice(writer: Any, table: pd.DataFrame) -> None:
    """Write the sheet with the workbook's writer (its styles, tables and cells). Cells hold
    the unrounded figures; empty figures are empty cells."""
    columns = voice_columns(table)
    widths = [26, *(12.5 for _ in columns[1:])]
    ws = writer.sheet(SHEET, widths, "B2", header_height=45)
    ws.append(writer.header(ws, columns, right=columns[1:]))
    plain = {c: writer.style(ws, number_format(c)) for c in columns[1:]}
    bold = {c: writer.style(ws, number_format(c), bold=True) for c in columns[1:]}
    rows = 0
    for record in table[columns].itertuples(index=False, name=None):
        everyone = record[0] == "All teams"
        styles = bold if everyone else plain
        ws.append(
            [
                writer.cell(ws, record[0], writer.style(ws, bold=everyone)),
                *(
                    writer.cell(ws, _plain(value), styles[column])
                    for column, value in zip(columns[1:], record[1:], strict=True)
                ),
            ]
        )
        rows += 1
    writer.table(ws, TABLE, columns, 1, 1 + rows)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value
