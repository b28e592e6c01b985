"""Small counts the navigation shows on every page."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import Decision, Status, User
from scorecard.services.accounts import visible_team_ids


def reviews_due_count(session: Session, user: User, today: date | None = None) -> int:
    """Decided decisions of the user's teams whose review date has come."""
    today = today or date.today()
    query = sa.select(sa.func.count(Decision.id)).where(
        Decision.status == Status.DECIDED,
        ~Decision.archived,
        Decision.review_due.is_not(None),
        Decision.review_due <= today,
    )
    team_ids = visible_team_ids(session, user)
    if team_ids is not None:
        if not team_ids:
            return 0
        query = query.where(Decision.team_id.in_(team_ids))
    return session.scalar(query) or 0
