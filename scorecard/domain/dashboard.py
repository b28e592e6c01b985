"""What the dashboard says about the figures: which KPI cards it shows and how it words
them, the table of the last quarters, and which teams moved most. Pure: figures in, plain
dicts out; the view only renders them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from scorecard.domain import scoring
from scorecard.domain.kpi_changes import kpi_changes

# The composite leads; the other KPIs follow in the order of the scorecard.
CARD_KPIS = ("Composite", *(k for k in scoring.KPI_COLUMNS if k != "Composite"))
KPI_HELP = {
    "Composite": "Weighted mean of the KPIs, 0–100",
    "Decisions": "Decided or reviewed this quarter",
    "Impact index": "Mean impact on all groups, −100 to +100",
    "Shared value %": "Good for society and business, harming no one",
    "Harm %": "Seriously harm some group (lower is better)",
    "Waste-neutral %": "Create no net waste",
    "Net waste avoided": "Money, avoided minus created",
    "Net CO2e avoided (kg)": "Avoided minus created",
    "Consultation %": "Affected groups that were asked first",
    "Review %": "Reviews due this quarter done in time",
    "Calibration error": "Estimate vs actual after review, 0–6 (lower is better)",
}
KPI_PLACES = {
    "Decisions": 0,
    "Net waste avoided": 0,
    "Net CO2e avoided (kg)": 0,
    "Calibration error": 2,
}
STATUSES = ("improving", "steady", "declining", "new")


def kpi_cards(
    current: Mapping[str, Any], previous: Mapping[str, Any], url: str
) -> list[dict[str, Any]]:
    """The KPI cards: each KPI's value, its change since the previous quarter and its words."""
    return [
        {
            "name": change.name,
            "value": change.value,
            "previous": change.previous,
            "change": change.change,
            "status": change.status,
            "help": KPI_HELP[change.name],
            "places": KPI_PLACES.get(change.name, 1),
            "url": url,
        }
        for change in kpi_changes(current, previous, CARD_KPIS)
    ]


def kpi_history(series: pd.DataFrame) -> list[dict[str, Any]]:
    """KPIs per quarter for the table of the last quarters, newest first."""
    newest_first = series.iloc[::-1]
    return [
        {"quarter": quarter, **row}
        for quarter, row in zip(newest_first.index, newest_first.to_dict("records"), strict=True)
    ]


def rank_movers(teams: list[dict[str, Any]]) -> dict[str, Any]:
    """The teams in order of their change (largest rise first), the three that improved and
    declined most, and how many teams have each status."""
    changed = sorted((t for t in teams if t["Change"] is not None), key=lambda t: -t["Change"])
    return {
        "changed": changed,
        "improved": [t for t in changed if t["Status"] == "improving"][:3],
        "declined": [t for t in reversed(changed) if t["Status"] == "declining"][:3],
        "counts": {s: sum(t["Status"] == s for t in teams) for s in STATUSES},
    }
