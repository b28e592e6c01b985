"""What the layout shows on every page: the counts in the navigation, open alerts, surveys
waiting, asked in one statement (the lists themselves are read only when there are some)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.models import Alert, User
from scorecard.services import alerts, notifications, survey_reminders
from scorecard.services.decision_log import counter, due_clause, visible_clause

# The badge says "999+" beyond this: every page shows it, so it reads at most this many rows.
DUE_BADGE_CAP = 999
# The bell says "99+" beyond this.
BELL_CAP = 99


@dataclass(frozen=True)
class Layout:
    reviews_due: int  # counted up to DUE_BADGE_CAP + 1
    unread: int  # counted up to BELL_CAP + 1
    alerts: list[Alert] = field(default_factory=list)  # open ones, for admins
    surveys: list[survey_reminders.Waiting] = field(default_factory=list)


def _reviews_due(session: Session, user: User, today: date) -> list[sa.ColumnElement[bool]]:
    return [
        visible_clause(session, user),
        due_clause(today),
        permissions.reviewable_decisions(session, user),
    ]


def layout(session: Session, user: User, today: date, *, surveys: bool = True) -> Layout:
    """The layout's counts in one statement; then the open alerts (admins) and the surveys
    waiting (unless `surveys` is False), each only where there is one."""
    counts = sa.select(
        counter(_reviews_due(session, user, today), DUE_BADGE_CAP + 1).scalar_subquery(),
        notifications.unread_counter(user, BELL_CAP).scalar_subquery(),
        alerts.any_open() if permissions.can_administer(user) else sa.false(),
        survey_reminders.any_waiting(user, today) if surveys else sa.false(),
    )
    due, unread, any_alert, any_survey = session.execute(counts).one()
    return Layout(
        reviews_due=due,
        unread=unread,
        alerts=alerts.open_alerts(session) if any_alert else [],
        surveys=survey_reminders.waiting_for(session, user, today) if any_survey else [],
    )
