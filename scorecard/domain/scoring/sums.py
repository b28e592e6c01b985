"""Stage 2: the additive per-(team, quarter) sums of the decisions' figures."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

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
    decisions: pd.DataFrame,
    impacts: pd.DataFrame,
    waste: pd.DataFrame,
    method: Method,
    *,
    upto: date | None = None,
) -> pd.DataFrame:
    """Additive sums per (team_id, quarter index) of the scored decisions.

    Decision counts and figures go by the quarter of decided_on, the review counts by that of
    review_due, calibration by that of reviewed_on. Adding rows over teams gives all teams.
    With upto, every quarter is cut at that day (see `contributions`): only the cell of the
    quarter that day falls in is then meant to be read.
    """
    parts = contributions(decisions, impacts, waste, method, upto=upto)
    team = parts["team_id"].to_numpy()
    decided = [c for c in parts.columns if c in DECIDED_SUMS or c.startswith(PER_ITEM)]
    sums = pd.concat(
        [
            _by_team_quarter(parts[decided], team, parts["decided_q"].to_numpy()),
            _by_team_quarter(parts[list(REVIEW_SUMS)], team, parts["due_q"].to_numpy()),
            _by_team_quarter(
                parts[list(CALIBRATION_SUMS)], team, parts["calibration_q"].to_numpy()
            ),
        ],
        axis=1,
    ).fillna(0)
    return _typed_sums(sums, method)


# What one decision adds to the cell of its decided quarter, of its review's due quarter and
# of its review's quarter: the sums' columns in three blocks.
DECIDED_SUMS = (
    "n",
    "impact_sum",
    "shared_n",
    "harm_n",
    "waste_neutral_n",
    "net_waste_sum",
    "net_co2e_sum",
    "coverage_sum",
    "coverage_n",
)
REVIEW_SUMS = ("review_due_n", "reviewed_in_time_n")
CALIBRATION_SUMS = ("calibration_abs_sum", "calibration_n")
QUARTER_COLUMNS = ("decided_q", "due_q", "calibration_q")
PER_ITEM = ("group_", "waste_", "co2e_")  # per stakeholder group and waste category


# Long on purpose: the method's steps per decision in docs/scoring.md's order, vectorised.
def contributions(
    decisions: pd.DataFrame,
    impacts: pd.DataFrame,
    waste: pd.DataFrame,
    method: Method,
    *,
    upto: date | None = None,
) -> pd.DataFrame:
    """What each scored decision adds to the sums, and to which quarters: the one definition
    of what every KPI counts (the sums add these rows up, the log's filters select them).

    Indexed by decision id; columns team_id, decided_q, due_q and calibration_q (the quarter
    index each block goes to, NaN where it goes nowhere), then DECIDED_SUMS, REVIEW_SUMS,
    CALIBRATION_SUMS and the per group and category sums of `sum_columns`.

    With upto, a quarter is cut at that day (SCORING.md, "A quarter in progress"): only what
    lies on or before it counts: decided on it or before, due for review on it or before
    (reviewed in time only if reviewed on it or before), reviewed on it or before.
    """
    _require(decisions, "decisions", DECISION_COLUMNS)
    _unique_ids(decisions["id"])
    scored_mask = decisions["status"].isin(SCORED_STATUSES) & ~decisions["archived"].eq(True)
    scored = decisions.loc[scored_mask.to_numpy(dtype=bool)]
    scores = _score(_unique_ids(scored["id"]), impacts, waste, method, actual=False)
    figures = scores.figures
    decided_on, review_due, reviewed_on = (
        _upto(scored[c], upto) for c in ("decided_on", "review_due", "reviewed_on")
    )

    decided = {
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
    due_q = _quarters(review_due)
    reviewed_q = _quarters(reviewed_on)
    errors = np.abs(scores.estimate - scores.actual)
    calibration_n = (~np.isnan(errors)).sum(axis=1)
    frame = pd.DataFrame(
        {
            "team_id": scored["team_id"].to_numpy(),
            "decided_q": _quarters(decided_on),
            "due_q": due_q,
            "calibration_q": np.where(calibration_n > 0, reviewed_q, np.nan),
            **decided,
            # Reviewed on or before the last day of the due quarter: in that quarter or earlier.
            "review_due_n": 1,
            "reviewed_in_time_n": (reviewed_q <= due_q).astype(int),
            "calibration_abs_sum": np.nansum(errors, axis=1),
            "calibration_n": calibration_n,
        }
        | {f"group_{g.id}_sum": scores.estimate[:, j] for j, g in enumerate(method.groups)}
        | {f"waste_{c.id}_sum": scores.money[:, j] for j, c in enumerate(method.categories)}
        | {f"co2e_{c.id}_sum": scores.co2e[:, j] for j, c in enumerate(method.categories)},
        index=figures.index,
    )
    frame["coverage"] = figures["coverage"].to_numpy()
    return frame


def signed_cell_sums(
    parts: pd.DataFrame, signs: np.ndarray, method: Method
) -> dict[tuple[int, int], np.ndarray]:
    """What rows of `contributions` add to each (team_id, quarter index) cell, each row weighed
    by its sign (+1 added, -1 taken away), in the order of `sum_columns`: with the rows of some
    decisions before a write taken away and the same decisions after it added, the difference
    the write makes to `quarter_sums`. Plain numpy: a write touches a few rows."""
    columns = sum_columns(method)
    position = {name: i for i, name in enumerate(columns)}
    blocks = (
        ("decided_q", [c for c in columns if c in DECIDED_SUMS or c.startswith(PER_ITEM)]),
        ("due_q", list(REVIEW_SUMS)),
        ("calibration_q", list(CALIBRATION_SUMS)),
    )
    # One matrix of the whole frame, read by column positions: pandas' selection of columns
    # costs more than the sums of a write's few rows.
    matrix = parts.to_numpy(dtype=float)
    of = {name: i for i, name in enumerate(parts.columns)}
    teams = matrix[:, of["team_id"]].astype(np.int64)
    signed = matrix * np.asarray(signs, dtype=float)[:, None]
    sums: dict[tuple[int, int], np.ndarray] = {}
    for quarter_column, names in blocks:
        quarters = matrix[:, of[quarter_column]]
        values = signed[:, [of[name] for name in names]]
        at = np.array([position[name] for name in names])
        for row in np.flatnonzero(~np.isnan(quarters)):
            cell = (int(teams[row]), int(quarters[row]))
            if cell not in sums:
                sums[cell] = np.zeros(len(columns))
            sums[cell][at] += values[row]
    return sums


def _upto(dates: pd.Series, upto: date | None) -> pd.Series:
    """The dates as datetimes, those after `upto` (if any) left out (NaT)."""
    # Datetimes already (the numbers of a write, a rebuild): no parsing, pandas' costliest step
    # for a handful of rows.
    moments = dates if pd.api.types.is_datetime64_dtype(dates.dtype) else pd.to_datetime(dates)
    if upto is None:
        return moments
    return moments.where(moments <= pd.Timestamp(upto))


def _quarters(moments: pd.Series) -> np.ndarray:
    """`quarter_index` of datetimes as floats, NaN for none: in numpy, as a write scores a
    handful of decisions and pandas' per-call cost would be most of it."""
    values = moments.to_numpy(dtype="datetime64[ns]")
    months = values.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    quarters = ((months // 12 + 1970) * 4 + (months % 12) // 3).astype(float)
    return np.where(np.isnat(values), np.nan, quarters)


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
