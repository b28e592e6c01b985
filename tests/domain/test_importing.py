"""Reading decision logs from untrusted CSV and XLSX files: every bad cell, clear refusals."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import date, datetime

import openpyxl
import openpyxl.xml
import pytest

from scorecard.domain import untrusted_files
from scorecard.domain.importing import read_decisions
from scorecard.domain.untrusted_files import FileRefused, Limits
from tests.domain.worked_example import WORKED_EXAMPLE

GROUPS = ["Workers", "Customers", "Communities", "Nature", "Owners"]
CATEGORIES = ["Materials", "Energy", "Water", "Travel", "Staff time", "Spend"]
CSV_BYTES = WORKED_EXAMPLE.read_bytes()
HEADER = CSV_BYTES.split(b"\n", 1)[0].decode()


def read(data: bytes, name: str = "log.csv", limits: Limits | None = None):
    return read_decisions(data, name, GROUPS, CATEGORIES, limits)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def xlsx_file(
    rows: list[list[object]], title: str = "Decisions", extra_first: bool = False
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if extra_first:
        sheet.title = "Notes"
        sheet.append(["not the decisions"])
        sheet = book.create_sheet(title)
    else:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- a valid file ------------------------------------------------------------------------------


def test_worked_example_reads_without_errors():
    parsed = read(CSV_BYTES, "worked-example.csv")
    assert parsed.errors == []
    assert [r.external_id for r in parsed.rows] == ["OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5"]
    ops1 = parsed.rows[0]
    assert ops1.row == 2
    assert ops1.team == "Operations"
    assert ops1.decided_on == date(2026, 1, 20)
    assert ops1.reviewed_on == date(2026, 4, 10)
    assert ops1.status == "reviewed"
    assert ops1.impacts == {
        "Workers": 1,
        "Customers": 1,
        "Communities": 2,
        "Nature": 3,
        "Owners": -1,
    }
    assert ops1.consulted["Customers"]
    assert not ops1.consulted["Nature"]
    assert ops1.actuals["Nature"] == 2
    assert ops1.created["Spend"] == 1200
    assert ops1.avoided["Travel"] == 8000
    assert parsed.rows[1].actuals["Workers"] is None  # blank actual = not assessed
    assert parsed.rows[4].status == "draft"


def test_bom_semicolons_and_decimal_commas():
    text = CSV_BYTES.decode().replace(",", ";")
    text = text.replace("2026-01-20;reviewed", "2026-01-20;reviewed", 1)
    lines = text.splitlines()
    lines[1] = lines[1].replace(";1200;", ";1200,5;")
    data = "\ufeff".encode() + "\r\n".join(lines).encode()
    parsed = read(data)
    assert parsed.errors == []
    assert len(parsed.rows) == 5
    assert parsed.rows[0].external_id == "OPS-1"
    assert parsed.rows[0].created["Spend"] == 1200.5


def test_headers_match_ignoring_case_and_spaces():
    data = csv_file(
        " Team ,TITLE,Decided_On, Impact :workers ",
        "Operations,Title,2026-01-05,2",
        header=" Team ,TITLE,Decided_On, Impact :workers ",
    )
    data = b"\n".join(data.split(b"\n")[1:])  # the header is already the first line
    parsed = read(data)
    assert parsed.errors == []
    assert parsed.rows[0].impacts["Workers"] == 2
    assert parsed.rows[0].status == "decided"


def test_status_defaults_and_review_rules():
    header = "team,title,decided_on,status,reviewed_on,review_due"
    parsed = read(
        csv_file(
            "Ops,Blank with review,2026-01-05,,2026-02-01,",
            "Ops,Reviewed without date,2026-01-05,reviewed,,",
            "Ops,Decided with review date,2026-01-05,decided,2026-02-01,",
            "Ops,Review due before decided,2026-01-05,,,2025-12-31",
            "Ops,Unknown status,2026-01-05,maybe,,",
            header=header,
        )
    )
    assert [r.title for r in parsed.rows] == ["Blank with review"]
    assert parsed.rows[0].status == "reviewed"
    reasons = {(e.row, e.column): e.reason for e in parsed.errors}
    assert reasons[(3, "status")] == "reviewed needs a reviewed_on date"
    assert "no review date" in reasons[(4, "reviewed_on")]
    assert reasons[(5, "review_due")] == "The review cannot be due before the decision."
    assert reasons[(6, "status")] == "must be draft, decided or reviewed"


def test_every_bad_cell_is_reported_with_row_column_value_reason():
    header = "external_id,team,title,decided_on,impact: Workers,consulted: Nature,created: Energy,author_email"
    parsed = read(
        csv_file(
            "A,Ops,Fine,2026-01-05,3,yes,10,someone@example.com",
            "B,,Missing team,2026-13-01,4,perhaps,-5,not-an-email",
            "C,Ops,,05/01/2026,1.5,no,ten,",
            header=header,
        )
    )
    assert [r.external_id for r in parsed.rows] == ["A"]
    found = [(e.row, e.letter, e.column, e.value, e.reason) for e in parsed.errors]
    assert found == [
        (3, "B", "team", "", "is required"),
        (3, "D", "decided_on", "2026-13-01", "is not a real date"),
        (3, "E", "impact: Workers", "4", "An impact is a whole number from -3 to +3."),
        (3, "F", "consulted: Nature", "perhaps", "must be yes or no (true/false and 1/0 work too)"),
        (3, "G", "created: Energy", "-5", "Enter an amount of 0 or more."),
        (3, "H", "author_email", "not-an-email", "is not an email address"),
        (4, "C", "title", "", "is required"),
        (4, "D", "decided_on", "05/01/2026", "is not a date: write YYYY-MM-DD or use a date cell"),
        (4, "E", "impact: Workers", "1.5", "An impact is a whole number from -3 to +3."),
        (4, "G", "created: Energy", "ten", "Enter a number, e.g. 120 or 12.5."),
    ]
    assert str(parsed.errors[1]) == (
        "row 3, column D (decided_on): '2026-13-01' — is not a real date"
    )


def test_unknown_duplicate_and_missing_columns_are_errors():
    header = "team,title,impact: Martians,Title,notes"
    parsed = read(csv_file("Ops,A title,1,Again,hello", header=header))
    reasons = {(e.row, e.letter): e.reason for e in parsed.errors}
    assert reasons[(1, "C")] == "unknown column: no active stakeholder group is named 'Martians'"
    assert reasons[(1, "D")] == "the column appears twice (also B)"
    assert reasons[(1, "E")].startswith("unknown column")
    assert any(e.reason == "the required column decided_on is missing" for e in parsed.errors)


def test_computed_columns_of_the_workbook_are_ignored():
    header = "team,title,decided_on,Impact index,Shared value,Harm,Net waste avoided"
    parsed = read(csv_file("Ops,T,2026-01-05,40,no,yes,3750", header=header))
    assert parsed.errors == []


def test_value_in_a_column_without_a_header():
    parsed = read(csv_file("Ops,T,2026-01-05,,surprise", header="team,title,decided_on"))
    assert [(e.row, e.letter, e.reason) for e in parsed.errors] == [
        (
            2,
            "E",
            "a value in a column without a header (the row has 5 values, the header names 3 columns)",
        )
    ]


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "empty.csv is empty."),
        (b"  \n\n", "blank.csv", "blank.csv is empty."),
        (HEADER.encode() + b"\n", "header.csv", "The file has a header row but no decisions."),
        ("team,title\nÉquipe,Café\n".encode("latin-1"), "latin.csv", "is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.xlsx", "not even a zip file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "not a text file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xlsx", "old .xls"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "the zip is damaged"),
        (b"team,title\n", "log.txt", "only .csv and .xlsx"),
    ],
)
def test_files_that_are_not_decision_logs_are_refused(data, name, message):
    with pytest.raises(FileRefused, match=message.replace("(", r"\(").replace(".", r"\.")):
        read(data, name)


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileRefused, match=r"lacks \[Content_Types\]\.xml, xl/workbook\.xml"):
        read(out.getvalue(), "fake.xlsx")


def test_size_limit():
    with pytest.raises(FileRefused, match="the largest file accepted is 100 bytes"):
        read(CSV_BYTES, "big.csv", Limits(max_bytes=100))


def test_row_and_column_caps():
    rows = [f"Ops,Title {i},2026-01-05" for i in range(6)]
    with pytest.raises(FileRefused, match="more than 5 decisions"):
        read(csv_file(*rows, header="team,title,decided_on"), limits=Limits(max_rows=5))
    with pytest.raises(FileRefused, match="at most 3 are accepted"):
        read(
            csv_file("Ops,T,2026-01-05,1", header="team,title,decided_on,impact: Workers"),
            limits=Limits(max_columns=3),
        )
    wide = xlsx_file([["team", "title", "decided_on"], ["Ops", "T", "2026-01-05", None, "x"]])
    with pytest.raises(FileRefused, match="beyond column D"):
        read(wide, "wide.xlsx", Limits(max_columns=4))


SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def _workbook_with(part: str, content: bytes) -> bytes:
    """A real workbook with one part replaced (and declared, so that it is read)."""
    source = zipfile.ZipFile(
        io.BytesIO(xlsx_file([["team", "title", "decided_on"], ["Ops", "T", "2026-01-05"]]))
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml" and SHARED_STRINGS_TYPE not in data:
                data = data.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            if item.filename != part:
                archive.writestr(item, data)
        archive.writestr(part, content)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>%s
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>"""


def test_defusedxml_is_in_use():
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize("padding", [b"", b"<!--" + b" " * 8000 + b"-->"], ids=["plain", "hidden"])
def test_billion_laughs_in_shared_strings_is_refused_quickly(padding):
    # "hidden" puts the DOCTYPE beyond the quick scan, so defusedxml itself must refuse it.
    bomb = _workbook_with("xl/sharedStrings.xml", BILLION_LAUGHS % padding)
    tracemalloc.start()
    with pytest.raises(FileRefused, match="XML entities"):
        read(bomb, "laughs.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 1024 * 1024


def test_zip_bomb_is_refused_before_unpacking():
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(xlsx_file([["team"]])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, source.read(item.filename))
        with archive.open("xl/worksheets/sheet2.xml", "w") as part:
            zeros = b"\x00" * (1024 * 1024)
            for _ in range(40):
                part.write(zeros)
    bomb = out.getvalue()
    assert len(bomb) < 200_000
    tracemalloc.start()
    with pytest.raises(FileRefused, match="zip bomb"):
        read(bomb, "bomb.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 10 * 1024 * 1024
    with pytest.raises(FileRefused, match=r"unpacks to 40\.0 MB; at most 8\.0 MB"):
        read(bomb, "bomb.xlsx", Limits(max_unpacked_bytes=8 * 1024 * 1024, max_ratio=10**6))


def test_macro_workbooks_are_refused():
    data = _workbook_with("xl/vbaProject.bin", b"\x00" * 10)
    with pytest.raises(FileRefused, match="contains macros"):
        read(data, "macros.xlsx")


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_reads_the_decisions_sheet_with_real_cells():
    data = xlsx_file(
        [
            [
                "external_id",
                "team",
                "title",
                "decided_on",
                "impact: Nature",
                "consulted: Nature",
                "avoided: Water",
            ],
            ["X-1", "Ops", "Dated cell", datetime(2026, 2, 3), 2, True, 12.5],
            [42, "Ops", 1234, "2026-02-04", -1.0, 0, None],
        ],
        extra_first=True,
    )
    parsed = read(data, "log.xlsx")
    assert parsed.errors == []
    assert parsed.sheet == "Decisions"
    first, second = parsed.rows
    assert (first.decided_on, first.impacts["Nature"], first.consulted["Nature"]) == (
        date(2026, 2, 3),
        2,
        True,
    )
    assert first.avoided["Water"] == 12.5
    assert (second.external_id, second.title, second.impacts["Nature"]) == ("42", "1234", -1)


def test_xlsx_without_a_decisions_sheet_reads_the_first():
    parsed = read(
        xlsx_file([["team", "title", "decided_on"], ["Ops", "T", "2026-01-05"]], title="Log"),
        "x.xlsx",
    )
    assert parsed.sheet == "Log"
    assert len(parsed.rows) == 1


def test_formula_cells_are_refused_with_a_clear_message():
    data = xlsx_file(
        [
            ["team", "title", "decided_on", "impact: Workers"],
            ["Ops", "Fine", "2026-01-05", 1],
            ["Ops", '=HYPERLINK("http://example.com","click")', "2026-01-05", "=1+1"],
        ]
    )
    parsed = read(data, "formulas.xlsx")
    assert [(e.row, e.letter, e.reason) for e in parsed.errors] == [
        (3, "B", "formulas are not accepted: paste the values instead"),
        (3, "D", "formulas are not accepted: paste the values instead"),
    ]
    assert parsed.errors[0].value.startswith("=HYPERLINK")


def test_estimate_rows():
    assert untrusted_files.estimate_rows(CSV_BYTES, "x.csv") == 6
    assert untrusted_files.estimate_rows(b"nonsense", "x.xlsx") is None
