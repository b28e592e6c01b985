"""A manager downloads the quarterly workbook, and sees an import's report, in a real browser."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.domain.worked_example import WORKED_EXAMPLE
from tests.web.test_exports import import_worked_example

pytestmark = pytest.mark.browser


def test_manager_downloads_the_quarterly_workbook(page, app, org, make, backend, tmp_path):
    import_worked_example(app)
    make.decision(org.sales, title="Sales plan nobody else sees")
    sign_in(page, "manager@example.com")
    page.get_by_role("link", name="Scorecards").click()
    page.wait_for_url("**/exports")
    assert page.get_by_role("heading", name="Quarterly scorecards").is_visible()
    page.select_option("select[name=quarter]", "2026Q2")
    page.get_by_role("button", name="Generate workbook").click()
    page.wait_for_url("**/exports?job=*")
    assert page.get_by_text("The scorecard for 2026Q2 (Operations) is ready.").is_visible()
    if backend == "sqlite":
        screenshot(page, "exports-desktop")
        screenshot(page, "exports-phone", width=390)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as info:
        page.locator("tr.table-success").get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "scorecard-2026Q2-operations.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Summary",
        "Teams",
        "Trends",
        "Decisions",
        "Reviews due",
        "Suggestions",
        "Stakeholders heard",
        "Method",
        "Provenance",
    ]
    assert [c.value for c in book["Teams"]["A"]][1:] == ["Operations", "All teams"]
    with zipfile.ZipFile(path) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"Sales" not in everything


def test_an_upload_with_a_bad_cell_shows_the_report(page, org, backend, tmp_path):
    bad = tmp_path / "decision-log.csv"
    bad.write_bytes(
        WORKED_EXAMPLE.read_bytes()
        .replace(b"2026-02-03", b"2026-02-30")
        .replace(b"OPS-4,Operations,Open", b"OPS-4,Operations,=HYPERLINK(1)")
    )
    sign_in(page, "manager@example.com")
    page.goto("/exports")
    page.get_by_role("link", name="Import decisions").click()
    page.wait_for_url("**/imports")
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_role("button", name="Import decisions").click()
    page.wait_for_url("**/imports?job=*")
    report = page.locator(".import-report")
    report.wait_for()
    assert report.get_by_role("heading", name="Nothing was imported").is_visible()
    rows = report.locator("tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[0] == "3"
    assert "decided_on" in cells[1]
    assert cells[2] == "2026-02-30"
    assert cells[3] == "is not a real date"
    if backend == "sqlite":
        screenshot(page, "import-report-desktop")

    good = io.BytesIO(WORKED_EXAMPLE.read_bytes())
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "worked-example.csv", "mimeType": "text/csv", "buffer": good.getvalue()}],
    )
    page.get_by_role("button", name="Import decisions").click()
    page.wait_for_url("**/imports?job=*")
    assert page.get_by_text("Imported worked-example.csv: 5 created").is_visible()
