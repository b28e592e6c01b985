"""Stage 1 of the scoring method: the figures of each decision."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scorecard.domain.scoring.method import (
    COMPARE_DECIMALS,
    HARM_AT,
    IMPACT_COLUMNS,
    MAX_IMPACT,
    WASTE_COLUMNS,
    Category,
    Group,
    Method,
)

# --- figures of decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class _Scores:
    """Figures of n decisions as arrays aligned with their ids."""

    ids: pd.Index
    estimate: np.ndarray  # (n, groups) impacts as estimated
    actual: np.ndarray  # (n, groups) actual impacts, NaN where not assessed
    figures: pd.DataFrame  # FIGURE_COLUMNS, indexed by ids
    money: np.ndarray  # (n, categories) net money avoided
    co2e: np.ndarray  # (n, categories) net kg CO2e avoided


def decision_figures(
    decisions: pd.DataFrame,
    impacts: pd.DataFrame,
    waste: pd.DataFrame,
    method: Method,
    *,
    actual: bool = False,
) -> pd.DataFrame:
    """Figures of every decision, whatever its status, indexed by decision id.

    With actual=True, assessed actual impacts and waste replace the estimates ("what really
    happened"); coverage then counts the groups that were really affected.
    """
    _require(decisions, "decisions", ("id",))
    ids = _unique_ids(decisions["id"])
    return _score(ids, impacts, waste, method, actual=actual).figures


ROW_COLUMNS = ("impact_index", "harm", "shared_value")


def row_figures(
    ids: Sequence[int], impacts: np.ndarray, method: Method
) -> dict[int, dict[str, float | bool]]:
    """The figures a list of decisions shows on each row, as {id: {ROW_COLUMNS…}}: those of
    `decision_figures`, by the same rule (`_index_figures`), which need the estimated impacts
    alone, given as rows of (decision_id, group_id, impact); a missing row is 0. Plain numbers,
    not frames: for the 50 rows of a page, pandas' per-call cost would be most of the work."""
    position = {int(i): row for row, i in enumerate(ids)}
    if len(position) != len(ids):
        raise ValueError("decision ids must be unique")
    columns = {g.id: j for j, g in enumerate(method.groups)}
    estimate = np.zeros((len(ids), len(method.groups)))
    for decision_id, group_id, impact in impacts.tolist():
        row, column = position.get(int(decision_id)), columns.get(int(group_id))
        if row is not None and column is not None:  # other decisions or groups are ignored
            estimate[row, column] = impact
    figures = _index_figures(estimate, method)
    values = zip(
        figures["impact_index"].tolist(),
        figures["harm"].tolist(),
        figures["shared_value"].tolist(),
        strict=True,
    )
    return {
        int(i): dict(zip(ROW_COLUMNS, (index, harm, shared), strict=True))
        for i, (index, harm, shared) in zip(ids, values, strict=True)
    }


def _index_figures(effective: np.ndarray, method: Method) -> dict[str, np.ndarray]:
    """The figures of the impacts alone, per row of (decision, group) impacts: impact,
    societal and business indexes, harm and shared value."""
    weights = np.array([g.weight for g in method.groups], dtype=float)
    owner = np.array([g.is_owner for g in method.groups], dtype=bool)
    business = _index(effective[:, owner], weights[owner])
    societal = _index(effective[:, ~owner], weights[~owner])
    harm = (effective <= HARM_AT).any(axis=1)
    business_ok = _positive(business) if owner.any() else np.ones(len(effective), dtype=bool)
    return {
        "impact_index": _index(effective, weights),
        "societal_index": societal,
        "business_index": business,
        "harm": harm,
        "shared_value": _positive(societal) & business_ok & ~harm,
    }


def _score(
    ids: pd.Index, impacts: pd.DataFrame, waste: pd.DataFrame, method: Method, *, actual: bool
) -> _Scores:
    estimate, consulted, assessed = _impact_matrices(ids, impacts, method.groups)
    effective = np.where(np.isnan(assessed), estimate, assessed) if actual else estimate
    by_index = _index_figures(effective, method)

    affected = effective != 0
    n_affected = affected.sum(axis=1)
    n_consulted = (affected & consulted).sum(axis=1)
    coverage = np.full(len(ids), np.nan)
    np.divide(100.0 * n_consulted, n_affected, out=coverage, where=n_affected > 0)

    net_units = _waste_matrix(ids, waste, method.categories, actual=actual)
    # Adding 0.0 turns -0.0 (avoided 0 of a free category) into 0.0 for display.
    money = net_units * np.array([c.unit_cost for c in method.categories], dtype=float) + 0.0
    co2e = net_units * np.array([c.co2e_per_unit for c in method.categories], dtype=float) + 0.0

    figures = pd.DataFrame(
        {
            **by_index,
            "net_waste": money.sum(axis=1),
            "net_co2e": co2e.sum(axis=1),
            "coverage": coverage,
        },
        index=ids,
    )
    return _Scores(ids, estimate, assessed, figures, money, co2e)


def _index(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`100 · Σ w·impact / (3 · Σ w)` per row; NaN when there is no group to weigh."""
    if weights.size == 0:
        return np.full(matrix.shape[0], np.nan)
    return 100.0 * (matrix @ weights) / (MAX_IMPACT * weights.sum())


def _positive(values: np.ndarray) -> np.ndarray:
    """values > 0, ignoring float noise; NaN is not positive."""
    return np.round(values, COMPARE_DECIMALS) > 0


def _impact_matrices(
    ids: pd.Index, impacts: pd.DataFrame, groups: tuple[Group, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate, consulted and actual per (decision, group); a missing row is 0, not consulted.

    One row per (decision, group) is expected, as the database keeps it; of duplicates the
    last one counts.
    """
    _require(impacts, "impacts", IMPACT_COLUMNS)
    shape = (len(ids), len(groups))
    estimate = np.zeros(shape)
    consulted = np.zeros(shape, dtype=bool)
    actual = np.full(shape, np.nan)
    rows = ids.get_indexer(impacts["decision_id"])
    cols = pd.Index([g.id for g in groups]).get_indexer(impacts["group_id"])
    # Rows of other decisions, or of groups outside the method, are ignored.
    keep = (rows >= 0) & (cols >= 0)
    at = (rows[keep], cols[keep])
    estimate[at] = _numbers(impacts["impact"], fill=0.0)[keep]
    consulted[at] = _flags(impacts["consulted"])[keep]
    if "actual" in impacts:
        actual[at] = _numbers(impacts["actual"])[keep]
    return estimate, consulted, actual


def _waste_matrix(
    ids: pd.Index, waste: pd.DataFrame, categories: tuple[Category, ...], *, actual: bool
) -> np.ndarray:
    """Net units avoided per (decision, category), all lines of a category added."""
    _require(waste, "waste", WASTE_COLUMNS)
    created = _numbers(waste["created"], fill=0.0)
    avoided = _numbers(waste["avoided"], fill=0.0)
    if actual:
        created = _prefer(waste, "actual_created", created)
        avoided = _prefer(waste, "actual_avoided", avoided)
    rows = ids.get_indexer(waste["decision_id"])
    cols = pd.Index([c.id for c in categories]).get_indexer(waste["category_id"])
    keep = (rows >= 0) & (cols >= 0)
    width = len(categories)
    flat = np.bincount(
        rows[keep] * width + cols[keep],
        weights=(avoided - created)[keep],
        minlength=len(ids) * width,
    )
    return flat.reshape(len(ids), width)


def _prefer(frame: pd.DataFrame, column: str, fallback: np.ndarray) -> np.ndarray:
    """The column's values where assessed (not NaN), else the fallback."""
    if column not in frame:
        return fallback
    values = _numbers(frame[column])
    return np.where(np.isnan(values), fallback, values)


def _numbers(series: pd.Series, fill: float = np.nan) -> np.ndarray:
    values = pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan)
    return values if math.isnan(fill) else np.where(np.isnan(values), fill, values)


def _flags(series: pd.Series) -> np.ndarray:
    # Anything but a true value (None, NaN, False) means "no".
    return series.eq(True).fillna(False).to_numpy(dtype=bool)


def _unique_ids(ids: pd.Series) -> pd.Index:
    index = pd.Index(ids, name="decision_id")
    if not index.is_unique:
        raise ValueError("decision ids must be unique")
    return index


def _require(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"{name} is missing the columns {', '.join(missing)}")
