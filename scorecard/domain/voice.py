"""Stakeholders' own voice: their answers beside the estimate, and the figures that sit beside
the scoring method (SCORING.md, "Beside the method"): Heard % and the estimate gap per group.

Pure: plain data and DataFrames in and out, no Flask, no session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from scorecard.domain import scoring
from scorecard.domain.quarters import quarter_index

RATINGS = tuple(range(-3, 4))
# A group's answers to a decision count in the figures from this many on.
MIN_ANSWERS = 3
HEARD = "Heard %"
GAP_PREFIX = "Estimate gap: "
HEARD_BASE = "Decisions affecting a group"
HEARD_SUM_COLUMNS = ("heard_n",)


def gap_column(group_name: str) -> str:
    return f"{GAP_PREFIX}{group_name}"


def beside_columns(method: scoring.Method) -> list[str]:
    """The columns of the figures beside the method, in order."""
    return [HEARD_BASE, HEARD, *(gap_column(g.name) for g in method.groups)]


# --- one decision --------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerSummary:
    """The answers of one group to one decision: how many, their mean, how many per rating."""

    count: int
    mean: float | None
    distribution: dict[int, int]  # every rating −3..+3, in order

    @property
    def counts_in_figures(self) -> bool:
        return self.count >= MIN_ANSWERS

    def share(self, rating: int) -> float:
        """The percentage of the answers that gave this rating."""
        return 100.0 * self.distribution[rating] / self.count if self.count else 0.0


def summarise(ratings: Iterable[int]) -> AnswerSummary:
    """Count, mean and distribution of ratings on −3..+3."""
    values = [int(r) for r in ratings]
    unknown = [r for r in values if r not in RATINGS]
    if unknown:
        raise ValueError(f"ratings run from −3 to +3, not {unknown[0]}")
    distribution = {r: 0 for r in RATINGS}
    for value in values:
        distribution[value] += 1
    mean = sum(values) / len(values) if values else None
    return AnswerSummary(len(values), mean, distribution)


def counts_as_consulted(answered_on: Iterable[date], decided_on: date) -> bool:
    """SCORING.md's consulted_g: people of the group were asked before deciding. An answer
    given on or before the decision's date is that; one given later is heard, not consulted."""
    return any(day <= decided_on for day in answered_on)


def with_answers_consulted(impacts: pd.DataFrame, heard: pd.DataFrame) -> pd.DataFrame:
    """The impacts with `consulted` true also where the group answered before the decision.

    `heard` holds (decision_id, group_id) pairs whose group answered a consultation of that
    decision on or before its date; the author's own word stays true where it was."""
    if heard.empty or impacts.empty:
        return impacts
    pairs = pd.MultiIndex.from_frame(heard[["decision_id", "group_id"]].astype(np.int64))
    keys = pd.MultiIndex.from_arrays(
        [impacts["decision_id"].to_numpy(np.int64), impacts["group_id"].to_numpy(np.int64)]
    )
    marked = impacts.copy()
    marked["consulted"] = impacts["consulted"].eq(True).to_numpy() | keys.isin(pairs)
    return marked


# --- per team and quarter ------------------------------------------------------------------


def heard_sums(
    decisions: pd.DataFrame,
    impacts: pd.DataFrame,
    answers: pd.DataFrame,
    method: scoring.Method,
) -> pd.DataFrame:
    """Additive sums per (team_id, quarter index) for Heard % and the estimate gaps.

    decisions: id, team_id, status, archived, decided_on; impacts: decision_id, group_id,
    impact; answers: decision_id, group_id, count, total (the sum of the ratings), one row per
    decision and group. Only scored decisions count, in the quarter of decided_on. Columns:
    heard_n (decisions where some affected group has MIN_ANSWERS answers or more), and per
    group gap_<id>_sum and gap_<id>_n (impact − mean of the answers, over decisions with
    MIN_ANSWERS answers or more from the group).
    """
    scored = decisions.loc[
        (
            decisions["status"].isin(scoring.SCORED_STATUSES) & ~decisions["archived"].eq(True)
        ).to_numpy(dtype=bool)
    ]
    ids = pd.Index(scored["id"].astype(np.int64), name="decision_id")
    group_ids = pd.Index([g.id for g in method.groups])
    shape = (len(ids), len(group_ids))

    estimate = np.zeros(shape)
    rows, cols = ids.get_indexer(impacts["decision_id"]), group_ids.get_indexer(impacts["group_id"])
    keep = (rows >= 0) & (cols >= 0)
    estimate[rows[keep], cols[keep]] = pd.to_numeric(impacts["impact"]).to_numpy(float)[keep]

    count, total = np.zeros(shape), np.zeros(shape)
    rows, cols = ids.get_indexer(answers["decision_id"]), group_ids.get_indexer(answers["group_id"])
    keep = (rows >= 0) & (cols >= 0)
    np.add.at(count, (rows[keep], cols[keep]), answers["count"].to_numpy(float)[keep])
    np.add.at(total, (rows[keep], cols[keep]), answers["total"].to_numpy(float)[keep])

    enough = count >= MIN_ANSWERS
    gap = np.where(enough, estimate - np.divide(total, count, where=enough, out=np.zeros(shape)), 0)
    columns = {"heard_n": ((estimate != 0) & enough).any(axis=1).astype(np.int64)}
    for j, group in enumerate(method.groups):
        columns[f"gap_{group.id}_sum"] = gap[:, j]
        columns[f"gap_{group.id}_n"] = enough[:, j].astype(np.int64)
    frame = pd.DataFrame(columns, index=ids)

    quarter = quarter_index(scored["decided_on"]).to_numpy(dtype=float, na_value=np.nan)
    dated = ~np.isnan(quarter)
    keys = pd.MultiIndex.from_arrays(
        [
            scored["team_id"].to_numpy(np.int64)[dated],
            quarter[dated].astype(np.int64),
        ],
        names=scoring.SUMS_INDEX,
    )
    return frame.loc[dated].set_axis(keys).groupby(level=list(scoring.SUMS_INDEX)).sum()


def heard_sum_columns(method: scoring.Method) -> list[str]:
    return [
        *HEARD_SUM_COLUMNS,
        *(c for g in method.groups for c in (f"gap_{g.id}_sum", f"gap_{g.id}_n")),
    ]


def beside_figures(
    affected_n: pd.Series, heard: pd.DataFrame, method: scoring.Method
) -> pd.DataFrame:
    """Heard % and the estimate gap of each group, for each row of `affected_n`.

    affected_n: per row, the decisions counted with at least one affected group; this is the
    scoring module's `coverage_n` (coverage is defined exactly when some group is affected).
    heard: `heard_sums` rows with the same index (missing rows count as none heard).
    Empty figures are NaN: Heard % without an affected decision, a gap without a decision that
    MIN_ANSWERS people of the group answered.
    """
    sums = heard.reindex(index=affected_n.index, columns=heard_sum_columns(method), fill_value=0)
    base = affected_n.to_numpy(dtype=float)
    figures: dict[str, np.ndarray] = {
        HEARD_BASE: affected_n.to_numpy(dtype=np.int64),
        HEARD: 100 * _ratio(sums["heard_n"].to_numpy(float), base),
    }
    for group in method.groups:
        figures[gap_column(group.name)] = _ratio(
            sums[f"gap_{group.id}_sum"].to_numpy(float), sums[f"gap_{group.id}_n"].to_numpy(float)
        )
    return pd.DataFrame(figures, index=affected_n.index)


def beside_table(
    sums: pd.DataFrame,
    heard: pd.DataFrame,
    method: scoring.Method,
    quarter: int,
    team_names: Mapping[int, str],
) -> pd.DataFrame:
    """The figures beside the method for one quarter: a row per team with a decision affecting
    a group in it, by name, then All teams. `sums` are the scoring module's quarter sums
    (coverage_n is used), `heard` the `heard_sums`. Index: team_id, <NA> on All teams."""
    in_quarter = sums[sums.index.get_level_values(1) == quarter]
    affected = in_quarter["coverage_n"] if len(in_quarter) else pd.Series(dtype=np.int64)
    affected = affected[affected > 0].droplevel(1) if len(affected) else affected
    heard_q = heard[heard.index.get_level_values(1) == quarter]
    heard_q = heard_q.droplevel(1) if len(heard_q) else heard_q
    team_ids = sorted(
        (int(t) for t in affected.index),
        key=lambda t: (team_names.get(t, f"Team {t}").casefold(), t),
    )
    teams = beside_figures(affected.reindex(team_ids), heard_q, method)
    everyone = beside_figures(
        pd.Series([int(affected.sum())], index=[0]),
        heard_q.reindex(columns=heard_sum_columns(method), fill_value=0).sum().to_frame(0).T,
        method,
    )
    table = pd.concat([teams, everyone], ignore_index=True)
    table.insert(
        0, "Team", [*(team_names.get(t, f"Team {t}") for t in team_ids), scoring.ALL_TEAMS]
    )
    table.index = pd.Index([*team_ids, pd.NA], dtype="Int64", name="team_id")
    return table


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    result = np.full(len(numerator), np.nan)
    return np.divide(numerator, denominator, out=result, where=denominator > 0)
