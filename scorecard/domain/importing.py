"""Reading a decision log from an untrusted CSV or XLSX file into plain rows and cell errors.

Pure: bytes and reference names in, `ParsedImport` out. Every bad cell is reported by its
spreadsheet row (the header being row 1), column, value and reason; a file that cannot be
read at all (empty, wrong type, too large, a zip or XML bomb) raises `FileRefused`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from scorecard.domain.text import clean

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
STATUSES = ("draft", "decided", "reviewed")
TEXT_FIELDS = ("question", "context", "decision", "alternatives", "lessons")

MAX_TITLE = 200
MAX_EXTERNAL_ID = 100
MAX_EMAIL = 254
MAX_TEXT = 32_767  # the most an Excel cell holds, so every imported text exports again
MAX_WASTE = 1e12
FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_SHOWN_VALUE = 80
EXCEL_MAX_ROWS = 1_048_576
PROGRESS_EVERY = 1000

YES = frozenset({"yes", "true", "1", "y"})
NO = frozenset({"no", "false", "0", "n"})
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls and password-protected workbooks
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
XML_PROLOGUE_SCAN = 4096
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class FileRefused(ValueError):
    """The file cannot be read as a decision log at all; the message says why, for the user."""


@dataclass(frozen=True)
class Limits:
    """What an untrusted file may cost: bytes, rows, columns, and its unpacked size if zipped."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 200
    max_unpacked_bytes: int = 256 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed, per zip member larger than 1 MB


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


def estimate_rows(data: bytes, filename: str) -> int | None:
    """Roughly how many rows the file has, for a progress bar; None when it cannot tell."""
    if filename.lower().endswith(".csv"):
        return max(data.count(b"\n"), 1)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        sheets = [m for m in archive.infolist() if m.filename.startswith("xl/worksheets/")]
        biggest = max(sheets, key=lambda m: m.file_size)
        with archive.open(biggest) as part:
            head = part.read(XML_PROLOGUE_SCAN)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return None
    match = re.search(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    return int(match.group(1)) if match else None


# --- files to rows of cells -------------------------------------------------------------------


@dataclass
class Table:
    """Rows of (spreadsheet row number, cell values); a formula cell comes as a `Formula`."""

    rows: Iterator[tuple[int, Sequence[Any]]]
    sheet: str | None = None
    decimal_comma: bool = False  # a semicolon CSV may write 12,5 for 12.5

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True)
class Formula:
    text: str


def read_table(data: bytes, filename: str, limits: Limits) -> Table:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if len(data) > limits.max_bytes:
        raise FileRefused(
            f"{name} is {_size(len(data))}; the largest file accepted is {_size(limits.max_bytes)}."
        )
    if not data or data.isspace():
        raise FileRefused(f"{name} is empty.")
    if suffix == "csv":
        return _csv_table(data, name)
    if suffix == "xlsx":
        return _xlsx_table(data, name, limits)
    raise FileRefused(f"{name}: only .csv and .xlsx files can be imported.")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _csv_table(data: bytes, name: str) -> Table:
    if b"\x00" in data:
        raise FileRefused(f"{name} is not a text file (it contains NUL bytes).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            f"{name} is not UTF-8 text (byte 0x{data[error.start]:02X} on line {line}). "
            "Save it as “CSV UTF-8” and import it again."
        ) from None
    text = clean(text)  # as a form's input is: what XML 1.0 forbids is dropped
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        number = 0
        try:
            for row in reader:
                number += 1
                yield number, row
        except csv.Error as error:
            raise FileRefused(
                f"{name}: row {number + 1} cannot be read as CSV ({error})."
            ) from None

    return Table(rows(), None, decimal_comma=delimiter == ";")


def _xlsx_table(data: bytes, name: str, limits: Limits) -> Table:
    if not data.startswith(ZIP_MAGIC):
        if data.startswith(OLE_MAGIC):
            raise FileRefused(
                f"{name} is an old .xls or a password-protected workbook: "
                "save it as an Excel workbook (.xlsx) without a password."
            )
        raise FileRefused(f"{name} is not an Excel workbook (.xlsx): it is not even a zip file.")
    _check_zip(data, name, limits)
    if not openpyxl.xml.DEFUSEDXML:
        raise FileRefused("Excel import is disabled here: defusedxml is not in use.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
    except Exception as error:
        raise _refusal(name, error) from None
    try:
        titles = book.sheetnames
        wanted = next((t for t in titles if t.strip().casefold() == "decisions"), None)
        sheet = book[wanted] if wanted else (book.worksheets[0] if book.worksheets else None)
        if sheet is None or not hasattr(sheet, "reset_dimensions"):
            raise FileRefused(f"{name} has no worksheet to import.")
        # The dimension a file declares is not trusted: rows are as wide as their last cell.
        sheet.reset_dimensions()
    except FileRefused:
        book.close()
        raise
    return Table(_xlsx_rows(book, sheet, name, limits), sheet.title)


def _check_zip(data: bytes, name: str, limits: Limits) -> None:
    """A real workbook's parts, no encryption, and a bounded unpacked size: bombs stop here."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(f"{name} is not an Excel workbook (.xlsx): the zip is damaged.") from None
    names = {m.filename for m in members}
    if "xl/vbaProject.bin" in names:
        raise FileRefused(f"{name} contains macros; save it as a plain Excel workbook (.xlsx).")
    missing = [p for p in REQUIRED_PARTS if p not in names]
    if missing:
        raise FileRefused(
            f"{name} is not an Excel workbook (.xlsx): it lacks {', '.join(missing)}."
        )
    if len(members) > 10_000:
        raise FileRefused(f"{name} has {len(members):,} parts, far more than a workbook has.")
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise FileRefused(f"{name} is encrypted: save it without a password.")
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and member.file_size / packed > limits.max_ratio:
            raise FileRefused(
                f"{name} unpacks to far more than it weighs ({member.filename} is "
                f"{member.file_size / packed:,.0f} times its packed size): refused as a zip bomb."
            )
    if total > limits.max_unpacked_bytes:
        raise FileRefused(
            f"{name} unpacks to {_size(total)}; at most {_size(limits.max_unpacked_bytes)} "
            "is accepted."
        )
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(member) as part:
                    head = part.read(XML_PROLOGUE_SCAN)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                raise FileRefused(f"{name}: the part {member.filename} is damaged.") from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise FileRefused(
                    f"{name}: {member.filename} declares XML entities, which are refused "
                    "(an XML bomb or an external reference)."
                )


def _unescaped(value: Any) -> Any:
    """Text as Excel meant it (`_x000D_` is how a workbook keeps a carriage return), without
    what XML 1.0 forbids, as a form's input is."""
    if isinstance(value, str):
        return clean(unescape(value) if "_x" in value else value)
    return value


def _refusal(name: str, error: BaseException) -> FileRefused:
    cause: BaseException | None = error
    while cause is not None:  # openpyxl wraps what defusedxml raises
        if isinstance(cause, DefusedXmlException):
            return FileRefused(
                f"{name} declares XML entities, which are refused (an XML bomb or an "
                "external reference)."
            )
        cause = cause.__cause__ or cause.__context__
    return FileRefused(f"{name} is not a readable Excel workbook (.xlsx): {type(error).__name__}.")


def _xlsx_rows(
    book: Any, sheet: Any, name: str, limits: Limits
) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        for number, cells in enumerate(sheet.iter_rows(), 1):
            if number > EXCEL_MAX_ROWS:
                raise FileRefused(f"{name} has more rows than a worksheet can hold.")
            if len(cells) > limits.max_columns and any(
                c.value not in (None, "") for c in cells[limits.max_columns :]
            ):
                raise FileRefused(
                    f"{name}: row {number} has cells beyond column "
                    f"{get_column_letter(limits.max_columns)}; at most "
                    f"{limits.max_columns} columns are accepted."
                )
            yield (
                number,
                [
                    Formula(str(c.value)) if c.data_type == "f" else _unescaped(c.value)
                    for c in cells[: limits.max_columns]
                ],
            )
    except FileRefused:
        raise
    except Exception as error:
        raise _refusal(name, error) from None
    finally:
        book.close()


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
    header_row = next(((n, r) for n, r in rows if not _blank_row(r)), None)
    if header_row is None:
        raise FileRefused("The file has no header row.")
    header_number, header = header_row
    if len(header) > limits.max_columns:
        raise FileRefused(
            f"The header has {len(header)} columns; at most {limits.max_columns} are accepted."
        )
    columns = _columns(header_number, header, groups, categories, errors)
    by_kind = {c.kind: c for c in columns if c.kind in BASE_COLUMNS}
    width = len(header)

    parsed: list[DecisionRow] = []
    data_rows = 0
    for number, cells in rows:
        if _blank_row(cells):
            continue
        data_rows += 1
        if data_rows > limits.max_rows:
            raise FileRefused(
                f"The file has more than {limits.max_rows:,} decisions; split it into smaller files."
            )
        row_errors = _RowErrors(errors, number)
        for index in range(width, len(cells)):
            if not _blank(cells[index]):
                letter = get_column_letter(index + 1)
                row_errors.add(
                    _Column(index, "", letter, "ignored"),
                    cells[index],
                    "a value in a column without a header",
                )
        decision = _parse_row(number, cells, columns, by_kind, row_errors, decimal_comma)
        if decision is not None and not row_errors.count:
            parsed.append(decision)
        if progress is not None and data_rows % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and data_rows % PROGRESS_EVERY:
        progress(data_rows % PROGRESS_EVERY)
    if data_rows == 0 and not errors:
        raise FileRefused("The file has a header row but no decisions.")
    named = {c.kind: (c.header, c.letter) for c in columns if c.kind in BASE_COLUMNS}
    errors.sort(key=lambda e: (e.row, len(e.letter), e.letter))
    return ParsedImport(parsed, errors, columns=named)


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


def _parse_row(
    number: int,
    cells: Sequence[Any],
    columns: list[_Column],
    by_kind: dict[str, _Column],
    errors: _RowErrors,
    decimal_comma: bool,
) -> DecisionRow | None:
    values: dict[str, Any] = {}
    impacts: dict[str, int] = {}
    consulted: dict[str, bool] = {}
    actuals: dict[str, int | None] = {}
    created: dict[str, float] = {}
    avoided: dict[str, float] = {}
    formulas: set[str] = set()  # columns already reported, not to be reported again as blank
    for column in columns:
        value = cells[column.index] if column.index < len(cells) else None
        if isinstance(value, Formula):
            errors.add(column, value.text, "formulas are not accepted: paste the values instead")
            formulas.add(column.kind)
            continue
        kind = column.kind
        if kind == "ignored":
            continue
        if kind == "unnamed":
            if not _blank(value):
                errors.add(column, value, "a value in a column without a header")
            continue
        if kind == "impact":
            impacts[column.target] = _impact(column, value, errors, default=0) or 0
        elif kind == "actual":
            actuals[column.target] = _impact(column, value, errors, default=None)
        elif kind == "consulted":
            consulted[column.target] = _yes_no(column, value, errors)
        elif kind in CATEGORY_KINDS:
            amount = _waste(column, value, errors, decimal_comma)
            (created if kind == "created" else avoided)[column.target] = amount
        else:
            values[kind] = value

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

    if decided_on is not None:
        for name, day in (("review_due", review_due), ("reviewed_on", reviewed_on)):
            if day is not None and day < decided_on:
                errors.add(by_kind[name], values.get(name), "is before decided_on")

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
        impacts=impacts,
        consulted=consulted,
        actuals=actuals,
        created=created,
        avoided=avoided,
        **texts,
    )


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
    text = _as_text(value).strip()
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
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors.add(column, value, f"has a year outside {FIRST_YEAR}–{LAST_YEAR}")
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
    if number is None or not number.is_integer() or not -3 <= number <= 3:
        errors.add(column, value, "must be a whole number from -3 to 3")
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
            number = float(text)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        errors.add(column, value, "must be a number")
        return 0.0
    if number < 0:
        errors.add(column, value, "must not be negative")
        return 0.0
    if number > MAX_WASTE:
        errors.add(column, value, "is too large")
        return 0.0
    return number
