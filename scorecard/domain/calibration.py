"""Calibration: how close a person's estimates came to what really happened. Pure code.

For each reviewed decision and stakeholder group with an actual impact, the gap is
|estimate − actual| on the −3..+3 scale (0 is a perfect estimate, 6 the worst). A quarter's
gap is the mean over its decisions (by the quarter they were decided in), per group and over
all groups. The improving streak counts the latest quarters, one after another, in which the
overall gap was smaller than in the quarter before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from scorecard.domain.quarters import Quarter


@dataclass(frozen=True)
class Estimate:
    quarter: Quarter
    group: str
    estimate: int
    actual: int


@dataclass(frozen=True)
class QuarterGap:
    quarter: Quarter
    overall: float
    by_group: dict[str, float]
    count: int  # estimates compared


def gaps(estimates: Iterable[Estimate]) -> list[QuarterGap]:
    """The mean gap of each quarter that has a reviewed estimate, oldest first."""
    by_quarter: dict[Quarter, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for item in estimates:
        by_quarter[item.quarter][item.group].append(abs(item.estimate - item.actual))
    result = []
    for quarter in sorted(by_quarter, key=lambda q: q.index):
        groups = by_quarter[quarter]
        every = [gap for values in groups.values() for gap in values]
        result.append(
            QuarterGap(
                quarter,
                sum(every) / len(every),
                {group: sum(values) / len(values) for group, values in groups.items()},
                len(every),
            )
        )
    return result


def improving_streak(quarters: list[QuarterGap]) -> int:
    """How many of the latest quarters in a row had a smaller gap than the one before."""
    streak = 0
    for before, after in zip(reversed(quarters[:-1]), reversed(quarters[1:]), strict=True):
        if after.quarter.index - before.quarter.index != 1 or after.overall >= before.overall:
            break
        streak += 1
    return streak
