"""How each KPI moved against the previous quarter, in the words of the composite's status.

SCORING.md defines the status of the composite: improving at +2.0 points or more, declining at
−2.0 or less, steady between, new when there is nothing to compare. A KPI card says the same
of its own KPI, on the scale the composite gives it: a KPI that feeds the composite is
normalised to 0..100 as the composite normalises it (so lower is better for Harm % and the
calibration error), and the ±2.0 rule applies to that. The money and CO2e sums have no such
scale: more avoided is better, and a move under 2 % of last quarter's size counts as steady.
The number of decisions is neither better nor worse, so it has a change but no status.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scorecard.domain.scoring import COMPARE_DECIMALS, DECLINING, IMPROVING, MAX_CALIBRATION_ERROR

# Points of the composite's 0..100 scale per unit of the KPI (negative: lower is better).
COMPOSITE_SCALE: dict[str, float] = {
    "Composite": 1.0,
    "Impact index": 0.5,
    "Shared value %": 1.0,
    "Harm %": -1.0,
    "Waste-neutral %": 1.0,
    "Consultation %": 1.0,
    "Review %": 1.0,
    "Calibration error": -100.0 / MAX_CALIBRATION_ERROR,
}
MORE_IS_BETTER = ("Net waste avoided", "Net CO2e avoided (kg)")
STEADY_SHARE = 0.02
NO_STATUS = ("Decisions",)


@dataclass(frozen=True)
class KpiChange:
    """One KPI this quarter and last; empty figures are None."""

    name: str
    value: float | None
    previous: float | None
    change: float | None
    status: str | None  # improving, steady, declining, new; None for a KPI without a direction


def _figure(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def kpi_status(name: str, previous: float | None, value: float | None) -> str | None:
    """The status of one KPI's move from previous to value."""
    if name in NO_STATUS:
        return None
    if previous is None or value is None:
        return "new"
    change = value - previous
    if name in MORE_IS_BETTER:
        threshold = STEADY_SHARE * abs(previous)
        rounded = round(change, COMPARE_DECIMALS)
        if rounded > 0 and rounded >= threshold:
            return "improving"
        return "declining" if rounded < 0 and -rounded >= threshold else "steady"
    if name not in COMPOSITE_SCALE:
        raise ValueError(f"no direction is known for the KPI {name!r}")
    points = round(change * COMPOSITE_SCALE[name], COMPARE_DECIMALS)
    if points >= IMPROVING:
        return "improving"
    return "declining" if points <= DECLINING else "steady"


def kpi_changes(
    current: Mapping[str, object], previous: Mapping[str, object], names: tuple[str, ...]
) -> list[KpiChange]:
    """Each named KPI with its previous value, change and status.

    The composite's change and status are those of the scoring module (the current row's
    Change and Status), which the rule above reproduces for it.
    """
    changes = []
    for name in names:
        value, before = _figure(current.get(name)), _figure(previous.get(name))
        change = None if value is None or before is None else value - before
        status = kpi_status(name, before, value)
        if name == "Composite" and "Status" in current:
            change = _figure(current.get("Change"))
            status = str(current["Status"])
        changes.append(KpiChange(name, value, before, change, status))
    return changes
