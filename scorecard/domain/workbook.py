"""The quarterly Excel scorecard, written row by row from plain data (openpyxl write-only mode).

Sheets, in order: Summary, Teams, Trends, Decisions, Reviews due, Suggestions (when given;
workbook_suggestions), Stakeholders heard (when given; workbook_voice), Method; each a real Excel
table with a frozen header, filters, number formats and widths. Cells hold unrounded figures
(number formats round them for display), empty figures are empty cells, and text that Excel
could run as a formula is written as text. Decision rows are an iterable, so a quarter of any
size is written in bounded memory.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, WriteOnlyCell
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from scorecard.domain import scoring
from scorecard.domain import text as xml_text
from scorecard.domain.importing import COMPUTED_COLUMNS, format_columns
from scorecard.domain.quarters import Quarter
from scorecard.domain.workbook_suggestions import SuggestionSheet, write_suggestions
from scorecard.domain.workbook_voice import write_voice

SHEETS = ("Summary", "Teams", "Trends", "Decisions", "Reviews due", "Method")
REVIEW_COLUMNS = (
    "Team",
    "Title",
    "external_id",
    "Decided on",
    "Review due",
    "Days overdue",
    "Author",
)
SUMMARY_FIGURES = (*scoring.KPI_COLUMNS, "Trend per quarter", "Improving streak", "Status")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)
MAX_CELL_TEXT = 32_767
DEFINITION_CHARS_PER_LINE = 72
PRINT_WIDTH = 240  # column width units that still print legibly across one landscape page

NUMBER_FORMATS = {
    "Decisions": "0",
    "Impact index": "0.0",
    "Shared value %": "0.0",
    "Harm %": "0.0",
    "Waste-neutral %": "0.0",
    "Net waste avoided": "#,##0",
    "Net CO2e avoided (kg)": "#,##0",
    "Consultation %": "0.0",
    "Review %": "0.0",
    "Calibration error": "0.00",
    "Composite": "0.0",
    "Previous composite": "0.0",
    "Change": "+0.0;-0.0;0.0",
    "Trend per quarter": "+0.00;-0.00;0.00",
    "Improving streak": "0",
    "Days overdue": "0",
}
CHANGE_FORMATS = {  # a figure's difference, shown with its sign in the figure's own precision
    "0": "+0;-0;0",
    "#,##0": "+#,##0;-#,##0;0",
    "0.00": "+0.00;-0.00;0.00",
}
DATE_FORMAT = "yyyy-mm-dd"
TEAM_WIDTHS = {"Team": 26, "Status": 12, "Net CO2e avoided (kg)": 13, "Consultation %": 12.5}

BRAND = "17624A"
HEADER_FILL = PatternFill("solid", start_color=BRAND, end_color=BRAND)
FONT = "Calibri"  # the workbook default; LibreOffice shows its metric twin, Carlito
SECTION_FONT = Font(name=FONT, bold=True, size=12, color="0F4A37")
TITLE_FONT = Font(name=FONT, bold=True, size=16, color="0F4A37")
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
BOLD_FONT = Font(name=FONT, bold=True)
GOOD = {"fill": "DCFCE7", "font": "14532D"}
BAD = {"fill": "FDE2E1", "font": "8A1C15"}
STEADY = {"fill": "FEF3C7", "font": "78350F"}
NEW = {"fill": "DBEAFE", "font": "1E3A8A"}
TABLE_STYLE = "TableStyleMedium2"

WEIGHT_FIGURES = {
    "impact": ("Impact index", "(I + 100) / 2"),
    "shared": ("Shared value %", "as it is"),
    "harm": ("Harm %", "100 − Harm %"),
    "waste": ("Waste-neutral %", "as it is"),
    "consultation": ("Consultation %", "as it is"),
    "review": ("Review %", "as it is"),
    "calibration": ("Calibration error", "100 · (1 − error / 6)"),
}
DEFINITIONS = (
    (
        "Impact index",
        "Mean over the quarter's decisions of I = 100·Σ w·impact / (3·Σ w) over "
        "all active stakeholder groups, from −100 (serious harm to all) to +100.",
    ),
    (
        "Shared value %",
        "Share of decisions whose societal index (non-owner groups) and "
        "business index (owner groups) are both above 0, with no serious harm.",
    ),
    ("Harm %", "Share of decisions where some group's impact is −2 or worse."),
    ("Waste-neutral %", "Share of decisions whose net waste avoided (money) is 0 or more."),
    (
        "Net waste avoided",
        "Σ over waste lines of (avoided − created) × the category's cost per unit, in money.",
    ),
    ("Net CO2e avoided (kg)", "The same with each category's kg CO2e per unit."),
    (
        "Consultation %",
        "Of the groups a decision affects (impact ≠ 0), the share that was "
        "consulted; averaged over decisions that affect any group.",
    ),
    (
        "Review %",
        "Of the decisions whose review falls due in the quarter, the share reviewed "
        "by its last day.",
    ),
    (
        "Calibration error",
        "Over decisions reviewed in the quarter, the mean of |estimate − "
        "actual| over every assessed group (0 = perfect, 6 = worst).",
    ),
    (
        "Composite",
        "Weighted mean of the normalised KPIs that are not empty (impact as "
        "(I + 100)/2, harm as 100 − Harm %, calibration as 100·(1 − error/6)), with the weights "
        "above; empty with no decisions.",
    ),
    (
        "Change",
        "Composite minus the composite of the quarter just before; empty if either is empty.",
    ),
    (
        "Status",
        "new when the change is empty, improving at +2.0 or more, declining at −2.0 or "
        "less, steady otherwise.",
    ),
    (
        "Trend per quarter",
        "Least-squares slope of the composite over the last four quarters "
        "that have one (at least three needed).",
    ),
    ("Improving streak", "Consecutive quarters, ending with this one, whose change was above 0."),
    (
        "Counted decisions",
        "Decided and reviewed decisions; drafts and archived decisions count "
        "nowhere. A decision belongs to the quarter of its decided_on date.",
    ),
)


@dataclass(frozen=True)
class Scorecard:
    """Everything the workbook shows, as plain data; `decisions` and `reviews_due` stream."""

    quarter: Quarter
    scope: str  # "All teams", or the names of the teams it covers
    method: scoring.Method
    generated_at: datetime
    generated_by: str
    summary: pd.DataFrame  # KPI and improvement columns, index: the previous and this quarter
    teams: pd.DataFrame  # columns scoring.TEAMS_COLUMNS, teams then the All teams row
    trends: pd.DataFrame  # index team names, columns quarter strings, composite values
    decisions: Iterable[Sequence[Any]]  # rows in `decision_columns(method)` order
    reviews_due: Iterable[Sequence[Any]]  # rows in REVIEW_COLUMNS order
    purposes: Sequence[tuple[str, str]] = ()  # (team, what it is working to achieve)
    suggestions: SuggestionSheet | None = None  # its own sheet, before Method
    voice: pd.DataFrame | None = None  # figures beside the method; its own sheet, before Method


def decision_columns(method: scoring.Method) -> list[str]:
    """The Decisions sheet: the import format's columns, then the computed ones."""
    return [
        *format_columns([g.name for g in method.groups], [c.name for c in method.categories]),
        *COMPUTED_COLUMNS,
    ]


def write_scorecard(card: Scorecard, out: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write the workbook to a path or a binary stream."""
    book = Workbook(write_only=True)
    book.iso_dates = False
    writer = _Writer(book)
    created = card.generated_at.astimezone(UTC).replace(tzinfo=None)
    props = book.properties
    scope, author = xml_text.clean(card.scope), xml_text.clean(card.generated_by)
    props.title = f"Do Better scorecard {card.quarter} — {scope}"
    props.subject = f"Quarterly scorecard {card.quarter}"
    props.creator = author
    props.lastModifiedBy = author
    props.created = created
    props.modified = created
    props.description = f"Scoring method version {card.method.version}"
    props.keywords = f"scorecard, {card.quarter}"

    writer.summary(card)
    writer.teams(card.teams)
    writer.trends(card.trends)
    writer.decisions(decision_columns(card.method), card.decisions)
    writer.reviews_due(card.reviews_due)
    if card.suggestions is not None:
        write_suggestions(writer, card.suggestions)
    if card.voice is not None:
        write_voice(writer, card.voice)
    writer.method(card.method)
    book.save(out)


# --- cells --------------------------------------------------------------------------------------


def is_formula_like(text: str) -> bool:
    """Text that a spreadsheet would run or misread if typed in as it is."""
    return text.startswith(FORMULA_STARTS) or text in ERROR_CODES


def clean_text(text: str) -> str:
    """Characters XML 1.0 forbids are dropped, whatever reached the writer; longer text is cut
    to an Excel cell's limit; a carriage return, which XML would turn into a line feed, is kept
    as Excel keeps it. (Text that is printable and short needs none of this.)"""
    text = xml_text.clean(text)[:MAX_CELL_TEXT]
    if "\r" in text:
        text = text.replace("\r", "_x000D_")
    return text


def _empty(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


class _Writer:
    """Sheets of one write-only workbook, sharing one cache of cell styles."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self._styles: dict[tuple[Any, ...], StyleArray] = {}

    # Styles are built once on a template cell, then shared by every cell that uses them.
    def style(
        self,
        ws: Any,
        number_format: str | None = None,
        *,
        bold: bool = False,
        header: bool = False,
        text: bool = False,
        font: Font | None = None,
        wrap: bool = False,
        align: str | None = None,
    ) -> StyleArray:
        key = (number_format, bold, header, text, id(font) if font else None, wrap, align)
        if key not in self._styles:
            cell = WriteOnlyCell(ws)
            if number_format:
                cell.number_format = number_format
            if header:
                cell.font = HEADER_FONT
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            elif font is not None:
                cell.font = font
            elif bold:
                cell.font = BOLD_FONT
            if wrap and not header:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif align and not header:
                cell.alignment = Alignment(horizontal=align)
            if text:
                cell.quotePrefix = True
            self._styles[key] = cell._style
        return self._styles[key]

    def quoted(self, ws: Any, style: StyleArray | None) -> StyleArray:
        """The style with Excel's quote prefix: the cell shows its text, never a formula."""
        if style is None:
            return self.style(ws, text=True)
        key = ("quoted", *style)
        if key not in self._styles:
            quoted = StyleArray(style)
            quoted.quotePrefix = 1
            self._styles[key] = quoted
        return self._styles[key]

    def cell(self, ws: Any, value: Any, style: StyleArray | None = None) -> Any:
        """A value or a styled cell; text is cleaned and kept as text whatever it starts with."""
        if _empty(value):
            return None
        if isinstance(value, str):
            quoted = is_formula_like(value)
            value = clean_text(value)
            if quoted or is_formula_like(value):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                cell._style = self.quoted(ws, style)
                return cell
        if style is None:
            return value
        cell = WriteOnlyCell(ws, value=value)
        cell._style = style
        return cell

    def row(self, ws: Any, values: Sequence[Any], formats: dict[int, StyleArray]) -> list[Any]:
        """A streamed row: the same as `cell` on every value, with a fast path for the values
        that need nothing (numbers without a format, plain text, empty cells)."""
        out = list(values)
        for i, value in enumerate(out):
            kind = value.__class__
            if kind is str:
                if value and (
                    value[0] in FORMULA_FIRST
                    or not value.isprintable()
                    or value in ERROR_CODES
                    or len(value) > MAX_CELL_TEXT
                ):
                    out[i] = self.cell(ws, value, formats.get(i))
            elif kind is float and value != value:  # NaN: an empty figure
                out[i] = None
            elif value is not None and i in formats:
                out[i] = self.cell(ws, value, formats[i])
        return out

    def header(
        self, ws: Any, names: Sequence[str], right: Iterable[str] = (), center: Iterable[str] = ()
    ) -> list[Any]:
        """The header row, aligned as its columns are (numbers to the right)."""
        align = {name: "right" for name in right} | {name: "center" for name in center}
        cells = []
        for name in names:
            cell = WriteOnlyCell(ws, value=clean_text(name))
            cell.data_type = "s"
            cell._style = self.style(ws, header=True, align=align.get(name))
            cells.append(cell)
        return cells

    def sheet(
        self,
        title: str,
        widths: Sequence[float],
        freeze: str | None,
        *,
        header_height: float | None = 32,
        header_row: int = 1,
    ) -> Any:
        """A new sheet with its layout set up front, as write-only mode needs; printed landscape,
        as few pages wide as stays legible, the header repeated on every page."""
        ws = self.book.create_sheet(title)
        for index, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            ws.freeze_panes = freeze
        if header_height:
            ws.row_dimensions[header_row].height = header_height
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = max(1, math.ceil(sum(widths) / PRINT_WIDTH))
        ws.page_setup.fitToHeight = 0
        ws.print_options.gridLines = False
        if header_height and header_row == 1:
            ws.print_title_rows = "1:1"
        return ws

    def table(
        self, ws: Any, name: str, columns: Sequence[str], first_row: int, last_row: int
    ) -> None:
        """An Excel table over the header at first_row and the rows below it (at least one)."""
        last_row = max(last_row, first_row + 1)
        ref = f"A{first_row}:{get_column_letter(len(columns))}{last_row}"
        table = Table(
            displayName=name,
            ref=ref,
            tableStyleInfo=TableStyleInfo(name=TABLE_STYLE, showRowStripes=True),
        )
        table._initialise_columns()
        table.tableColumns = [
            TableColumn(id=i, name=clean_text(c)) for i, c in enumerate(columns, 1)
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # write-only mode warns that columns are manual
            ws.add_table(table)

    # --- the sheets -----------------------------------------------------------------------------

    def summary(self, card: Scorecard) -> None:
        this, previous = str(card.quarter), str(card.quarter.prev())
        ws = self.sheet("Summary", (30, 16, 16, 14), "A8", header_height=None)
        ws.append([self.cell(ws, f"Quarterly scorecard {this}", self.style(ws, font=TITLE_FONT))])
        label = self.style(ws, bold=True)
        ws.append([self.cell(ws, "Scope", label), self.cell(ws, card.scope)])
        left = self.style(ws, align="left")
        ws.append(
            [self.cell(ws, "Method version", label), self.cell(ws, card.method.version, left)]
        )
        generated = card.generated_at.astimezone(UTC).replace(tzinfo=None)
        ws.append(
            [
                self.cell(ws, "Generated (UTC)", label),
                self.cell(ws, generated, self.style(ws, "yyyy-mm-dd hh:mm", align="left")),
            ]
        )
        ws.append([self.cell(ws, "Generated by", label), self.cell(ws, card.generated_by)])
        ws.append([])
        columns = ["Figure", this, previous, "Change"]
        ws.row_dimensions[7].height = 22
        ws.append(self.header(ws, columns, right=columns[1:]))
        rows = 0
        for figure in SUMMARY_FIGURES:
            now = _figure(card.summary, this, figure)
            before = _figure(card.summary, previous, figure)
            change = None
            if figure in scoring.KPI_COLUMNS and not (_empty(now) or _empty(before)):
                change = float(now) - float(before)
            fmt = NUMBER_FORMATS.get(figure)
            style = self.style(ws, fmt, align="right")
            change_format = CHANGE_FORMATS.get(fmt or "", "+0.0;-0.0;0.0")
            ws.append(
                [
                    self.cell(ws, figure, self.style(ws, bold=figure == "Composite")),
                    self.cell(ws, now, style),
                    self.cell(ws, before, style),
                    self.cell(ws, change, self.style(ws, change_format)),
                ]
            )
            rows += 1
        self.table(ws, "Summary", columns, 7, 7 + rows)
        if card.purposes:
            ws.append([])
            ws.append([self.cell(ws, "What each team is working to achieve", label)])
            for team, purpose in card.purposes:
                ws.append([self.cell(ws, team, label), self.cell(ws, purpose)])

    def teams(self, teams: pd.DataFrame) -> None:
        columns = list(scoring.TEAMS_COLUMNS)
        widths = [TEAM_WIDTHS.get(c, 10.5) for c in columns]
        ws = self.sheet("Teams", widths, "B2")
        ws.append(self.header(ws, columns, right=columns[1:-1], center=["Status"]))
        plain = {c: self.style(ws, NUMBER_FORMATS.get(c)) for c in columns}
        bold = {c: self.style(ws, NUMBER_FORMATS.get(c), bold=True) for c in columns}
        plain["Status"] = self.style(ws, align="center")
        bold["Status"] = self.style(ws, bold=True, align="center")
        rows = 0
        for record in teams[columns].itertuples(index=False, name=None):
            styles = bold if record[0] == scoring.ALL_TEAMS else plain
            ws.append(
                [self.cell(ws, _plain(v), styles[c]) for c, v in zip(columns, record, strict=True)]
            )
            rows += 1
        last = 1 + max(rows, 1)
        change = get_column_letter(columns.index("Change") + 1)
        status = get_column_letter(columns.index("Status") + 1)
        _colour(ws, f"{change}2:{change}{last}", "greaterThanOrEqual", str(scoring.IMPROVING), GOOD)
        _colour(ws, f"{change}2:{change}{last}", "lessThanOrEqual", str(scoring.DECLINING), BAD)
        for word, colours in (
            ("improving", GOOD),
            ("declining", BAD),
            ("steady", STEADY),
            ("new", NEW),
        ):
            _colour(ws, f"{status}2:{status}{last}", "equal", f'"{word}"', colours)
        self.table(ws, "Teams", columns, 1, 1 + rows)

    def trends(self, trends: pd.DataFrame) -> None:
        quarters = [str(q) for q in trends.columns]
        columns = ["Team", *quarters]
        ws = self.sheet("Trends", [26, *(11 for _ in quarters)], "B2", header_height=22)
        ws.append(self.header(ws, columns, right=quarters))
        style = self.style(ws, "0.0")
        rows = 0
        for team, values in zip(
            trends.index, trends.itertuples(index=False, name=None), strict=True
        ):
            ws.append(
                [self.cell(ws, str(team)), *(self.cell(ws, _plain(v), style) for v in values)]
            )
            rows += 1
        self.table(ws, "Trends", columns, 1, 1 + rows)
        if rows and quarters:
            chart = LineChart()
            chart.title = f"Composite per team, {quarters[0]}–{quarters[-1]}"
            chart.style = 2
            chart.height = 11
            chart.width = 26
            chart.y_axis.title = "Composite (0–100)"
            chart.y_axis.scaling.min = 0
            chart.y_axis.scaling.max = 100
            chart.y_axis.majorUnit = 20
            chart.x_axis.title = "Quarter"
            chart.x_axis.delete = False
            chart.y_axis.delete = False
            chart.display_blanks = "gap"
            chart.legend.position = "r"
            data = Reference(ws, min_col=1, min_row=2, max_col=len(columns), max_row=1 + rows)
            chart.add_data(data, from_rows=True, titles_from_data=True)
            chart.set_categories(
                Reference(ws, min_col=2, min_row=1, max_col=len(columns), max_row=1)
            )
            for series in chart.series:
                series.marker.symbol = "circle"
                series.smooth = False
            ws.add_chart(chart, f"A{rows + 4}")

    def decisions(self, columns: list[str], rows: Iterable[Sequence[Any]]) -> None:
        widths = [_decision_width(c) for c in columns]
        ws = self.sheet("Decisions", widths, "D2")
        ws.append(self.header(ws, columns))
        formats = {
            i: self.style(ws, NUMBER_FORMATS[c])
            for i, c in enumerate(columns)
            if c in NUMBER_FORMATS
        }
        count = 0
        for row in rows:
            ws.append(self.row(ws, row, formats))
            count += 1
        self.table(ws, "Decisions", columns, 1, 1 + count)

    def reviews_due(self, rows: Iterable[Sequence[Any]]) -> None:
        columns = list(REVIEW_COLUMNS)
        ws = self.sheet("Reviews due", (24, 44, 14, 12, 12, 11, 30), "C2")
        ws.append(self.header(ws, columns, right=("Decided on", "Review due", "Days overdue")))
        formats = {
            i: self.style(ws, NUMBER_FORMATS[c])
            for i, c in enumerate(columns)
            if c in NUMBER_FORMATS
        }
        count = 0
        for row in rows:
            ws.append(self.row(ws, row, formats))
            count += 1
        overdue = get_column_letter(columns.index("Days overdue") + 1)
        _colour(ws, f"{overdue}2:{overdue}{1 + max(count, 1)}", "greaterThan", "0", BAD)
        self.table(ws, "ReviewsDue", columns, 1, 1 + count)

    def method(self, method: scoring.Method) -> None:
        # Long on purpose: the sheet is written top to bottom and reads best in that order.
        ws = self.sheet("Method", (30, 64, 12, 16), "A3", header_height=None)
        bold = self.style(ws, bold=True)
        title = f"Scoring method version {method.version}"
        ws.append([self.cell(ws, title, self.style(ws, font=TITLE_FONT))])
        ws.append(
            [
                self.cell(
                    ws,
                    "Every figure in this workbook was computed with this version, over all "
                    "quarters, so that trends compare like with like.",
                )
            ]
        )
        row = 2

        def section(
            title: str,
            name: str,
            columns: list[str],
            rows: list[list[Any]],
            heights: Sequence[float] = (),
        ) -> None:
            nonlocal row
            ws.append([])
            ws.append([self.cell(ws, title, self.style(ws, font=SECTION_FONT))])
            ws.append(self.header(ws, columns, right=columns[2:] if len(columns) > 2 else ()))
            header_at = row + 3
            for offset, height in enumerate(heights, 1):
                ws.row_dimensions[header_at + offset].height = height
            for values in rows:
                ws.append(values)
            self.table(ws, name, columns, header_at, header_at + len(rows))
            row = header_at + len(rows)

        total = sum(method.weights.values()) or 1.0
        share = self.style(ws, "0.0%")
        section(
            "Composite weights",
            "Weights",
            ["Figure", "Normalised to 0..100 as", "Weight", "Share"],
            [
                [
                    self.cell(ws, WEIGHT_FIGURES[key][0], bold),
                    self.cell(ws, WEIGHT_FIGURES[key][1]),
                    weight,
                    self.cell(ws, weight / total, share),
                ]
                for key, weight in method.weights.items()
            ],
        )
        section(
            "Stakeholder groups",
            "Groups",
            ["Group", "Side", "Weight"],
            [
                [
                    self.cell(ws, g.name, bold),
                    "owner (business index)" if g.is_owner else "society (societal index)",
                    g.weight,
                ]
                for g in method.groups
            ],
        )
        section(
            "Waste categories",
            "Categories",
            ["Category", "Unit", "Cost per unit", "kg CO2e per unit"],
            [
                [self.cell(ws, c.name, bold), self.cell(ws, c.unit), c.unit_cost, c.co2e_per_unit]
                for c in method.categories
            ],
        )
        wrap = self.style(ws, wrap=True)
        label = self.style(ws, bold=True, wrap=True)
        section(
            "Definitions",
            "Definitions",
            ["Figure", "Definition"],
            [[self.cell(ws, name, label), self.cell(ws, text, wrap)] for name, text in DEFINITIONS],
            # Row heights are not measured by every reader: give wrapped text its lines.
            [15.0 * math.ceil(len(text) / DEFINITION_CHARS_PER_LINE) for _, text in DEFINITIONS],
        )


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers; NaN and <NA> as None."""
    if _empty(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _figure(summary: pd.DataFrame, quarter: str, figure: str) -> Any:
    if quarter not in summary.index or figure not in summary.columns:
        return None
    return _plain(summary.at[quarter, figure])


def _colour(ws: Any, ref: str, operator: str, formula: str, colours: dict[str, str]) -> None:
    fill = PatternFill("solid", start_color=colours["fill"], end_color=colours["fill"])
    ws.conditional_formatting.add(
        ref,
        CellIsRule(
            operator=operator, formula=[formula], fill=fill, font=Font(color=colours["font"])
        ),
    )


def _decision_width(column: str) -> float:
    if column == "title":
        return 42
    if column in ("question", "context", "decision", "alternatives", "lessons"):
        return 36
    if column in ("team", "author_email"):
        return 24
    if column in ("decided_on", "review_due", "reviewed_on", "external_id", "status"):
        return 12
    if column in COMPUTED_COLUMNS:
        return 13
    return max(11, min(len(column) * 0.75, 20))
