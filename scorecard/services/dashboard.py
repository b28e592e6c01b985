"""What the dashboard needs: whose teams it shows, their figures from the scores service (kept
while the stored sums behind them are unchanged), and the reviews that are due."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain.quarters import Quarter
from scorecard.models import Decision, Team
from scorecard.services import score_cache, scores
from scorecard.services.decision_log import due_clause

FIGURES_KEPT = 64  # organisation dashboards kept per process, the least recently used dropped


def teams_in(session: Session, team_ids: Collection[int] | None) -> list[Team]:
    """The teams of a scope (None = every team), by name."""
    query = sa.select(Team).order_by(Team.name)
    if team_ids is not None:
        if not team_ids:
            return []
        query = query.where(Team.id.in_(list(team_ids)))
    return list(session.scalars(query))


@dataclass(frozen=True)
class DueReview:
    """A decided decision whose review date has come."""

    id: int
    title: str
    team_name: str
    decided_on: date
    review_due: date


def reviews_due(
    session: Session, team_ids: Collection[int] | None, today: date, limit: int
) -> list[DueReview]:
    """The `limit` decisions whose review is most overdue, as the log's `due=1` filter finds them."""
    if team_ids is not None and not team_ids:
        return []
    query = (
        sa.select(Decision.id, Decision.title, Team.name, Decision.decided_on, Decision.review_due)
        .join(Team, Team.id == Decision.team_id)
        .where(due_clause(today))
        .order_by(Decision.review_due, Decision.id)
        .limit(limit)
    )
    if team_ids is not None:
        query = query.where(Decision.team_id.in_(sorted(team_ids)))
    return [DueReview(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class Figures:
    """Everything the organisation dashboard shows of the scores service, for one quarter."""

    table: scores.TeamsTable
    trends: pd.DataFrame
    series: pd.DataFrame
    breakdown: scores.Breakdown


# Per database engine, so that another database (another app, a test's) never shares them.
_kept: weakref.WeakKeyDictionary[sa.Engine, OrderedDict[Hashable, Figures]] = (
    weakref.WeakKeyDictionary()
)
_kept_lock = threading.Lock()


def organisation_figures(
    session: Session,
    quarter: Quarter,
    quarters: Sequence[Quarter],
    team_ids: Collection[int] | None,
) -> Figures:
    """The Teams table of the quarter, the composite trends, the series of all teams in view and
    the breakdown, over `quarters` (which end at `quarter`).

    Four calls to the scores service; their result is kept in this process and given again while
    the stored sums of these teams up to the quarter, the scoring method and the teams' names are
    unchanged. Every request checks that against the database, so a write seen by any process is
    seen here, and several processes may serve the same database.
    """
    method = scores.current_method(session)
    sums = score_cache.fingerprint(session, method, teams=team_ids, upto=quarter.index)
    key = None
    if sums is not None:
        names = tuple(session.execute(sa.select(Team.id, Team.name, Team.slug).order_by(Team.id)))
        scope = None if team_ids is None else frozenset(team_ids)
        key = (sums, method, scope, quarter, tuple(quarters), names)
        with _kept_lock:
            kept = _kept.setdefault(session.get_bind(), OrderedDict())
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
    figures = Figures(
        table=scores.teams_table(session, quarter, team_ids),
        trends=scores.composite_trends(session, quarters, team_ids),
        series=scores.team_series(session, None, quarters, team_ids),
        breakdown=scores.breakdown(session, quarters, None, team_ids),
    )
    if key is not None:
        with _kept_lock:
            kept = _kept.setdefault(session.get_bind(), OrderedDict())
            kept[key] = figures
            while len(kept) > FIGURES_KEPT:
                kept.popitem(last=False)
    return figures
