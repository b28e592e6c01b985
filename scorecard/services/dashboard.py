"""What the dashboard needs beside the scores: whose teams it shows, and the reviews that are due."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import Decision, Team, User
from scorecard.services.accounts import managed_team_ids, visible_team_ids
from scorecard.services.decision_log import due_clause


def dashboard_team_ids(session: Session, user: User) -> set[int] | None:
    """The teams on the user's dashboard: all for admins (None), the managed ones for managers
    (their own teams if they manage none), their own teams for staff."""
    if user.is_admin:
        return None
    if user.is_manager:
        managed = managed_team_ids(session, user)
        if managed:
            return managed
    return visible_team_ids(session, user) or set()


def may_see_team(session: Session, user: User, team: Team) -> bool:
    """A team's page is open to whoever may see its decisions."""
    visible = visible_team_ids(session, user)
    return visible is None or team.id in visible


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
