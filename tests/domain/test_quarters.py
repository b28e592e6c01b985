"""Calendar quarters: parsing, dates, neighbours and the vectorised index."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from scorecard.domain.quarters import Quarter, quarter_index


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026Q3", Quarter(2026, 3)),
        ("2026q1", Quarter(2026, 1)),
        ("  1999Q4 ", Quarter(1999, 4)),
        ("2026 Q2", Quarter(2026, 2)),
        ("1900Q1", Quarter(1900, 1)),
        ("2999Q4", Quarter(2999, 4)),
    ],
)
def test_parse_accepts(text: str, expected: Quarter) -> None:
    assert Quarter.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "2026", "2026Q0", "2026Q5", "Q3 2026", "26Q3", "2026-Q3", "2026Q3x", "1899Q4", "3000Q1"],
)
def test_parse_rejects_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match="quarter must look like 2026Q3"):
        Quarter.parse(text)


def test_quarter_number_is_checked() -> None:
    with pytest.raises(ValueError, match=r"1\.\.4"):
        Quarter(2026, 5)


def test_str_round_trips() -> None:
    assert str(Quarter(2026, 3)) == "2026Q3"
    assert Quarter.parse(str(Quarter(2031, 1))) == Quarter(2031, 1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), Quarter(2026, 1)),
        (date(2026, 3, 31), Quarter(2026, 1)),
        (date(2026, 4, 1), Quarter(2026, 2)),
        (date(2026, 9, 30), Quarter(2026, 3)),
        (date(2026, 12, 31), Quarter(2026, 4)),
        (datetime(2026, 7, 1, 23, 59), Quarter(2026, 3)),
    ],
)
def test_of(day: date, expected: Quarter) -> None:
    assert Quarter.of(day) == expected


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        (Quarter(2026, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (Quarter(2024, 1), date(2024, 1, 1), date(2024, 3, 31)),
        (Quarter(2026, 2), date(2026, 4, 1), date(2026, 6, 30)),
        (Quarter(2026, 3), date(2026, 7, 1), date(2026, 9, 30)),
        (Quarter(2026, 4), date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_start_and_end(quarter: Quarter, start: date, end: date) -> None:
    assert quarter.start == start
    assert quarter.end == end


def test_neighbours_cross_year_boundaries() -> None:
    assert Quarter(2026, 1).prev() == Quarter(2025, 4)
    assert Quarter(2025, 4).next() == Quarter(2026, 1)
    assert Quarter(2026, 2).prev() == Quarter(2026, 1)
    assert Quarter(2026, 2).next() == Quarter(2026, 3)


def test_index_is_consecutive_and_invertible() -> None:
    assert Quarter(2025, 4).index + 1 == Quarter(2026, 1).index
    assert Quarter(2026, 3).index == 2026 * 4 + 2
    for quarter in (Quarter(1900, 1), Quarter(2025, 4), Quarter(2026, 1), Quarter(2999, 4)):
        assert Quarter.from_index(quarter.index) == quarter


def test_ordering_follows_time() -> None:
    assert Quarter(2025, 4) < Quarter(2026, 1) < Quarter(2026, 2)
    assert max(Quarter(2026, 1), Quarter(2025, 4)) == Quarter(2026, 1)


def test_range_and_last_n() -> None:
    expected = [Quarter(2025, 3), Quarter(2025, 4), Quarter(2026, 1)]
    assert Quarter.range(Quarter(2025, 3), Quarter(2026, 1)) == expected
    assert Quarter.range(Quarter(2026, 1), Quarter(2025, 3)) == []
    assert Quarter(2026, 1).last_n(3) == expected
    assert Quarter(2026, 1).last_n(1) == [Quarter(2026, 1)]
    assert len(Quarter(2026, 4).last_n(8)) == 8


def test_quarter_index_of_a_series() -> None:
    dates = pd.Series([date(2026, 1, 20), None, date(2025, 12, 31)], dtype=object)
    result = quarter_index(dates)
    assert str(result.dtype) == "Int64"
    assert result.iloc[0] == Quarter(2026, 1).index
    assert result.iloc[1] is pd.NA
    assert result.iloc[2] == Quarter(2025, 4).index


def test_quarter_index_of_datetimes() -> None:
    dates = pd.Series(pd.to_datetime(["2026-04-01", None, "2026-09-30"]))
    assert quarter_index(dates).tolist() == [2026 * 4 + 1, pd.NA, 2026 * 4 + 2]


def test_quarter_index_of_nothing() -> None:
    assert quarter_index(pd.Series([], dtype="datetime64[ns]")).empty
