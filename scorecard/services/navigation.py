"""Small counts the navigation shows on every page."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import Decision, User
from scorecard.services.accounts import managed_team_ids
from scorecard.services.decision_log import count_upto, due_clause, visible_clause

# The badge says "999+" beyond this: every page shows it, so it reads at most this many rows.
DUE_BADGE_CAP = 999


def reviewable_clause(session: Session, user: User) -> sa.ColumnElement[bool]:
    """Decisions whose review the user may record: their own, and those of the teams they
    manage (every team for admins)."""
    managed = managed_team_ids(session, user)
    if managed is None:
        return sa.true()
    mine = Decision.author_id == user.id
    return sa.or_(mine, Decision.team_id.in_(sorted(managed))) if managed else mine


def reviews_due_count(
    session: Session, user: User, today: date | None = None, cap: int = DUE_BADGE_CAP
) -> int:
    """Reviews that have come due and that the user may record (the navigation's number; a
    teammate's review is not theirs to record), counted up to cap + 1: a result above cap
    means "more than cap"."""
    today = today or date.today()
    where = [visible_clause(session, user), due_clause(today), reviewable_clause(session, user)]
    return count_upto(session, where, cap + 1)
