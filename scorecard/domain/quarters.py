"""Calendar quarters, written `2026Q3`, and their consecutive integer index."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

_QUARTER = re.compile(r"(\d{4})\s*Q([1-4])", re.IGNORECASE)
_FIRST_YEAR, _LAST_YEAR = 1900, 2999


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; ordering follows time."""

    year: int
    q: int

    def __post_init__(self) -> None:
        if self.q not in (1, 2, 3, 4):
            raise ValueError(f"quarter number must be 1..4, got {self.q}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read `2026Q3` (any case, surrounding spaces allowed)."""
        match = _QUARTER.fullmatch(str(text).strip())
        if match is None:
            raise ValueError(f"quarter must look like 2026Q3, got {text!r}")
        year = int(match.group(1))
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            raise ValueError(
                f"quarter must look like 2026Q3 with a year in {_FIRST_YEAR}..{_LAST_YEAR},"
                f" got {text!r}"
            )
        return cls(year, int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter a date (or datetime) falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        """Inverse of `index`."""
        year, rest = divmod(int(index), 4)
        return cls(year, rest + 1)

    @classmethod
    def range(cls, first: Quarter, last: Quarter) -> list[Quarter]:
        """Every quarter from first to last, both included (empty if last < first)."""
        return [cls.from_index(i) for i in range(first.index, last.index + 1)]

    @property
    def index(self) -> int:
        """Consecutive integer: the next quarter is index + 1, also across years."""
        return self.year * 4 + self.q - 1

    @property
    def start(self) -> date:
        """First day of the quarter."""
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        """Last day of the quarter."""
        return self.next().start - timedelta(days=1)

    def prev(self) -> Quarter:
        """The quarter just before."""
        return Quarter.from_index(self.index - 1)

    def next(self) -> Quarter:
        """The quarter just after."""
        return Quarter.from_index(self.index + 1)

    def last_n(self, n: int) -> list[Quarter]:
        """The n quarters ending at this one, oldest first."""
        return [Quarter.from_index(i) for i in range(self.index - n + 1, self.index + 1)]

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"


def quarter_index(dates: pd.Series) -> pd.Series:
    """Quarter index of each date (datetime64, python dates or None); NaT gives <NA>."""
    moments = pd.to_datetime(dates)
    index = moments.dt.year * 4 + (moments.dt.month - 1) // 3
    return index.astype("Int64")
