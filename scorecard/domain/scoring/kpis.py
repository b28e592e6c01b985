"""Stage 3: KPIs and the composite from the sums, and continuous improvement."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scorecard.domain.scoring.method import (
    COMPARE_DECIMALS,
    DECLINING,
    IMPROVING,
    MAX_CALIBRATION_ERROR,
    Method,
)

# --- KPIs and composite ------------------------------------------------------------------------


def kpis_from_sums(sums: pd.DataFrame, method: Method) -> pd.DataFrame:
    """The KPIs of SCORING.md for each row of sums (same index); empty figures are NaN."""

    def column(name: str) -> np.ndarray:
        return sums[name].to_numpy(dtype=float)

    n = column("n")
    figures = {
        "Impact index": _ratio(column("impact_sum"), n),
        "Shared value %": 100 * _ratio(column("shared_n"), n),
        "Harm %": 100 * _ratio(column("harm_n"), n),
        "Waste-neutral %": 100 * _ratio(column("waste_neutral_n"), n),
        "Net waste avoided": np.where(n > 0, column("net_waste_sum"), np.nan),
        "Net CO2e avoided (kg)": np.where(n > 0, column("net_co2e_sum"), np.nan),
        "Consultation %": _ratio(column("coverage_sum"), column("coverage_n")),
        "Review %": 100 * _ratio(column("reviewed_in_time_n"), column("review_due_n")),
        "Calibration error": _ratio(column("calibration_abs_sum"), column("calibration_n")),
    }
    kpis = pd.DataFrame(
        {"Decisions": n.astype(np.int64), **figures, "Composite": _composite(figures, n, method)},
        index=sums.index,
    )
    return kpis


def _composite(kpis: Mapping[str, np.ndarray], n: np.ndarray, method: Method) -> np.ndarray:
    """Weighted mean of the normalised non-empty KPIs, re-weighted; NaN with no decisions."""
    normalised = {
        "impact": (kpis["Impact index"] + 100) / 2,
        "shared": kpis["Shared value %"],
        "harm": 100 - kpis["Harm %"],
        "waste": kpis["Waste-neutral %"],
        "consultation": kpis["Consultation %"],
        "review": kpis["Review %"],
        "calibration": 100 * (1 - kpis["Calibration error"] / MAX_CALIBRATION_ERROR),
    }
    weighted = np.zeros(len(n))
    total = np.zeros(len(n))
    for key, values in normalised.items():
        weight = method.weights[key]
        # Empty KPIs and KPIs without weight drop out; the others are re-weighted.
        present = ~np.isnan(values) & (weight > 0)
        weighted += np.where(present, values * weight, 0.0)
        total += np.where(present, weight, 0.0)
    return np.where(n > 0, _ratio(weighted, total), np.nan)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where there is nothing to divide by."""
    result = np.full(len(numerator), np.nan)
    return np.divide(numerator, denominator, out=result, where=denominator > 0)


# --- continuous improvement --------------------------------------------------------------------


def improvement(kpis: pd.DataFrame) -> pd.DataFrame:
    """Add Previous composite, Change, Trend per quarter, Improving streak and Status.

    kpis is indexed by (team, quarter index); a missing row counts as an empty quarter.
    """
    if not kpis.index.is_unique:
        raise ValueError("improvement needs one row per (team, quarter)")
    teams = pd.factorize(np.asarray(kpis.index.get_level_values(0)))[0]
    quarters = np.asarray(kpis.index.get_level_values(1), dtype=np.int64)
    score = kpis["Composite"].to_numpy(dtype=float, na_value=np.nan)
    # One integer key per (team, quarter), each team in its own band, so looking a few
    # quarters back is one index lookup that never lands on another team.
    first = quarters.min() if len(quarters) else 0
    band = int(quarters.max() - first) + 8 if len(quarters) else 1
    keys = pd.Index(teams * band + (quarters - first + 4))

    def back(offset: int) -> np.ndarray:
        """Composite of the same team `offset` calendar quarters earlier (NaN if none)."""
        found = keys.get_indexer(keys - offset)
        return np.where(found >= 0, score[found], np.nan)

    previous = back(1)
    change = score - previous
    rounded = np.round(change, COMPARE_DECIMALS)
    status = np.select(
        [np.isnan(rounded), rounded >= IMPROVING, rounded <= DECLINING],
        ["new", "improving", "declining"],
        default="steady",
    )
    window = np.column_stack([back(3), back(2), previous, score])
    result = kpis.copy()
    result["Previous composite"] = previous
    result["Change"] = change
    result["Trend per quarter"] = _slopes(window)
    result["Improving streak"] = _streaks(teams, quarters, rounded > 0)
    result["Status"] = status.astype(object)
    return result


def _slopes(window: np.ndarray) -> np.ndarray:
    """Least-squares slope per row of (q−3, q−2, q−1, q) values, over ≥ 3 present ones."""
    present = ~np.isnan(window)
    count = present.sum(axis=1)
    x = np.broadcast_to(np.arange(-3.0, 1.0), window.shape)
    y = np.where(present, window, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = (x * present).sum(axis=1) / count
        y_mean = y.sum(axis=1) / count
        dx = np.where(present, x - x_mean[:, None], 0.0)
        dy = np.where(present, y - y_mean[:, None], 0.0)
        slope = (dx * dy).sum(axis=1) / (dx * dx).sum(axis=1)
    return np.where(count >= 3, slope, np.nan)


def _streaks(teams: np.ndarray, quarters: np.ndarray, improved: np.ndarray) -> np.ndarray:
    """Consecutive quarters ending at each row with change > 0.

    A row that improved always has its previous quarter's row just before it in
    (team, quarter) order, so runs of improved rows in that order are runs of quarters.
    """
    codes = pd.factorize(teams)[0]
    order = np.lexsort((quarters, codes))
    ordered = improved[order]
    team_codes = codes[order]
    new_team = np.r_[True, team_codes[1:] != team_codes[:-1]]
    run = np.cumsum(~ordered | new_team)
    streak_ordered = pd.Series(ordered.astype(np.int64)).groupby(run).cumsum().to_numpy()
    streaks = np.empty_like(streak_ordered)
    streaks[order] = streak_ordered
    return streaks
