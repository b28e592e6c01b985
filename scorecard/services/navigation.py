"""Small counts the navigation shows on every page."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from scorecard.models import User
from scorecard.services.decision_log import count_upto, due_clause, visible_clause

# The badge says "999+" beyond this: every page shows it, so it reads at most this many rows.
DUE_BADGE_CAP = 999


def reviews_due_count(
    session: Session, user: User, today: date | None = None, cap: int = DUE_BADGE_CAP
) -> int:
    """Decided decisions of the user's teams whose review date has come (as /decisions/due),
    counted up to cap + 1: a result above cap means "more than cap"."""
    today = today or date.today()
    return count_upto(session, [visible_clause(session, user), due_clause(today)], cap + 1)
