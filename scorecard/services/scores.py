"""Figures of the scoring module for the dashboard, the workbook and the `scores` command.

The figures all come from domain.scoring, computed with the current method version over all
quarters; this service only loads what it needs: the per team-quarter sums kept up to date by
score_cache, and team names.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.models import Team
from scorecard.services import score_cache
from scorecard.services.reference import current_method
from scorecard.services.score_inputs import decision_frames, sums_of_decisions

__all__ = [
    "Breakdown",
    "TeamsTable",
    "breakdown",
    "composite_trends",
    "current_method",
    "decision_figures",
    "decision_frames",
    "invalidate",
    "invalidate_all",
    "invalidate_decisions",
    "series_of_teams",
    "sums_of_decisions",
    "table_records",
    "team_series",
    "teams_table",
]

# For Core writes that the session events cannot see (bulk imports); see score_cache.
invalidate = score_cache.invalidate
invalidate_decisions = score_cache.invalidate_decisions
invalidate_all = score_cache.invalidate_all


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


@dataclass(frozen=True)
class TeamsTable:
    """The Teams sheet of a quarter: one row per team with a scored decision up to it, then
    All teams (index team_id, <NA> on All teams; columns exactly scoring.TEAMS_COLUMNS)."""

    quarter: Quarter
    method_version: int
    rows: pd.DataFrame
    slugs: dict[int, str]  # team_id -> slug of the team rows


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
    session: Session, quarter: Quarter, team_ids: Collection[int] | None = None
) -> TeamsTable:
    """The Teams table of a quarter; with team_ids, only those teams, and All teams over them."""
    method = current_method(session)
    sums = score_cache.fresh_sums(session, method, teams=team_ids, upto=quarter.index)
    names, slugs = _teams(session)
    rows = scoring.teams_table(sums, method, quarter.index, names)
    team_rows = [int(t) for t in rows.index if not pd.isna(t)]
    return TeamsTable(quarter, method.version, rows, {t: slugs[t] for t in team_rows})


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
) -> pd.DataFrame:
    """KPIs and improvement of a team (None: all teams within team_ids) per quarter.

    Indexed by quarter strings in the order given; columns KPI_COLUMNS + IMPROVEMENT_COLUMNS.
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
    series = scoring.team_series(sums, method, None, indexes)
    series.index = _quarter_labels(series.index)
    return series


def series_of_teams(
    session: Session,
    quarters: Sequence[Quarter],
    team_ids: Collection[int] | None = None,
) -> dict[int, pd.DataFrame]:
    """`team_series` of every team (None: all teams), in one pass: {team_id: series}."""
    method = current_method(session)
    indexes = [q.index for q in quarters]
    if team_ids is None:
        teams = session.scalars(sa.select(Team.id).order_by(Team.id)).all()
    else:
        teams = sorted({int(t) for t in team_ids})
    if not indexes or not teams:
        return {t: team_series(session, t, quarters) for t in teams}
    sums = score_cache.fresh_sums(session, method, teams=teams, upto=max(indexes))
    every = scoring.series_by_team(sums, method, teams, indexes)
    labels = _quarter_labels(pd.Index(indexes))
    result = {}
    for position, team in enumerate(teams):
        series = every.iloc[position * len(indexes) : (position + 1) * len(indexes)]
        result[team] = series.set_axis(labels)
    return result


def composite_trends(
    session: Session, quarters: Sequence[Quarter], team_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """Composite per team (rows: team names, with any composite in these quarters) per quarter
    (columns: quarter strings); NaN where a team has no decisions in a quarter."""
    method = current_method(session)
    indexes = [q.index for q in quarters]
    if not indexes:
        return pd.DataFrame(index=pd.Index([], name="Team"), columns=pd.Index([], name="quarter"))
    sums = score_cache.fresh_sums(session, method, teams=team_ids, upto=max(indexes))
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
    parts = scoring.breakdown(sums, method, indexes)
    frames = {}
    for name in ("groups", "waste", "co2e", "counts"):
        frame = getattr(parts, name).copy()
        frame.index = _quarter_labels(frame.index)
        frames[name] = frame
    return Breakdown(method_version=method.version, **frames)


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
