"""The import format of a decision log (its columns) and the parsing of its cells into plain
rows and cell errors; reading the file itself safely is `untrusted_files`.

Pure: bytes and reference names in, `ParsedImport` out. Every bad cell is reported by its
spreadsheet row (the header being row 1), column, value and reason; a file that cannot be
read at all (empty, wrong type, too large, a zip or XML bomb) raises `FileRefused`.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl.utils import get_column_letter

from scorecard.domain import rules
from scorecard.domain.untrusted_files import FileRefused, Formula, Limits, Table, read_table

BASE_COLUMNS = (
    "external_id",
    "team",
    "title",
    "decided_on",
    "status",
    "question",
    "context",
    "decision",
    "alternatives",
    "review_due",
    "reviewed_on",
    "lessons",
    "author_email",
)
REQUIRED_COLUMNS = ("team", "title", "decided_on")
# Computed by the workbook; ignored on import so that an exported sheet imports again.
COMPUTED_COLUMNS = ("Impact index", "Shared value", "Harm", "Net waste avoided")
GROUP_KINDS = ("impact", "consulted", "actual")
CATEGORY_KINDS = ("created", "avoided")
STATUSES = rules.STATUSES
TEXT_FIELDS = ("question", "context", "decision", "alternatives", "lessons")

MAX_TITLE = 200
MAX_EXTERNAL_ID = 100
MAX_EMAIL = 254
MAX_TEXT = 32_767  # the most an Excel cell holds, so every imported text exports again
MAX_SHOWN_VALUE = 80
PROGRESS_EVERY = 1000
MAX_ERRORS = 1_000  # problems listed; past them the file is not read further

YES = frozenset({"yes", "true", "1", "y"})
NO = frozenset({"no", "false", "0", "n"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True, slots=True)
class CellError:
    """One bad cell: row as the spreadsheet numbers it (header = 1), column, value, reason."""

    row: int
    column: str
    letter: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = repr(self.value) if self.value else "empty"
        return f"row {self.row}, column {self.letter} ({self.column}): {shown} — {self.reason}"


@dataclass(slots=True)
class DecisionRow:
    """One decision as the file states it; team and author are still names to be matched."""

    row: int
    team: str
    title: str
    decided_on: date
    status: str
    external_id: str | None = None
    question: str = ""
    context: str = ""
    decision: str = ""
    alternatives: str = ""
    review_due: date | None = None
    reviewed_on: date | None = None
    lessons: str = ""
    author_email: str | None = None
    impacts: dict[str, int] = field(default_factory=dict)
    consulted: dict[str, bool] = field(default_factory=dict)
    actuals: dict[str, int | None] = field(default_factory=dict)
    created: dict[str, float] = field(default_factory=dict)
    avoided: dict[str, float] = field(default_factory=dict)


@dataclass
class ParsedImport:
    rows: list[DecisionRow]
    errors: list[CellError]
    sheet: str | None = None  # the XLSX sheet read, None for CSV
    # Where each named column is, as (header as written, letter), to report cells later.
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The row where reading stopped, MAX_ERRORS problems having been found; None: read whole.
    stopped_at: int | None = None

    def error(self, row: int, column: str, value: str, reason: str) -> CellError:
        """An error about a cell of a named column (e.g. "team"), found after reading."""
        header, letter = self.columns.get(column, (column, ""))
        return CellError(row, header, letter, value, reason)

    @property
    def ok(self) -> bool:
        return not self.errors


def format_columns(groups: Sequence[str], categories: Sequence[str]) -> list[str]:
    """The import format's columns, in order, for these stakeholder groups and waste categories."""
    return [
        *BASE_COLUMNS,
        *(f"{kind}: {g}" for kind in GROUP_KINDS for g in groups),
        *(f"{kind}: {c}" for kind in CATEGORY_KINDS for c in categories),
    ]


BASE_WORDS = {
    "external_id": "Reference",
    "team": "Team",
    "title": "Title",
    "decided_on": "Decided on",
    "status": "Status",
    "question": "Question",
    "context": "Context",
    "decision": "What was decided",
    "alternatives": "Alternatives",
    "review_due": "Review due",
    "reviewed_on": "Reviewed on",
    "lessons": "Lessons",
    "author_email": "Author",
}
KIND_WORDS = {
    "impact": "Impact on {}",
    "consulted": "{} consulted",
    "actual": "Actual impact on {}",
    "created": "{} created",
    "avoided": "{} avoided",
}


def column_words(column: str) -> str:
    """A column of the import format as people read it: `decided_on` is "Decided on",
    `impact: Nature` is "Impact on Nature"; a computed column is already in words."""
    if column in BASE_WORDS:
        return BASE_WORDS[column]
    kind, colon, name = column.partition(": ")
    if colon and kind in KIND_WORDS:
        return KIND_WORDS[kind].format(name)
    return column


def is_words_row(cells: Sequence[Any], groups: Sequence[str], categories: Sequence[str]) -> bool:
    """Whether a row is the import format's columns in words, as the scorecard's Decisions
    sheet writes above its header: every cell is a column in words, "Decided on" among them
    (no import header has it: its column is `decided_on`)."""
    words = {
        column_key(column_words(c))
        for c in (*format_columns(groups, categories), *COMPUTED_COLUMNS)
    }
    keys = [column_key(c) for c in cells if isinstance(c, str) and c.strip()]
    if len(keys) != sum(not _blank(c) for c in cells):
        return False
    return column_key(BASE_WORDS["decided_on"]) in keys and set(keys) <= words


def column_key(header: str) -> str:
    """Headers match ignoring case, surrounding spaces and the spacing around the colon."""
    return re.sub(r"\s*:\s*", ": ", " ".join(str(header).split())).casefold()


def read_decisions(
    data: bytes,
    filename: str,
    groups: Sequence[str],
    categories: Sequence[str],
    limits: Limits | None = None,
    progress: Callable[[int], None] | None = None,
) -> ParsedImport:
    """Read and check the whole file; `progress(n)` is told each time n more rows are read."""
    limits = limits or Limits()
    table = read_table(data, filename, limits)
    try:
        parsed = parse_table(table, groups, categories, limits, progress)
    finally:
        table.close()
    parsed.sheet = table.sheet
    return parsed


# --- rows of cells to decisions ---------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    letter: str
    kind: str  # a BASE_COLUMNS name, one of GROUP_KINDS / CATEGORY_KINDS, or "ignored"
    target: str = ""  # the group or category name for those kinds


class _RowErrors:
    def __init__(self, errors: list[CellError], row: int) -> None:
        self.errors = errors
        self.row = row
        self.count = 0

    def add(self, column: _Column, value: Any, reason: str) -> None:
        self.errors.append(CellError(self.row, column.header, column.letter, _shown(value), reason))
        self.count += 1


def parse_table(
    table: Table,
    groups: Sequence[str],
    categories: Sequence[str],
    limits: Limits,
    progress: Callable[[int], None] | None = None,
) -> ParsedImport:
    """Check the header, then every row; returns every good row and every bad cell."""
    errors: list[CellError] = []
    rows, decimal_comma = table.rows, table.decimal_comma
    header_number, header = _header_row(rows, groups, categories)
    if len(header) > limits.max_columns:
        raise FileRefused(
            f"The header has {len(header)} columns; at most {limits.max_columns} are accepted."
        )
    columns = _columns(header_number, header, groups, categories, errors)
    by_kind = {c.kind: c for c in columns if c.kind in BASE_COLUMNS}
    width = len(header)

    parsed: list[DecisionRow] = []
    data_rows = 0
    stopped_at = None
    for number, cells in rows:
        if _blank_row(cells):
            continue
        data_rows += 1
        if data_rows > limits.max_rows:
            raise FileRefused(
                f"The file has more than {limits.max_rows:,} decisions; split it into smaller files."
            )
        _check_width(number, cells, limits)
        row_errors = _RowErrors(errors, number)
        beyond = next((i for i in range(width, len(cells)) if not _blank(cells[i])), None)
        if beyond is not None:  # one problem for the row, however many values it has too many
            row_errors.add(
                _Column(beyond, "", get_column_letter(beyond + 1), "ignored"),
                cells[beyond],
                "a value in a column without a header (the row has "
                f"{_last_value(cells)} values, the header names {width} columns)",
            )
        decision = _parse_row(number, cells, columns, by_kind, row_errors, decimal_comma)
        if decision is not None and not row_errors.count:
            parsed.append(decision)
        if progress is not None and data_rows % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
        if len(errors) >= MAX_ERRORS:  # the import is certain to fail: read no further
            stopped_at = number
            break
    if progress is not None and data_rows % PROGRESS_EVERY:
        progress(data_rows % PROGRESS_EVERY)
    if data_rows == 0 and not errors:
        raise FileRefused("The file has a header row but no decisions.")
    named = {c.kind: (c.header, c.letter) for c in columns if c.kind in BASE_COLUMNS}
    errors.sort(key=lambda e: (e.row, len(e.letter), e.letter))
    if stopped_at is not None:
        parsed.clear()  # nothing is written anyway; the rows read so far need no memory
    return ParsedImport(parsed, errors[:MAX_ERRORS], columns=named, stopped_at=stopped_at)


def _header_row(
    rows: Iterator[tuple[int, Sequence[Any]]], groups: Sequence[str], categories: Sequence[str]
) -> tuple[int, Sequence[Any]]:
    """The first row that is not blank, read from `rows`; past a row of the columns in words
    (an exported Decisions sheet), the row below it."""
    found = next(((n, r) for n, r in rows if not _blank_row(r)), None)
    if found is None:
        raise FileRefused("The file has no header row.")
    if is_words_row(found[1], groups, categories):
        found = next(((n, r) for n, r in rows if not _blank_row(r)), None)
        if found is None:
            raise FileRefused("The file has its columns in words but no header row below them.")
    return found


def _check_width(number: int, cells: Sequence[Any], limits: Limits) -> None:
    """A data row is held to the column cap as the header is."""
    if len(cells) > limits.max_columns and any(not _blank(v) for v in cells[limits.max_columns :]):
        raise FileRefused(
            f"Row {number} has values beyond column {get_column_letter(limits.max_columns)}; "
            f"at most {limits.max_columns} columns are accepted."
        )


def _last_value(cells: Sequence[Any]) -> int:
    """How many values the row has, up to its last non-blank cell."""
    return next(i for i in range(len(cells), 0, -1) if not _blank(cells[i - 1]))


def _columns(
    row: int,
    header: Sequence[Any],
    groups: Sequence[str],
    categories: Sequence[str],
    errors: list[CellError],
) -> list[_Column]:
    known: dict[str, tuple[str, str]] = {column_key(c): (c, "") for c in BASE_COLUMNS}
    known.update({column_key(c): ("ignored", "") for c in COMPUTED_COLUMNS})
    for kind in GROUP_KINDS:
        known.update({column_key(f"{kind}: {g}"): (kind, g) for g in groups})
    for kind in CATEGORY_KINDS:
        known.update({column_key(f"{kind}: {c}"): (kind, c) for c in categories})

    columns: list[_Column] = []
    seen: dict[str, str] = {}
    header_errors = _RowErrors(errors, row)
    for index, cell in enumerate(header):
        letter = get_column_letter(index + 1)
        if _blank(cell):
            columns.append(_Column(index, "", letter, "unnamed"))
            continue
        text = str(cell.text if isinstance(cell, Formula) else cell).strip()
        column = _Column(index, text, letter, "ignored")
        key = column_key(text)
        if isinstance(cell, Formula):
            header_errors.add(column, cell.text, "a formula is not a column name")
            columns.append(column)
            continue
        if key in seen:
            header_errors.add(column, text, f"the column appears twice (also {seen[key]})")
            columns.append(column)
            continue
        seen[key] = letter
        if key not in known:
            header_errors.add(column, text, _unknown_column(text))
            columns.append(column)
            continue
        kind, target = known[key]
        columns.append(_Column(index, text, letter, kind, target))
    present = {c.kind for c in columns}
    for required in REQUIRED_COLUMNS:
        if required not in present:
            errors.append(
                CellError(row, required, "", "", f"the required column {required} is missing")
            )
    return columns


def _unknown_column(header: str) -> str:
    prefix, _, rest = header.partition(":")
    prefix, rest = prefix.strip().casefold(), rest.strip()
    if prefix in GROUP_KINDS and rest:
        return f"unknown column: no active stakeholder group is named {rest!r}"
    if prefix in CATEGORY_KINDS and rest:
        return f"unknown column: no active waste category is named {rest!r}"
    return "unknown column (a typo must not silently drop data)"


@dataclass
class _Cells:
    """A row's cells sorted by what they hold, before the single fields are parsed."""

    values: dict[str, Any] = field(default_factory=dict)
    impacts: dict[str, int] = field(default_factory=dict)
    consulted: dict[str, bool] = field(default_factory=dict)
    actuals: dict[str, int | None] = field(default_factory=dict)
    created: dict[str, float] = field(default_factory=dict)
    avoided: dict[str, float] = field(default_factory=dict)
    formulas: set[str] = field(default_factory=set)  # reported already, not again as blank


def _sort_cells(
    cells: Sequence[Any], columns: list[_Column], errors: _RowErrors, decimal_comma: bool
) -> _Cells:
    found = _Cells()
    for column in columns:
        value = cells[column.index] if column.index < len(cells) else None
        if isinstance(value, Formula):
            errors.add(column, value.text, "formulas are not accepted: paste the values instead")
            found.formulas.add(column.kind)
            continue
        kind = column.kind
        if kind == "ignored":
            continue
        if kind == "unnamed":
            if not _blank(value):
                errors.add(column, value, "a value in a column without a header")
            continue
        if kind == "impact":
            found.impacts[column.target] = _impact(column, value, errors, default=0) or 0
        elif kind == "actual":
            found.actuals[column.target] = _impact(column, value, errors, default=None)
        elif kind == "consulted":
            found.consulted[column.target] = _yes_no(column, value, errors)
        elif kind in CATEGORY_KINDS:
            amount = _waste(column, value, errors, decimal_comma)
            (found.created if kind == "created" else found.avoided)[column.target] = amount
        else:
            found.values[kind] = value
    return found


def _parse_row(
    number: int,
    cells: Sequence[Any],
    columns: list[_Column],
    by_kind: dict[str, _Column],
    errors: _RowErrors,
    decimal_comma: bool,
) -> DecisionRow | None:
    sorted_cells = _sort_cells(cells, columns, errors, decimal_comma)
    values, formulas = sorted_cells.values, sorted_cells.formulas
    team = _short_text(by_kind.get("team"), values.get("team"), errors, 120, "team" not in formulas)
    title = _short_text(
        by_kind.get("title"),
        values.get("title"),
        errors,
        MAX_TITLE,
        required="title" not in formulas,
    )
    external_id = _short_text(
        by_kind.get("external_id"), values.get("external_id"), errors, MAX_EXTERNAL_ID
    )
    decided_on = _date(
        by_kind.get("decided_on"), values.get("decided_on"), errors, "decided_on" not in formulas
    )
    review_due = _date(by_kind.get("review_due"), values.get("review_due"), errors)
    reviewed_on = _date(by_kind.get("reviewed_on"), values.get("reviewed_on"), errors)
    texts = {name: _long_text(by_kind.get(name), values.get(name), errors) for name in TEXT_FIELDS}
    email = _email(by_kind.get("author_email"), values.get("author_email"), errors)
    status = _status(by_kind, values, reviewed_on, errors)

    if decided_on is not None and status is not None:
        _check_dates(by_kind, values, errors, status, (decided_on, review_due, reviewed_on))

    if errors.count or team is None or title is None or decided_on is None or status is None:
        return None
    return DecisionRow(
        row=number,
        team=team,
        title=title,
        decided_on=decided_on,
        status=status,
        external_id=external_id,
        review_due=review_due,
        reviewed_on=reviewed_on,
        author_email=email,
        impacts=sorted_cells.impacts,
        consulted=sorted_cells.consulted,
        actuals=sorted_cells.actuals,
        created=sorted_cells.created,
        avoided=sorted_cells.avoided,
        **texts,
    )


def _check_dates(
    by_kind: dict[str, _Column],
    values: dict[str, Any],
    errors: _RowErrors,
    status: str,
    days: tuple[date, date | None, date | None],
) -> None:
    """The rules of `scorecard.domain.rules` that relate a row's dates to each other."""
    decided_on, review_due, reviewed_on = days
    facts = rules.Facts(status, decided_on, review_due, reviewed_on)
    for problem in rules.decision_problems(facts, date.today(), before="any"):
        errors.add(by_kind[problem.field], values.get(problem.field), problem.message)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_row(cells: Sequence[Any]) -> bool:
    return all(_blank(v) for v in cells)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 1] + "…"


def _as_text(value: Any) -> str:
    """A cell as text: whole numbers without ".0", dates as ISO."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _short_text(
    column: _Column | None,
    value: Any,
    errors: _RowErrors,
    limit: int,
    required: bool = False,
) -> str | None:
    if _blank(value):
        if required and column is not None:
            errors.add(column, value, "is required")
        return None
    text = _as_text(value).strip()  # as the forms keep it
    if column is not None and len(text) > limit:
        errors.add(column, value, f"is longer than {limit} characters")
        return None
    return text


def _long_text(column: _Column | None, value: Any, errors: _RowErrors) -> str:
    if _blank(value):
        return ""
    text = _as_text(value).strip()  # as the forms keep it
    if column is not None and len(text) > MAX_TEXT:
        errors.add(column, value, f"is longer than {MAX_TEXT:,} characters (an Excel cell's limit)")
    return text


def _email(column: _Column | None, value: Any, errors: _RowErrors) -> str | None:
    if _blank(value) or column is None:
        return None
    text = _as_text(value).strip().lower()
    if len(text) > MAX_EMAIL or not _EMAIL.fullmatch(text):
        errors.add(column, value, "is not an email address")
        return None
    return text


def _date(
    column: _Column | None, value: Any, errors: _RowErrors, required: bool = False
) -> date | None:
    if column is None or _blank(value):
        if required and column is not None:
            errors.add(column, value, "is required")
        return None
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            errors.add(column, value, "is not a real date")
            return None
    if day is None:
        errors.add(column, value, "is not a date: write YYYY-MM-DD or use a date cell")
        return None
    if problem := rules.date_problem(day):
        errors.add(column, value, problem)
        return None
    return day


def _status(
    by_kind: dict[str, _Column],
    values: dict[str, Any],
    reviewed_on: date | None,
    errors: _RowErrors,
) -> str | None:
    column = by_kind.get("status")
    raw = values.get("status")
    if _blank(raw):
        return "reviewed" if reviewed_on is not None else "decided"
    status = _as_text(raw).strip().lower()
    assert column is not None  # a value was read from it
    if status not in STATUSES:
        errors.add(column, raw, "must be draft, decided or reviewed")
        return None
    if status == "reviewed" and reviewed_on is None:
        errors.add(column, raw, "reviewed needs a reviewed_on date")
        return None
    if status != "reviewed" and reviewed_on is not None:
        errors.add(
            by_kind["reviewed_on"],
            values.get("reviewed_on"),
            f"a {status} decision has no review date (leave status blank or write reviewed)",
        )
        return None
    return status


def _impact(column: _Column, value: Any, errors: _RowErrors, default: int | None) -> int | None:
    if _blank(value):
        return default
    number: float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace("−", "-"))
        except ValueError:
            number = None
    problem = rules.IMPACT_RANGE if number is None else rules.impact_problem(number)
    if problem:
        errors.add(column, value, problem)
        return default
    return int(number)


def _yes_no(column: _Column, value: Any, errors: _RowErrors) -> bool:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = _as_text(value).strip().lower()
    if text in YES:
        return True
    if text not in NO:
        errors.add(column, value, "must be yes or no (true/false and 1/0 work too)")
    return False


def _waste(column: _Column, value: Any, errors: _RowErrors, decimal_comma: bool) -> float:
    if _blank(value):
        return 0.0
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if decimal_comma and _DECIMAL_COMMA.fullmatch(text):
            text = text.replace(",", ".")
        try:
            written = decimal.Decimal(text)
        except decimal.InvalidOperation:
            number = None
        else:  # judged as written, before a float rounds 1E-999999999 to 0
            if problem := rules.written_amount_problem(written):
                errors.add(column, value, problem)
                return 0.0
            number = float(written)
    problem = rules.NOT_A_NUMBER if number is None else rules.amount_problem(number)
    if problem:
        errors.add(column, value, problem)
        return 0.0
    return number
