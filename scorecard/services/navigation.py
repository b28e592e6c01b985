"""Small counts the navigation shows on every page."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.models import User
from scorecard.services.decision_log import count_upto, due_clause, visible_clause

# The badge says "999+" beyond this: every page shows it, so it reads at most this many rows.
DUE_BADGE_CAP = 999


def reviews_due_count(
    session: Session, user: User, today: date | None = None, cap: int = DUE_BADGE_CAP
) -> int:
    """Reviews that have come due and that the user may record (the navigation's number; a
    teammate's review is not theirs to record), counted up to cap + 1: a result above cap
    means "more than cap"."""
    today = today or date.today()
    where = [
        visible_clause(session, user),
        due_clause(today),
        permissions.reviewable_decisions(session, user),
    ]
    return count_upto(session, where, cap + 1)
