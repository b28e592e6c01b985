"""Imports with bounded memory and clear limits: the column cap holds for data rows too, the
error list stops at the first 1,000, reading stops once the import is certain to fail, and the
peak memory of an import stays within a small multiple of the file's size."""

from __future__ import annotations

import re
import tracemalloc

import pytest

from tests.web.importing import refused, upload
from tests.web.test_imports import count

HEADER = "team,title,decided_on,status"


def _peak(call):
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def wide_rows(rows: int, extra: int) -> bytes:
    tail = "," + ",".join(["x"] * extra)
    lines = [HEADER, *(f"Operations,Row {n},2026-05-04,decided{tail}" for n in range(rows))]
    return ("\n".join(lines) + "\n").encode()


def test_rows_wider_than_the_header_give_one_message_each_and_stop(org, login, app):
    body = wide_rows(20_000, 196)  # about 8 MB
    client = login(org.manager)
    response, peak = _peak(lambda: upload(client, body))
    page = response.get_data(as_text=True)
    assert refused(page)
    assert page.count("<tr") <= 1_000 + 2
    assert "the row has 200 values, the header names 4 columns" in page
    assert re.search(r"The first 1,000 problems are shown", page), page[-3000:]
    # The test client's own copies of the request are counted too.
    assert peak < 8 * len(body), f"peak {peak / 1e6:.0f} MB for a {len(body) / 1e6:.0f} MB file"
    assert count(app) == 0


def test_the_command_reads_a_failing_file_in_a_small_multiple_of_its_size(org, runner, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(wide_rows(20_000, 196))
    result, peak = _peak(lambda: runner.invoke(args=["import-decisions", str(path)]))
    assert result.exit_code == 1
    size = path.stat().st_size
    assert peak < 4 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"


@pytest.mark.parametrize("width", [201, 20_000])
def test_a_row_wider_than_the_column_cap_is_refused(org, login, app, width):
    body = wide_rows(3, width - 4)
    page = upload(login(org.manager), body).get_data(as_text=True)
    assert refused(page)
    assert "at most 200 columns are accepted" in page
    assert "Row 2 has values beyond column" in page


def test_the_command_stops_listing_at_1000_too(org, runner, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(wide_rows(3_000, 10))
    result = runner.invoke(args=["import-decisions", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("wide.csv: row")]
    assert len(lines) == 1_000
    assert "Nothing was imported" in result.output
    assert "first 1,000" in result.output


def test_a_large_good_import_stays_within_a_small_multiple_of_its_size(org, login, app):
    lines = [
        HEADER + ",question",
        *(
            f"Operations,Decision {n} about a supplier,2026-05-04,decided,Why {n}?"
            for n in range(20_000)
        ),
    ]
    body = ("\n".join(lines) + "\n").encode()
    client = login(org.admin)
    response, peak = _peak(lambda: upload(client, body))
    assert "20,000 created" in response.get_data(as_text=True)
    assert count(app) == 20_000
    assert peak < 40 * len(body) + 30_000_000, (
        f"peak {peak / 1e6:.0f} MB for {len(body) / 1e6:.1f} MB"
    )
