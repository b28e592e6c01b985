"""A manager starts a large scorecard in a real browser; a real worker makes it: the progress
bar moves, the button waits, and the download appears by itself."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.jobs.big_log import QUARTER, big_log_csv

pytestmark = [pytest.mark.browser, pytest.mark.workers]
ROWS = 15_000


def test_the_progress_bar_moves_and_the_download_appears(
    page, app, org, runner, workers, backend, tmp_path
):
    result = runner.invoke(args=["import-decisions", str(big_log_csv(tmp_path, ROWS))])
    assert result.exit_code == 0, result.output
    workers.start()
    sign_in(page, "manager@example.com")
    page.goto("/exports")
    page.select_option("select[name=quarter]", QUARTER)
    page.get_by_role("button", name="Generate workbook").click()
    page.wait_for_url("**/exports?job=*")

    bar = page.get_by_role("progressbar")
    seen: list[int] = []

    def moving() -> bool:
        if bar.count() == 0:
            return False
        value = bar.get_attribute("aria-valuenow")
        if value is not None and (not seen or int(value) != seen[-1]):
            seen.append(int(value))
        return len([v for v in seen if 0 < v < 100]) >= 2

    workers.wait_for(moving, "the progress bar to move")
    assert seen == sorted(seen), seen
    text = page.locator('[data-job-field="text"]').inner_text()
    assert re.fullmatch(rf"Decisions sheet: [\d,]+ of {ROWS:,} rows", text), text
    assert page.get_by_role("button", name="Generate workbook").is_disabled()
    if backend == "sqlite":
        screenshot(page, "export-progress-desktop")
        screenshot(page, "export-progress-phone", width=390)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1280, "height": 900})

    download = page.get_by_role("link", name="Download the scorecard")
    download.wait_for(timeout=300_000)  # the page reloads itself when the job is done
    assert page.get_by_text(f"Its Decisions sheet has {ROWS:,} rows.").is_visible()
    assert page.get_by_role("button", name="Generate workbook").is_enabled()
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == f"scorecard-{QUARTER}-operations.xlsx"
    if backend == "sqlite":
        screenshot(page, "export-done-desktop")
