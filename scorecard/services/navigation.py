"""What the layout shows on every page: the counts in the navigation, open alerts, surveys
waiting, asked in one statement (the lists themselves are read only when there are some)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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


# Built statements by what they are made of: building one costs more than running it.
_built: OrderedDict[tuple[Any, ...], sa.Select] = OrderedDict()
_lock = threading.Lock()
BUILT_KEPT = 1024


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


def _counts(session: Session, user: User, today: date, surveys: bool) -> sa.Select:
    """The statement of the counts, built once per reader, day and kind of page: the key holds
    everything it is built from (the reader, the teams they see and manage, whether they are an
    admin, the day)."""
    admin = permissions.can_administer(user)
    key = (
        user.id,
        permissions.visible_teams(session, user),
        permissions.managed_teams(session, user),
        admin,
        today,
        surveys,
    )
    with _lock:
        statement = _built.get(key)
        if statement is not None:
            _built.move_to_end(key)
            return statement
    statement = sa.select(
        counter(_reviews_due(session, user, today), DUE_BADGE_CAP + 1).scalar_subquery(),
        notifications.unread_counter(user, BELL_CAP).scalar_subquery(),
        alerts.any_open() if admin else sa.false(),
        survey_reminders.any_waiting(user, today) if surveys else sa.false(),
    )
    with _lock:
        _built[key] = statement
        while len(_built) > BUILT_KEPT:
            _built.popitem(last=False)
    return statement


def layout(session: Session, user: User, today: date, *, surveys: bool = True) -> Layout:
    """The layout's counts in one statement; then the open alerts (admins) and the surveys
    waiting (unless `surveys` is False), each only where there is one."""
    due, unread, any_alert, any_survey = session.execute(
        _counts(session, user, today, surveys)
    ).one()
    return Layout(
        reviews_due=due,
        unread=unread,
        alerts=alerts.open_alerts(session) if any_alert else [],
        surveys=survey_reminders.waiting_for(session, user, today) if any_survey else [],
    )
