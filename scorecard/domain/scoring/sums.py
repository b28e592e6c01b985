"""Stage 2: the additive per-(team, quarter) sums of the decisions' figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scorecard.domain.quarters import quarter_index
from scorecard.domain.scoring.decisions import _require, _score, _unique_ids
from scorecard.domain.scoring.method import (
    COMPARE_DECIMALS,
    COUNT_SUM_COLUMNS,
    DECISION_COLUMNS,
    SCORED_STATUSES,
    SUMS_INDEX,
    Method,
    sum_columns,
)

# --- per (team, quarter) sums ----------------------------------------------------------------


def quarter_sums(
    decisions: pd.DataFrame, impacts: pd.DataFrame, waste: pd.DataFrame, method: Method
) -> pd.DataFrame:
    """Additive sums per (team_id, quarter index) of the scored decisions.

    Decision counts and figures go by the quarter of decided_on, the review counts by that of
    review_due, calibration by that of reviewed_on. Adding rows over teams gives all teams.
    """
    # Long on purpose: one vectorised pass; each block feeds the next sums.
    _require(decisions, "decisions", DECISION_COLUMNS)
    _unique_ids(decisions["id"])
    scored_mask = decisions["status"].isin(SCORED_STATUSES) & ~decisions["archived"].eq(True)
    scored = decisions.loc[scored_mask.to_numpy(dtype=bool)]
    scores = _score(_unique_ids(scored["id"]), impacts, waste, method, actual=False)
    team = scored["team_id"].to_numpy()
    figures = scores.figures

    decided = pd.DataFrame(
        {
            "n": 1,
            "impact_sum": figures["impact_index"].to_numpy(),
            "shared_n": figures["shared_value"].to_numpy(dtype=int),
            "harm_n": figures["harm"].to_numpy(dtype=int),
            "waste_neutral_n": _neutral(figures["net_waste"].to_numpy()).astype(int),
            "net_waste_sum": figures["net_waste"].to_numpy(),
            "net_co2e_sum": figures["net_co2e"].to_numpy(),
            "coverage_sum": np.nan_to_num(figures["coverage"].to_numpy(), nan=0.0),
            "coverage_n": figures["coverage"].notna().to_numpy(dtype=int),
        }
        | {f"group_{g.id}_sum": scores.estimate[:, j] for j, g in enumerate(method.groups)}
        | {f"waste_{c.id}_sum": scores.money[:, j] for j, c in enumerate(method.categories)}
        | {f"co2e_{c.id}_sum": scores.co2e[:, j] for j, c in enumerate(method.categories)},
        index=figures.index,
    )

    due_q = quarter_index(scored["review_due"]).to_numpy(dtype=float, na_value=np.nan)
    reviewed_q = quarter_index(scored["reviewed_on"]).to_numpy(dtype=float, na_value=np.nan)
    # Reviewed on or before the last day of the due quarter = reviewed in that quarter or earlier.
    reviews = pd.DataFrame(
        {"review_due_n": 1, "reviewed_in_time_n": (reviewed_q <= due_q).astype(int)},
        index=figures.index,
    )

    errors = np.abs(scores.estimate - scores.actual)
    calibration = pd.DataFrame(
        {
            "calibration_abs_sum": np.nansum(errors, axis=1),
            "calibration_n": (~np.isnan(errors)).sum(axis=1),
        },
        index=figures.index,
    )

    decided_q = quarter_index(scored["decided_on"]).to_numpy(dtype=float, na_value=np.nan)
    parts = [
        _by_team_quarter(decided, team, decided_q),
        _by_team_quarter(reviews, team, due_q),
        _by_team_quarter(
            calibration, team, np.where(calibration["calibration_n"] > 0, reviewed_q, np.nan)
        ),
    ]
    sums = pd.concat(parts, axis=1).fillna(0)
    return _typed_sums(sums, method)


def as_sums(sums: pd.DataFrame, method: Method) -> pd.DataFrame:
    """Sums from elsewhere (e.g. stored per cell) in the shape `quarter_sums` returns.

    Every column of the method in order (missing ones are 0), counts as int, sorted by
    (team_id, quarter); rows whose sums are all zero are dropped, as `quarter_sums` never has them.
    """
    typed = _typed_sums(sums, method)
    return typed.loc[typed.to_numpy(dtype=float).any(axis=1)] if len(typed) else typed


def _neutral(net_waste: np.ndarray) -> np.ndarray:
    """N ≥ 0, so that lines that cancel out exactly count as neutral despite float noise."""
    return np.round(net_waste, COMPARE_DECIMALS) >= 0


def _by_team_quarter(rows: pd.DataFrame, team: np.ndarray, quarter: np.ndarray) -> pd.DataFrame:
    """Sum rows per (team, quarter), leaving out rows without a quarter."""
    dated = ~np.isnan(quarter)
    keys = pd.MultiIndex.from_arrays(
        [team[dated].astype(np.int64), quarter[dated].astype(np.int64)], names=SUMS_INDEX
    )
    return rows.loc[dated].set_axis(keys).groupby(level=list(SUMS_INDEX)).sum()


def _typed_sums(sums: pd.DataFrame, method: Method) -> pd.DataFrame:
    """All columns of the method in order, counts as int, sums as float, sorted by key."""
    sums = sums.sort_index()
    index = pd.MultiIndex.from_arrays(
        [
            np.asarray(sums.index.get_level_values(i), dtype=np.int64)
            for i in range(len(SUMS_INDEX))
        ],
        names=SUMS_INDEX,
    )
    zeros = np.zeros(len(sums))
    columns = {
        c: (sums[c].to_numpy() if c in sums else zeros).astype(
            np.int64 if c in COUNT_SUM_COLUMNS else np.float64
        )
        for c in sum_columns(method)
    }
    return pd.DataFrame(columns, index=index)
