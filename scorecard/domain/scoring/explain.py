"""Why a KPI is what it is: each counted decision's part in it and in its change.

A KPI of a team-quarter is a ratio of sums, Σ a / Σ b (a mean, a share, or pooled errors), or a
plain sum Σ a. A decision's contribution is its a / Σ b (or a): the contributions add up to the
KPI. Against last quarter's figure p, a decision pushes the KPI by (a − p·b) / Σ b (or a − p/n):
the pushes add up to the change, so the biggest ones are the decisions that moved it most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scorecard.domain.scoring.counted import Counted

# KPI -> (column a, column b or None for a sum, scale)
RATIOS: dict[str, tuple[str, str | None, float]] = {
    "Decisions": ("n", None, 1.0),
    "Impact index": ("impact_sum", "n", 1.0),
    "Shared value %": ("shared_n", "n", 100.0),
    "Harm %": ("harm_n", "n", 100.0),
    "Waste-neutral %": ("waste_neutral_n", "n", 100.0),
    "Net waste avoided": ("net_waste_sum", None, 1.0),
    "Net CO2e avoided (kg)": ("net_co2e_sum", None, 1.0),
    "Consultation %": ("coverage_sum", "coverage_n", 1.0),
    "Review %": ("reviewed_in_time_n", "review_due_n", 100.0),
    "Calibration error": ("calibration_abs_sum", "calibration_n", 1.0),
}


def averaged_over(kpi: str, quarter: int) -> Counted:
    """The decisions a KPI of a quarter is made of (its denominator): decided in the quarter,
    and for the others those with a consultation coverage, due for review or reviewed."""
    if kpi == "Review %":
        return Counted(due_in=quarter)
    if kpi == "Calibration error":
        return Counted(reviewed_in=quarter)
    if kpi == "Consultation %":
        return Counted(decided_in=quarter, consultation="defined")
    return Counted(decided_in=quarter)


@dataclass(frozen=True)
class Parts:
    """The decisions behind a KPI (indexed by id): own figure, contribution, push."""

    value: float | None
    rows: pd.DataFrame  # columns own, contribution, push (NaN without a previous figure)


def kpi_parts(parts: pd.DataFrame, kpi: str, previous: float | None) -> Parts:
    """Each decision's part in the KPI, over the rows of `contributions` it is made of."""
    a_column, b_column, scale = RATIOS[kpi]
    a = parts[a_column].to_numpy(dtype=float)
    if b_column is None:
        value = float(a.sum()) if len(a) else None
        own, contribution = a, a
        n = len(a)
        push = a - previous / n if previous is not None and n else np.full(len(a), np.nan)
    else:
        b = parts[b_column].to_numpy(dtype=float)
        total = b.sum()
        value = float(scale * a.sum() / total) if total > 0 else None
        with np.errstate(invalid="ignore", divide="ignore"):
            own = np.where(b > 0, scale * a / b, np.nan)
            contribution = scale * a / total if total > 0 else np.full(len(a), np.nan)
            if previous is not None and total > 0:
                push = (scale * a - previous * b) / total
            else:
                push = np.full(len(a), np.nan)
    if value is not None and math.isnan(value):
        value = None
    rows = pd.DataFrame({"own": own, "contribution": contribution, "push": push}, index=parts.index)
    return Parts(value, rows)
