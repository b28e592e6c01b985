"""Figures of the scoring module for the dashboard, the workbook and the `scores` command.

The figures all come from domain.scoring, computed with the current method version over all
quarters; this service only loads what it needs: the per team-quarter sums kept up to date by
score_cache, and team names.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.models import Decision, Review, Team
from scorecard.services import queries, score_cache
from scorecard.services.reference import current_method
from scorecard.services.score_inputs import (
    cut_sums_of_decisions,
    decision_frames,
    impact_numbers,
    sums_of_decisions,
)

__all__ = [
    "Breakdown",
    "TeamsTable",
    "breakdown",
    "changing",
    "compared_with",
    "composite_trends",
    "current_method",
    "cut_of",
    "decision_figures",
    "decision_frames",
    "progress_of",
    "series_of_teams",
    "sums_of_decisions",
    "table_payload",
    "table_records",
    "team_series",
    "teams_table",
]

# Every write keeps the stored sums exact through these (see score_cache).
SumsChange = score_cache.SumsChange
changing = score_cache.changing
rebuild_sums = score_cache.rebuild
forget_sums = score_cache.forget
# `flask scores --verify`: the stored sums against a full recompute.
verify_sums = score_cache.verify
SumsDifference = score_cache.SumsDifference


def decision_figures(
    session: Session,
    decision_ids: Collection[int],
    *,
    actual: bool = False,
    method: scoring.Method | None = None,
) -> pd.DataFrame:
    """Figures of these decisions (FIGURE_COLUMNS, indexed by id) with the current method."""
    method = method or current_method(session)
    if not decision_ids:
        return pd.DataFrame(
            columns=list(scoring.FIGURE_COLUMNS), index=pd.Index([], name="decision_id")
        )
    decisions, impacts, waste = decision_frames(session, ids=sorted(decision_ids))
    return scoring.decision_figures(decisions, impacts, waste, method, actual=actual)


def row_figures(
    session: Session, decision_ids: Collection[int], *, method: scoring.Method | None = None
) -> dict[int, dict[str, Any]]:
    """The figures each row of a list shows ({id: {scoring.ROW_COLUMNS…}}), with the current
    method: one query, of the decisions' impacts, read as plain numbers."""
    method = method or current_method(session)
    ids = sorted(decision_ids)
    return scoring.row_figures(ids, impact_numbers(session, ids), method)


@dataclass(frozen=True)
class TeamsTable:
    """The Teams sheet of a quarter: one row per team with a scored decision up to it, then
    All teams (index team_id, <NA> on All teams; columns exactly scoring.TEAMS_COLUMNS).
    `progress` is set when the quarter is in progress (and so cut at today)."""

    quarter: Quarter
    method_version: int
    rows: pd.DataFrame
    slugs: dict[int, str]  # team_id -> slug of the team rows
    progress: scoring.Progress | None = None


@dataclass(frozen=True)
class Breakdown:
    """Per quarter (index: quarter strings) of the scored decisions decided in it."""

    method_version: int
    groups: pd.DataFrame  # mean impact per stakeholder group; NaN without decisions
    waste: pd.DataFrame  # net money avoided per waste category
    co2e: pd.DataFrame  # net kg CO2e avoided per waste category
    counts: pd.DataFrame  # "Decisions", "Shared value", "Harm"


def _teams(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    """Names and slugs of every team, by id."""
    rows = session.execute(sa.select(Team.id, Team.name, Team.slug)).all()
    return {t: name for t, name, _ in rows}, {t: slug for t, _, slug in rows}


def _quarter_labels(index: pd.Index) -> pd.Index:
    return pd.Index([str(Quarter.from_index(q)) for q in index], dtype=object, name="quarter")


def teams_table(
    session: Session,
    quarter: Quarter,
    team_ids: Collection[int] | None = None,
    *,
    today: date | None = None,
) -> TeamsTable:
    """The Teams table of a quarter; with team_ids, only those teams, and All teams over them.
    A quarter in progress on `today` (default: the real date) is cut and compared at that day."""
    method = current_method(session)
    sums = score_cache.fresh_sums(session, method, teams=team_ids, upto=quarter.index)
    cut = cut_of(session, method, quarter.index, team_ids, today)
    names, slugs = _teams(session)
    rows = scoring.teams_table(sums, method, quarter.index, names, cut)
    team_rows = [int(t) for t in rows.index if not pd.isna(t)]
    shown = cut.progress if cut is not None and cut.quarter == quarter.index else None
    return TeamsTable(quarter, method.version, rows, {t: slugs[t] for t in team_rows}, shown)


def table_payload(table: TeamsTable) -> dict[str, object]:
    """The Teams table as `scores --json` and the API give it: the quarter, the method version,
    whether the quarter is in progress (and cut at which day), and the team records."""
    progress = table.progress
    return {
        "quarter": str(table.quarter),
        "method_version": table.method_version,
        "in_progress": None
        if progress is None
        else {"day": progress.day, "days": progress.days, "cut_at": progress.cut.isoformat()},
        "teams": table_records(table),
    }


def table_records(table: TeamsTable) -> list[dict[str, object]]:
    """The Teams rows keyed by their headers, as `scores --json` and the API give them: plain
    numbers, None for empty figures."""
    records: list[dict[str, object]] = []
    for row in table.rows.itertuples(index=False):
        record: dict[str, object] = {}
        for header, value in zip(scoring.TEAMS_COLUMNS, row, strict=True):
            if isinstance(value, str):
                record[header] = value
            elif header in ("Decisions", "Improving streak"):
                record[header] = int(value)
            else:
                number = float(value)
                record[header] = None if math.isnan(number) else number
        records.append(record)
    return records


def team_series(
    session: Session,
    team_id: int | None,
    quarters: Sequence[Quarter],
    team_ids: Collection[int] | None = None,
    *,
    today: date | None = None,
) -> pd.DataFrame:
    """KPIs and improvement of a team (None: all teams within team_ids) per quarter.

    Indexed by quarter strings in the order given; columns KPI_COLUMNS + IMPROVEMENT_COLUMNS.
    A quarter in progress on `today` is cut and compared at that day.
    """
    method = current_method(session)
    indexes = [q.index for q in quarters]
    teams = None if team_ids is None else {int(t) for t in team_ids}
    if team_id is not None:
        teams = {int(team_id)} & teams if teams is not None else {int(team_id)}
    sums = (
        score_cache.fresh_sums(session, method, teams=teams, upto=max(indexes))
        if indexes
        else scoring.as_sums(pd.DataFrame(index=_no_cells()), method)
    )
    cut = cut_of(session, method, max(indexes), teams, today) if indexes else None
    series = scoring.team_series(sums, method, None, indexes, cut)
    series.index = _quarter_labels(series.index)
    return series


def series_of_teams(
    session: Session,
    quarters: Sequence[Quarter],
    team_ids: Collection[int] | None = None,
    *,
    today: date | None = None,
) -> dict[int, pd.DataFrame]:
    """`team_series` of every team (None: all teams), in one pass: {team_id: series}."""
    method = current_method(session)
    indexes = [q.index for q in quarters]
    if team_ids is None:
        teams = session.scalars(sa.select(Team.id).order_by(Team.id)).all()
    else:
        teams = sorted({int(t) for t in team_ids})
    if not indexes or not teams:
        return {t: team_series(session, t, quarters, today=today) for t in teams}
    sums = score_cache.fresh_sums(session, method, teams=teams, upto=max(indexes))
    cut = cut_of(session, method, max(indexes), teams, today)
    every = scoring.series_by_team(sums, method, teams, indexes, cut)
    labels = _quarter_labels(pd.Index(indexes))
    result = {}
    for position, team in enumerate(teams):
        series = every.iloc[position * len(indexes) : (position + 1) * len(indexes)]
        result[team] = series.set_axis(labels)
    return result


def composite_trends(
    session: Session,
    quarters: Sequence[Quarter],
    team_ids: Collection[int] | None = None,
    *,
    today: date | None = None,
) -> pd.DataFrame:
    """Composite per team (rows: team names, with any composite in these quarters) per quarter
    (columns: quarter strings); NaN where a team has no decisions in a quarter."""
    method = current_method(session)
    indexes = [q.index for q in quarters]
    if not indexes:
        return pd.DataFrame(index=pd.Index([], name="Team"), columns=pd.Index([], name="quarter"))
    sums = score_cache.fresh_sums(session, method, teams=team_ids, upto=max(indexes))
    sums = scoring.with_cut(sums, cut_of(session, method, max(indexes), team_ids, today))
    names, _ = _teams(session)
    trends = scoring.composite_trends(sums, method, indexes, names)
    trends.index = pd.Index([names.get(t, f"Team {t}") for t in trends.index], name="Team")
    trends.columns = _quarter_labels(trends.columns)
    return trends


def breakdown(
    session: Session,
    quarters: Sequence[Quarter],
    team_id: int | None = None,
    team_ids: Collection[int] | None = None,
    *,
    today: date | None = None,
) -> Breakdown:
    """Impact by stakeholder group, waste by category and counts per quarter, of one team
    (None: all teams within team_ids)."""
    method = current_method(session)
    indexes = [q.index for q in quarters]
    teams = None if team_ids is None else {int(t) for t in team_ids}
    if team_id is not None:
        teams = {int(team_id)} & teams if teams is not None else {int(team_id)}
    sums = (
        score_cache.fresh_sums(session, method, teams=teams, upto=max(indexes))
        if indexes
        else scoring.as_sums(pd.DataFrame(index=_no_cells()), method)
    )
    if indexes:
        sums = scoring.with_cut(sums, cut_of(session, method, max(indexes), teams, today))
    parts = scoring.breakdown(sums, method, indexes)
    frames = {}
    for name in ("groups", "waste", "co2e", "counts"):
        frame = getattr(parts, name).copy()
        frame.index = _quarter_labels(frame.index)
        frames[name] = frame
    return Breakdown(method_version=method.version, **frames)


def progress_of(quarter: Quarter, today: date | None = None) -> scoring.Progress | None:
    """How far the quarter has come on `today` (default: the real date); None if complete."""
    return scoring.progress(quarter, today or date.today())


CUT_MEMO = "scores.cut"  # session.info key: cuts already computed in this transaction


def cut_of(
    session: Session,
    method: scoring.Method,
    upto: int,
    team_ids: Collection[int] | None,
    today: date | None = None,
) -> scoring.Cut | None:
    """The cut of the quarter in progress on `today`, for figures of quarters up to index
    `upto` of these teams (None: every team); None when that quarter is not among them.

    Both cuts (the quarter to its day d, the one before to its own day d) are stored for every
    team and kept by every write (score_cache); the first read of a day stores them, a few
    indexed reads of the two quarters' decisions."""
    progress = progress_of(Quarter.of(today or date.today()), today)
    if progress is None or progress.quarter.index > upto:
        return None
    teams = None if team_ids is None else frozenset(int(t) for t in team_ids)
    key = (scoring.sums_key(method), teams, progress)
    memo = session.info.setdefault(CUT_MEMO, {})
    if key in memo and not score_cache.has_pending_writes(session):
        return memo[key]
    quarter = progress.quarter
    cuts = [(quarter.index, progress.cut), (quarter.index - 1, progress.previous_cut)]
    current, previous = (score_cache.stored_cut(session, method, c, teams) for c in cuts)
    if current is None or previous is None:
        every = score_cache.store_cuts(
            session,
            method,
            lambda s: dict(zip(cuts, _cut_sums(s, method, progress, None), strict=True)),
        )
        if every is None:
            current, previous = _cut_sums(session, method, progress, teams)
        else:
            current, previous = (_of_teams(every[c], teams) for c in cuts)
    cut = scoring.Cut(
        progress,
        current[current.index.get_level_values(1) == quarter.index],
        previous[previous.index.get_level_values(1) == quarter.index - 1],
    )
    memo[key] = cut
    return cut


def _cut_sums(
    session: Session,
    method: scoring.Method,
    progress: scoring.Progress,
    teams: frozenset[int] | None,
) -> list[pd.DataFrame]:
    """The sums of the quarter in progress and of the one before, each cut at its day d, from
    the decisions of the two quarters' cells (each part found by an index of its own)."""
    quarter = progress.quarter
    first, last = quarter.prev().start, quarter.end

    def within(column: sa.ColumnElement[date]) -> sa.ColumnElement[bool]:
        return column.between(first, last)

    in_teams = queries.in_teams(teams)
    reviewed = sa.select(Review.decision_id).where(within(Review.reviewed_on))
    if teams is not None:
        reviewed = reviewed.join(Decision, Decision.id == Review.decision_id).where(in_teams)
    found = sa.union(
        sa.select(Decision.id).where(in_teams, within(Decision.decided_on)),
        sa.select(Decision.id).where(queries.SCORED, in_teams, within(Decision.review_due)),
        reviewed,
    )
    return cut_sums_of_decisions(session, method, found, [progress.cut, progress.previous_cut])


def _of_teams(sums: pd.DataFrame, teams: frozenset[int] | None) -> pd.DataFrame:
    if teams is None:
        return sums
    return sums[sums.index.get_level_values(0).isin(sorted(teams))]


@event.listens_for(Session, "after_transaction_end")
def _forget_cuts(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CUT_MEMO, None)


def compared_with(
    session: Session,
    quarter: Quarter,
    team_id: int | None = None,
    team_ids: Collection[int] | None = None,
    *,
    today: date | None = None,
) -> pd.Series:
    """The KPIs that the quarter's changes are measured against: the previous quarter, cut at
    the same day when `quarter` is in progress on `today`."""
    method = current_method(session)
    teams = None if team_ids is None else {int(t) for t in team_ids}
    if team_id is not None:
        teams = {int(team_id)} & teams if teams is not None else {int(team_id)}
    cut = cut_of(session, method, quarter.index, teams, today)
    if cut is None or cut.quarter != quarter.index:
        # The same sums the quarter's own figures read (one read per page, remembered).
        sums = score_cache.fresh_sums(session, method, teams=teams, upto=quarter.index)
        sums = sums[sums.index.get_level_values(1) == quarter.index - 1]
    else:
        sums = cut.previous
    total = sums.reindex(columns=scoring.sum_columns(method), fill_value=0).sum().to_frame().T
    return scoring.kpis_from_sums(total, method).iloc[0]


def sums_of_team_quarters(
    session: Session, team_ids: Collection[int] | None = None, upto: Quarter | None = None
) -> pd.DataFrame:
    """The per team-quarter sums behind every figure (kept up to date in the database)."""
    method = current_method(session)
    return score_cache.fresh_sums(
        session, method, teams=team_ids, upto=None if upto is None else upto.index
    )


def _no_cells() -> pd.MultiIndex:
    empty = np.array([], dtype=np.int64)
    return pd.MultiIndex.from_arrays([empty, empty], names=scoring.SUMS_INDEX)
