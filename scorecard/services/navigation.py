"""Small counts the navigation shows on every page."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import Decision, User
from scorecard.services.decision_log import due_clause, visible_clause


def reviews_due_count(session: Session, user: User, today: date | None = None) -> int:
    """Decided decisions of the user's teams whose review date has come (as /decisions/due)."""
    today = today or date.today()
    query = sa.select(sa.func.count(Decision.id)).where(
        visible_clause(session, user), due_clause(today)
    )
    return session.scalar(query) or 0
