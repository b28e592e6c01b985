"""Which decisions a figure counts: the log's filters of the scoring method, read off the very
rows the sums add up (`contributions`), so a filtered log lists exactly what a KPI counted."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from scorecard.domain.quarters import Quarter

CONSULTATION = ("defined", "full", "partial", "none")


@dataclass(frozen=True)
class Counted:
    """A question to the scoring method about each scored decision; None asks nothing."""

    decided_in: int | None = None  # quarter index of decided_on (cut at today)
    harm: bool | None = None
    shared: bool | None = None
    waste_neutral: bool | None = None
    consultation: str | None = None  # defined, full (100 %), partial, none (0 %)
    due_in: int | None = None  # quarter index of review_due (cut at today)
    in_time: bool | None = None  # with due_in: reviewed on or before the due quarter's end
    reviewed_in: int | None = None  # quarter index of a review with impacts assessed again

    def __post_init__(self) -> None:
        if self.consultation is not None and self.consultation not in CONSULTATION:
            raise ValueError(f"consultation must be one of {', '.join(CONSULTATION)}")

    @property
    def empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


def matching(parts: pd.DataFrame, asked: Counted) -> pd.Index:
    """Ids of the decisions (rows of `contributions`) that answer yes to every question."""
    keep = np.ones(len(parts), dtype=bool)

    def where(condition: np.ndarray) -> None:
        nonlocal keep
        keep &= condition

    def yes(column: str) -> np.ndarray:
        return parts[column].to_numpy() == 1

    if asked.decided_in is not None:
        where(parts["decided_q"].to_numpy() == asked.decided_in)
    for name, column in (("harm", "harm_n"), ("shared", "shared_n")):
        wanted = getattr(asked, name)
        if wanted is not None:
            where(yes(column) == wanted)
    if asked.waste_neutral is not None:
        where(yes("waste_neutral_n") == asked.waste_neutral)
    if asked.consultation is not None:
        coverage = parts["coverage"].to_numpy(dtype=float)
        defined = yes("coverage_n")
        where(
            {
                "defined": defined,
                "full": defined & (np.round(coverage, 9) >= 100),
                "partial": defined & (coverage > 0) & (np.round(coverage, 9) < 100),
                "none": defined & (coverage == 0),
            }[asked.consultation]
        )
    if asked.due_in is not None:
        where(parts["due_q"].to_numpy() == asked.due_in)
    if asked.in_time is not None:
        where(~np.isnan(parts["due_q"].to_numpy(dtype=float)))
        where(yes("reviewed_in_time_n") == asked.in_time)
    if asked.reviewed_in is not None:
        where(parts["calibration_q"].to_numpy() == asked.reviewed_in)
    return parts.index[keep]


# What each KPI of a team-quarter counts: the decisions of its numerator where it is a share
# of decisions (Harm %: the harmful ones), those it averages over otherwise.
KPI_COUNTS: dict[str, dict[str, object]] = {
    "Decisions": {},
    "Impact index": {},
    "Shared value %": {"shared": True},
    "Harm %": {"harm": True},
    "Waste-neutral %": {"waste_neutral": True},
    "Net waste avoided": {},
    "Net CO2e avoided (kg)": {},
    "Consultation %": {"consultation": "defined"},
    "Review %": {},
    "Calibration error": {},
    "Composite": {},
}


def counted_by(kpi: str, quarter: int) -> Counted:
    """The decisions that the KPI of a quarter counts (as log filters)."""
    if kpi not in KPI_COUNTS:
        raise ValueError(f"unknown KPI {kpi!r}")
    if kpi == "Review %":
        return Counted(due_in=quarter)
    if kpi == "Calibration error":
        return Counted(reviewed_in=quarter)
    return Counted(decided_in=quarter, **KPI_COUNTS[kpi])  # type: ignore[arg-type]


# The decision log's address parameters for each question (yes/no answers as "yes"/"no").
QUERY_NAMES = {
    "decided_in": "quarter",
    "harm": "harm",
    "shared": "shared",
    "waste_neutral": "neutral",
    "consultation": "consultation",
    "due_in": "due_in",
    "in_time": "in_time",
    "reviewed_in": "reviewed_in",
}


def as_query(asked: Counted) -> dict[str, str]:
    """The log's address parameters that ask the same question (always with scored=1)."""
    query = {"scored": "1"}
    for field in fields(asked):
        value = getattr(asked, field.name)
        if value is None:
            continue
        name = QUERY_NAMES[field.name]
        if field.name in ("decided_in", "due_in", "reviewed_in"):
            query[name] = str(Quarter.from_index(int(value)))
        elif isinstance(value, bool):
            query[name] = "yes" if value else "no"
        else:
            query[name] = str(value)
    return query
