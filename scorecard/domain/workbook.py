"""The quarterly Excel scorecard, written row by row from plain data (XlsxWriter in
constant-memory mode: each row goes to disk as soon as the next one starts).

Sheets, in order: Summary, Teams, Trends, Decisions, Reviews due, Method; each a real Excel
table with a frozen header, filters, number formats and widths, printed landscape with its
header repeated. Cells hold unrounded figures (number formats round them for display), empty
figures are empty cells, and text that Excel could run as a formula is written as text. Decision
rows are an iterable, so a quarter of any size is written in bounded memory.

Each sheet is one function of `_Sheets`, written top to bottom through `_Sheet.append`; a new
sheet is a new function there and a name in SHEETS.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_range
from xlsxwriter.worksheet import Worksheet

from scorecard.domain import scoring
from scorecard.domain.importing import COMPUTED_COLUMNS, format_columns
from scorecard.domain.quarters import Quarter

SHEETS = ("Summary", "Teams", "Trends", "Decisions", "Reviews due", "Method")
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
# Characters XML 1.0 forbids (tab, line feed and carriage return are allowed).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
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
FONT = "Calibri"  # the workbook default; LibreOffice shows its metric twin, Carlito
TITLE_FONT = {"bold": True, "font_size": 16, "font_color": "#0F4A37"}
SECTION_FONT = {"bold": True, "font_size": 12, "font_color": "#0F4A37"}
HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": f"#{BRAND}", "pattern": 1}
GOOD = {"fill": "DCFCE7", "font": "14532D"}
BAD = {"fill": "FDE2E1", "font": "8A1C15"}
STEADY = {"fill": "FEF3C7", "font": "78350F"}
NEW = {"fill": "DBEAFE", "font": "1E3A8A"}
TABLE_STYLE = "Table Style Medium 2"

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
        "Trend line",
        "Beside each team on the Teams sheet: its composite over the quarters of the Trends "
        "sheet, as a sparkline.",
    ),
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


def decision_columns(method: scoring.Method) -> list[str]:
    """The Decisions sheet: the import format's columns, then the computed ones."""
    return [
        *format_columns([g.name for g in method.groups], [c.name for c in method.categories]),
        *COMPUTED_COLUMNS,
    ]


def write_scorecard(card: Scorecard, out: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write the workbook to a path or a binary stream."""
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    created = card.generated_at.astimezone(UTC).replace(tzinfo=None)
    book.set_properties(
        {
            "title": f"Do Better scorecard {card.quarter} — {card.scope}",
            "subject": f"Quarterly scorecard {card.quarter}",
            "author": card.generated_by,
            "comments": f"Scoring method version {card.method.version}",
            "keywords": f"scorecard, {card.quarter}",
            "created": created,
        }
    )
    sheets = _Sheets(book)
    sheets.summary(card)
    sheets.teams(card.teams, card.trends)
    sheets.trends(card.trends)
    sheets.decisions(decision_columns(card.method), card.decisions)
    sheets.reviews_due(card.reviews_due)
    sheets.method(card.method)
    book.close()


# --- cells --------------------------------------------------------------------------------------


def is_formula_like(text: str) -> bool:
    """Text that a spreadsheet would run or misread if typed in as it is."""
    return text.startswith(FORMULA_STARTS) or text in ERROR_CODES


def clean_text(text: str) -> str:
    """Characters XML cannot hold are dropped; longer text is cut to an Excel cell's limit.
    (A carriage return is kept: the writer escapes it as Excel does, `_x000D_`.)"""
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text[:MAX_CELL_TEXT]


def _needs_care(text: str) -> bool:
    """Text that is not plain: it may start like a formula, hold control characters or be long."""
    return bool(text) and (
        text[0] in FORMULA_FIRST
        or not text.isprintable()
        or text in ERROR_CODES
        or len(text) > MAX_CELL_TEXT
    )


def _empty(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


class _StreamedSheet(Worksheet):
    """A worksheet that may hold Excel tables in constant-memory mode.

    XlsxWriter refuses tables there because `add_table` writes the header cells itself (into a
    row that may be on disk already) and visits every cell of the range. Here the header row is
    written by the sheet, so a table is declared over its header and one row, and given its
    range once the last row is known (`end_table`)."""

    def begin_table(self, name: str, columns: Sequence[str], first_row: int) -> dict[str, Any]:
        self.constant_memory = False  # for add_table's checks only: no row is held by it
        try:
            self.add_table(
                first_row,
                0,
                first_row + 1,
                len(columns) - 1,
                {
                    "name": name,
                    "style": TABLE_STYLE,
                    "columns": [{"header": column} for column in columns],
                },
            )
        finally:
            self.constant_memory = True
        return self.tables[-1]

    def end_table(self, table: dict[str, Any], first_row: int, last_row: int, width: int) -> None:
        cells = xl_range(first_row, 0, max(last_row, first_row + 1), width - 1)
        table["range"] = table["a_range"] = table["autofilter"] = cells


class _Sheet:
    """One sheet written top to bottom: `append` writes the next row, cell by cell."""

    def __init__(self, sheets: _Sheets, ws: _StreamedSheet) -> None:
        self.sheets = sheets
        self.ws = ws
        self.row = 0  # the next row to write, counted from 0

    def append(self, values: Sequence[Any], styles: Sequence[Format | None] = ()) -> None:
        """A row of values; `styles[i]` formats the i-th (a date gets the date format)."""
        write = self.sheets.write
        row = self.row
        for col, value in enumerate(values):
            if value is not None:
                write(self.ws, row, col, value, styles[col] if col < len(styles) else None)
        self.row += 1

    def skip(self) -> None:
        self.row += 1

    def header(
        self, names: Sequence[str], right: Iterable[str] = (), center: Iterable[str] = ()
    ) -> list[str]:
        """The header row, aligned as its columns are (numbers to the right); its names."""
        align = {name: "right" for name in right} | {name: "center" for name in center}
        names = [clean_text(name) for name in names]
        for col, name in enumerate(names):
            self.ws.write_string(self.row, col, name, self.sheets.header(align.get(name)))
        self.row += 1
        return names

    def table(
        self,
        name: str,
        names: Sequence[str],
        rows: Iterable[Sequence[Any]],
        styles: Sequence[Format | None] = (),
        right: Iterable[str] = (),
        center: Iterable[str] = (),
    ) -> int:
        """A header and its rows as an Excel table; the number of rows written."""
        table = self.open_table(name, names, right, center)
        return self.close_table(table, self.rows(rows, styles))

    def open_table(
        self, name: str, names: Sequence[str], right: Iterable[str] = (), center: Iterable[str] = ()
    ) -> tuple[dict[str, Any], int, int]:
        """Declare a table at this row and write its header; the rows are appended after."""
        first = self.row
        columns = [clean_text(name) for name in names]
        declared = self.ws.begin_table(name, columns, first)
        self.header(columns, right, center)  # over the cells the declaration wrote
        return declared, first, len(columns)

    def close_table(self, table: tuple[dict[str, Any], int, int], count: int) -> int:
        declared, first, width = table
        self.ws.end_table(declared, first, first + count, width)
        return count

    def rows(self, rows: Iterable[Sequence[Any]], styles: Sequence[Format | None] = ()) -> int:
        count = 0
        for values in rows:
            self.append(values, styles)
            count += 1
        return count


class _Sheets:
    """The sheets of one workbook, sharing one cache of cell formats."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self._formats: dict[tuple[Any, ...], Format] = {}
        self._properties: dict[int, dict[str, Any]] = {}
        self.date_format = self.format(num_format=DATE_FORMAT)
        self.datetime_format = self.format(num_format="yyyy-mm-dd hh:mm")

    # --- formats --------------------------------------------------------------------------------

    def format(self, **properties: Any) -> Format:
        """A cell format, made once per set of properties."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            made = self.book.add_format(properties)
            self._formats[key] = made
            self._properties[id(made)] = properties
        return self._formats[key]

    def style(
        self,
        number_format: str | None = None,
        *,
        bold: bool = False,
        font: dict[str, Any] | None = None,
        wrap: bool = False,
        align: str | None = None,
    ) -> Format:
        properties: dict[str, Any] = dict(font or {})
        if number_format:
            properties["num_format"] = number_format
        if bold:
            properties["bold"] = True
        if wrap:
            properties.update(text_wrap=True, valign="top")
        if align:
            properties["align"] = align
        return self.format(**properties)

    def header(self, align: str | None = None) -> Format:
        properties = {**HEADER, "valign": "vcenter", "text_wrap": True}
        if align:
            properties["align"] = align
        return self.format(**properties)

    def quoted(self, style: Format | None) -> Format:
        """The format with Excel's quote prefix: the cell shows its text, never a formula."""
        properties = {} if style is None else self._properties[id(style)]
        return self.format(**properties, quote_prefix=True)

    # --- cells ----------------------------------------------------------------------------------

    def write(self, ws: Worksheet, row: int, col: int, value: Any, style: Format | None) -> None:
        """One cell: text cleaned and kept as text whatever it starts with, numbers as numbers,
        dates with the date format; an empty value writes nothing."""
        kind = value.__class__
        if kind is str:
            if _needs_care(value):
                quoted = is_formula_like(value)
                value = clean_text(value)
                if quoted or is_formula_like(value):
                    style = self.quoted(style)
            if value:
                ws.write_string(row, col, value, style)
        elif kind is int or kind is float:
            if value == value:  # NaN: an empty figure
                ws.write_number(row, col, value, style)
        elif kind is bool:
            ws.write_boolean(row, col, value, style)
        elif kind is datetime:
            ws.write_datetime(row, col, value, style or self.datetime_format)
        elif kind is date:
            ws.write_datetime(row, col, value, style or self.date_format)
        elif not _empty(value):
            self.write(ws, row, col, _plain(value) if hasattr(value, "item") else str(value), style)

    def sheet(
        self,
        title: str,
        widths: Sequence[float],
        freeze: str | None,
        *,
        header_height: float | None = 32,
        header_row: int = 1,
    ) -> _Sheet:
        """A new sheet with its layout; printed landscape, as few pages wide as stays legible,
        the header repeated on every page."""
        ws = self.book.add_worksheet(title, worksheet_class=_StreamedSheet)
        for index, width in enumerate(widths):
            ws.set_column(index, index, width)
        if freeze:
            ws.freeze_panes(freeze)
        if header_height:
            ws.set_row(header_row - 1, header_height)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(max(1, math.ceil(sum(widths) / PRINT_WIDTH)), 0)
        if header_height and header_row == 1:
            ws.repeat_rows(0)
        return _Sheet(self, ws)

    # --- the sheets -----------------------------------------------------------------------------

    def summary(self, card: Scorecard) -> None:
        this, previous = str(card.quarter), str(card.quarter.prev())
        sheet = self.sheet("Summary", (30, 16, 16, 14), "A8", header_height=None)
        sheet.append([f"Quarterly scorecard {this}"], [self.style(font=TITLE_FONT)])
        label = self.style(bold=True)
        generated = card.generated_at.astimezone(UTC).replace(tzinfo=None)
        for name, value, style in (
            ("Scope", card.scope, None),
            ("Method version", card.method.version, self.style(align="left")),
            ("Generated (UTC)", generated, self.style("yyyy-mm-dd hh:mm", align="left")),
            ("Generated by", card.generated_by, None),
        ):
            sheet.append([name, value], [label, style])
        sheet.skip()
        sheet.ws.set_row(sheet.row, 22)
        columns = ["Figure", this, previous, "Change"]
        table = sheet.open_table("Summary", columns, right=columns[1:])
        for figure, now, before, change in self._summary_rows(card):
            fmt = NUMBER_FORMATS.get(figure)
            style = self.style(fmt, align="right")
            change_style = self.style(CHANGE_FORMATS.get(fmt or "", "+0.0;-0.0;0.0"))
            bold = self.style(bold=figure == "Composite")
            sheet.append([figure, now, before, change], [bold, style, style, change_style])
        sheet.close_table(table, len(SUMMARY_FIGURES))

    def _summary_rows(self, card: Scorecard) -> Iterable[list[Any]]:
        """(figure, this quarter, the previous one, change), each styled as it reads."""
        this, previous = str(card.quarter), str(card.quarter.prev())
        for figure in SUMMARY_FIGURES:
            now = _figure(card.summary, this, figure)
            before = _figure(card.summary, previous, figure)
            change = None
            if figure in scoring.KPI_COLUMNS and not (_empty(now) or _empty(before)):
                change = float(now) - float(before)
            yield [figure, now, before, change]

    def teams(self, teams: pd.DataFrame, trends: pd.DataFrame) -> None:
        columns = list(scoring.TEAMS_COLUMNS)
        widths = [TEAM_WIDTHS.get(c, 10.5) for c in columns]
        sheet = self.sheet("Teams", [*widths, 18], "B2")
        plain = [self.style(NUMBER_FORMATS.get(c)) for c in columns]
        bold = [self.style(NUMBER_FORMATS.get(c), bold=True) for c in columns]
        plain[-1] = self.style(align="center")
        bold[-1] = self.style(bold=True, align="center")
        trend_rows = {str(team): at for at, team in enumerate(trends.index, 2)}
        last_quarter = xl_col_to_name(len(trends.columns))
        records = list(teams[columns].itertuples(index=False, name=None))
        table = sheet.open_table("Teams", columns, right=columns[1:-1], center=["Status"])
        # Beside the table: each team's composite over the Trends sheet's quarters, as a
        # sparkline under a header cell left without text, so that the sheet reads as a table.
        sheet.ws.write_blank(0, len(columns), None, self.header())
        for record in records:
            at = trend_rows.get(str(record[0]))
            if at is not None and len(trends.columns):
                sheet.ws.add_sparkline(
                    sheet.row,
                    len(columns),
                    {"range": f"'Trends'!B{at}:{last_quarter}{at}", "markers": True},
                )
            styles = bold if record[0] == scoring.ALL_TEAMS else plain
            sheet.append([_plain(v) for v in record], styles)
        sheet.close_table(table, len(records))
        last = 1 + max(len(records), 1)
        change = xl_col_to_name(columns.index("Change"))
        status = xl_col_to_name(columns.index("Status"))
        self.colour(sheet.ws, f"{change}2:{change}{last}", ">=", scoring.IMPROVING, GOOD)
        self.colour(sheet.ws, f"{change}2:{change}{last}", "<=", scoring.DECLINING, BAD)
        for word, colours in (
            ("improving", GOOD),
            ("declining", BAD),
            ("steady", STEADY),
            ("new", NEW),
        ):
            self.colour(sheet.ws, f"{status}2:{status}{last}", "==", f'"{word}"', colours)

    def trends(self, trends: pd.DataFrame) -> None:
        quarters = [str(q) for q in trends.columns]
        columns = ["Team", *quarters]
        sheet = self.sheet("Trends", [26, *(11 for _ in quarters)], "B2", header_height=22)
        style = self.style("0.0")
        rows = (
            [str(team), *(_plain(v) for v in values)]
            for team, values in zip(
                trends.index, trends.itertuples(index=False, name=None), strict=True
            )
        )
        count = sheet.table(
            "Trends", columns, rows, [None, *(style for _ in quarters)], right=quarters
        )
        if count and quarters:
            sheet.ws.insert_chart(f"A{count + 4}", self._trends_chart(quarters, count))

    def _trends_chart(self, quarters: list[str], teams: int) -> Any:
        chart = self.book.add_chart({"type": "line"})
        last = xl_col_to_name(len(quarters))
        for row in range(2, teams + 2):
            chart.add_series(
                {
                    "name": f"='Trends'!$A${row}",
                    "categories": f"='Trends'!$B$1:${last}$1",
                    "values": f"='Trends'!$B${row}:${last}${row}",
                    "marker": {"type": "circle"},
                    "smooth": False,
                }
            )
        chart.set_title({"name": f"Composite per team, {quarters[0]}–{quarters[-1]}"})
        chart.set_y_axis({"name": "Composite (0–100)", "min": 0, "max": 100, "major_unit": 20})
        chart.set_x_axis({"name": "Quarter"})
        chart.set_legend({"position": "right"})
        chart.show_blanks_as("gap")
        chart.set_size({"width": 983, "height": 416})  # 26 × 11 cm
        return chart

    def decisions(self, columns: list[str], rows: Iterable[Sequence[Any]]) -> None:
        sheet = self.sheet("Decisions", [_decision_width(c) for c in columns], "D2")
        styles = [self.style(NUMBER_FORMATS[c]) if c in NUMBER_FORMATS else None for c in columns]
        sheet.table("Decisions", columns, rows, styles)

    def reviews_due(self, rows: Iterable[Sequence[Any]]) -> None:
        columns = list(REVIEW_COLUMNS)
        sheet = self.sheet("Reviews due", (24, 44, 14, 12, 12, 11, 30), "C2")
        styles = [self.style(NUMBER_FORMATS[c]) if c in NUMBER_FORMATS else None for c in columns]
        count = sheet.table(
            "ReviewsDue", columns, rows, styles, right=("Decided on", "Review due", "Days overdue")
        )
        overdue = xl_col_to_name(columns.index("Days overdue"))
        self.colour(sheet.ws, f"{overdue}2:{overdue}{1 + max(count, 1)}", ">", 0, BAD)

    def method(self, method: scoring.Method) -> None:
        sheet = self.sheet("Method", (30, 64, 12, 16), "A3", header_height=None)
        sheet.append([f"Scoring method version {method.version}"], [self.style(font=TITLE_FONT)])
        sheet.append(
            [
                "Every figure in this workbook was computed with this version, over all "
                "quarters, so that trends compare like with like."
            ]
        )
        bold, wrap = self.style(bold=True), self.style(wrap=True)
        total = sum(method.weights.values()) or 1.0
        for title, name, columns, rows, styles in (
            (
                "Composite weights",
                "Weights",
                ["Figure", "Normalised to 0..100 as", "Weight", "Share"],
                [
                    [*WEIGHT_FIGURES[key], weight, weight / total]
                    for key, weight in method.weights.items()
                ],
                [bold, None, None, self.style("0.0%")],
            ),
            (
                "Stakeholder groups",
                "Groups",
                ["Group", "Side", "Weight"],
                [[g.name, _side(g.is_owner), g.weight] for g in method.groups],
                [bold],
            ),
            (
                "Waste categories",
                "Categories",
                ["Category", "Unit", "Cost per unit", "kg CO2e per unit"],
                [[c.name, c.unit, c.unit_cost, c.co2e_per_unit] for c in method.categories],
                [bold],
            ),
            (
                "Definitions",
                "Definitions",
                ["Figure", "Definition"],
                [list(definition) for definition in DEFINITIONS],
                [self.style(bold=True, wrap=True), wrap],
            ),
        ):
            sheet.skip()
            sheet.append([title], [self.style(font=SECTION_FONT)])
            if name == "Definitions":
                # Row heights are not measured by every reader: give wrapped text its lines.
                for offset, (_, text) in enumerate(DEFINITIONS, 1):
                    lines = math.ceil(len(text) / DEFINITION_CHARS_PER_LINE)
                    sheet.ws.set_row(sheet.row + offset, 15.0 * lines)
            sheet.table(name, columns, rows, styles, right=columns[2:] if len(columns) > 2 else ())

    def colour(
        self, ws: Worksheet, cells: str, criteria: str, value: Any, colours: dict[str, str]
    ) -> None:
        look = self.format(bg_color=f"#{colours['fill']}", font_color=f"#{colours['font']}")
        ws.conditional_format(
            cells, {"type": "cell", "criteria": criteria, "value": value, "format": look}
        )


def _side(is_owner: bool) -> str:
    return "owner (business index)" if is_owner else "society (societal index)"


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
