"""Figures from the scoring module, loaded from the database in a few set-based queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.models import Decision, Review, StakeholderImpact, Team, WasteLine
from scorecard.services.reference import current_method

__all__ = [
    "TeamsTable",
    "composite_trends",
    "current_method",
    "decision_figures",
    "decision_frames",
    "team_series",
    "teams_table",
]

DECISION_COLUMNS = [
    "id",
    "team_id",
    "status",
    "archived",
    "decided_on",
    "review_due",
    "reviewed_on",
]
IMPACT_COLUMNS = ["decision_id", "group_id", "impact", "consulted", "actual"]
WASTE_COLUMNS = [
    "decision_id",
    "category_id",
    "created",
    "avoided",
    "actual_created",
    "actual_avoided",
]


def _frame(session: Session, query: sa.Select, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def decision_frames(
    session: Session, where: sa.ColumnElement[bool]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The scoring module's inputs for the decisions matching `where`: three queries in all."""
    ids = sa.select(Decision.id).where(where).scalar_subquery()
    decisions = _frame(
        session,
        sa.select(
            Decision.id,
            Decision.team_id,
            Decision.status,
            Decision.archived,
            Decision.decided_on,
            Decision.review_due,
            Review.reviewed_on,
        )
        .outerjoin(Review, Review.decision_id == Decision.id)
        .where(where),
        DECISION_COLUMNS,
    )
    impacts = _frame(
        session,
        sa.select(
            StakeholderImpact.decision_id,
            StakeholderImpact.group_id,
            StakeholderImpact.impact,
            StakeholderImpact.consulted,
            StakeholderImpact.actual,
        ).where(StakeholderImpact.decision_id.in_(ids)),
        IMPACT_COLUMNS,
    )
    waste = _frame(
        session,
        sa.select(
            WasteLine.decision_id,
            WasteLine.category_id,
            WasteLine.created,
            WasteLine.avoided,
            WasteLine.actual_created,
            WasteLine.actual_avoided,
        ).where(WasteLine.decision_id.in_(ids)),
        WASTE_COLUMNS,
    )
    impacts["actual"] = pd.to_numeric(impacts["actual"], errors="coerce").astype(float)
    for column in ("actual_created", "actual_avoided"):
        waste[column] = pd.to_numeric(waste[column], errors="coerce").astype(float)
    return decisions, impacts, waste


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
    decisions, impacts, waste = decision_frames(session, Decision.id.in_(list(decision_ids)))
    return scoring.decision_figures(decisions, impacts, waste, method, actual=actual)


# --- tables of the Teams sheet, series and trends ------------------------------------------------

SUMS_BATCH = 20_000


@dataclass(frozen=True)
class TeamsTable:
    """The Teams sheet of a quarter: one row per team with scored decisions, then All teams."""

    quarter: Quarter
    method_version: int
    rows: pd.DataFrame  # columns exactly scoring.TEAMS_COLUMNS; index team_id (<NA> on All teams)
    slugs: dict[int, str]


def teams_table(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None = None
) -> TeamsTable:
    """All teams is over team_ids only (every team when None)."""
    method = current_method(session)
    sums = _sums(session, method, quarter, team_ids)
    names, slugs = _team_names(session)
    rows = scoring.teams_table(sums, method, quarter.index, names)
    return TeamsTable(quarter, method.version, rows, {t: slugs[t] for t in rows.index.dropna()})


def team_series(
    session: Session,
    team_id: int | None,
    quarters: Sequence[Quarter],
    team_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """KPIs and improvement of one team (None: all of team_ids) per quarter, index "2026Q3"."""
    method = current_method(session)
    if not quarters:
        series = scoring.team_series(
            scoring.quarter_sums(*_empty_frames(), method), method, None, []
        )
        series.index = pd.Index([], name="quarter", dtype=object)
        return series
    sums = _sums(session, method, max(quarters), team_ids)
    series = scoring.team_series(sums, method, team_id, [q.index for q in quarters])
    series.index = pd.Index([str(q) for q in quarters], name="quarter")
    return series


def composite_trends(
    session: Session, quarters: Sequence[Quarter], team_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """Composite per team (rows: names of teams with a scored decision by the last quarter)."""
    method = current_method(session)
    columns = [str(q) for q in quarters]
    if not quarters:
        return pd.DataFrame(columns=columns, dtype=float)
    last = max(quarters)
    sums = _sums(session, method, last, team_ids)
    names, _ = _team_names(session)
    decided = sums["n"].groupby(level=0).sum()
    teams = sorted((int(t) for t in decided.index[decided > 0]), key=lambda t: names[t].casefold())
    rows = {
        names[t]: scoring.team_series(sums, method, t, [q.index for q in quarters])[
            "Composite"
        ].to_numpy()
        for t in teams
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).astype(float)


@sa.event.listens_for(Session, "after_flush")
@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_sums(session: Session, *_args: object) -> None:
    # Cached sums hold only while the session has written nothing since they were read.
    session.info.pop("scores_cache", None)


def _team_names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    rows = session.execute(sa.select(Team.id, Team.name, Team.slug)).all()
    return {r.id: r.name for r in rows}, {r.id: r.slug for r in rows}


def _empty_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        pd.DataFrame(columns=DECISION_COLUMNS),
        pd.DataFrame(columns=IMPACT_COLUMNS),
        pd.DataFrame(columns=WASTE_COLUMNS),
    )


def _sums(
    session: Session,
    method: scoring.Method,
    upto: Quarter,
    team_ids: Collection[int] | None,
) -> pd.DataFrame:
    """quarter_sums of the scored decisions decided by the end of `upto`, read in batches of
    decisions (the sums are additive), so memory stays flat however many there are."""
    key = ("quarter_sums", method, upto, None if team_ids is None else frozenset(team_ids))
    cache = session.info.setdefault("scores_cache", {})
    if key in cache:
        return cache[key]
    where = sa.and_(
        Decision.status.in_(scoring.SCORED_STATUSES),
        ~Decision.archived,
        Decision.decided_on <= upto.end,
    )
    if team_ids is not None:
        where = sa.and_(where, Decision.team_id.in_(list(team_ids)))
    parts = []
    last_id = 0
    while True:
        ids = session.scalars(
            sa.select(Decision.id)
            .where(where, Decision.id > last_id)
            .order_by(Decision.id)
            .limit(SUMS_BATCH)
        ).all()
        if not ids:
            break
        frames = decision_frames(
            session, sa.and_(where, Decision.id > last_id, Decision.id <= ids[-1])
        )
        parts.append(scoring.quarter_sums(*frames, method))
        last_id = ids[-1]
    if not parts:
        sums = scoring.quarter_sums(*_empty_frames(), method)
    elif len(parts) == 1:
        sums = parts[0]
    else:
        sums = pd.concat(parts).groupby(level=list(scoring.SUMS_INDEX)).sum()
    cache.clear()  # one entry: a session asks about one quarter and scope at a time
    cache[key] = sums
    return sums
