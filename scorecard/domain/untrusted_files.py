"""Reading untrusted CSV and XLSX files safely into rows of cells: size, type, zip and XML bombs,
macros and formulas are refused or marked before any cell is parsed. Pure: bytes in, a
`Table` of rows out, or `FileRefused` saying why the file cannot be read."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from scorecard.domain.text import clean

EXCEL_MAX_ROWS = 1_048_576

ZIP_MAGIC = b"PK\x03\x04"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls and password-protected workbooks

REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")

XML_PROLOGUE_SCAN = 4096


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
    """Rows read as they are needed: the text is decoded line by line, never held whole."""
    if b"\x00" in data:
        raise FileRefused(f"{name} is not a text file (it contains NUL bytes).")
    bad = _first_non_utf8(data)
    if bad is not None:
        line = data[:bad].count(b"\n") + 1
        raise FileRefused(
            f"{name} is not UTF-8 text (byte 0x{data[bad]:02X} on line {line}). "
            "Save it as “CSV UTF-8” and import it again."
        )
    end = data.find(b"\n")
    first_line = (data if end < 0 else data[:end]).decode("utf-8-sig")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    # As a form's input is: what XML 1.0 forbids is dropped, line by line.
    reader = csv.reader((clean(line) for line in text), delimiter=delimiter)

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


def _first_non_utf8(data: bytes, chunk: int = 1 << 20) -> int | None:
    """The offset of the first byte that is not UTF-8, checked a megabyte at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), chunk):
        try:
            decoder.decode(data[start : start + chunk], final=start + chunk >= len(data))
        except UnicodeDecodeError as error:
            return max(start + error.start, 0)
    return None


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
