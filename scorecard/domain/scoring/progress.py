"""A quarter in progress (SCORING.md): cut at today, compared with the previous quarter cut at
the same day.

On day d of a quarter q that has not ended, q's KPIs are those of q cut at day d, and every
comparison with q−1 (Previous composite, Change, Status, the KPI changes) uses q−1 cut at its
own day d (its last day if it is shorter). A complete quarter is never cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from scorecard.domain.quarters import Quarter


@dataclass(frozen=True)
class Progress:
    """How far a quarter in progress has come: day `day` of `days`."""

    quarter: Quarter
    day: int
    days: int

    @property
    def cut(self) -> date:
        """The last day counted in the quarter: today."""
        return self.quarter.start + timedelta(days=self.day - 1)

    @property
    def previous_cut(self) -> date:
        """The previous quarter's own day d (its last day if it is shorter)."""
        previous = self.quarter.prev()
        return min(previous.start + timedelta(days=self.day - 1), previous.end)

    @property
    def label(self) -> str:
        return f"in progress, day {self.day} of {self.days}"


def progress(quarter: Quarter, today: date) -> Progress | None:
    """The progress of a quarter on `today`; None when it is complete (or not begun)."""
    if not quarter.start <= today <= quarter.end:
        return None
    days = (quarter.end - quarter.start).days + 1
    return Progress(quarter, (today - quarter.start).days + 1, days)


@dataclass(frozen=True)
class Cut:
    """The sums of a quarter in progress cut at its day d, and of the quarter before cut at
    that quarter's own day d: both indexed like `quarter_sums` (team_id, quarter index)."""

    progress: Progress
    current: pd.DataFrame  # rows of quarter q only
    previous: pd.DataFrame  # rows of quarter q−1 only

    @property
    def quarter(self) -> int:
        return self.progress.quarter.index


def with_cut(sums: pd.DataFrame, cut: Cut | None) -> pd.DataFrame:
    """The sums with the cells of the quarter in progress replaced by their cut figures."""
    if cut is None:
        return sums
    kept = sums[sums.index.get_level_values(1) != cut.quarter]
    current = cut.current[cut.current.index.get_level_values(1) == cut.quarter]
    return pd.concat([kept, current.reindex(columns=sums.columns, fill_value=0)]).sort_index()
