"""Notifications: what each person should know or do, shown by the bell and sent by email.

The public API, for any part of the application that has something to tell someone:

    notify(session, recipients, kind, *, key, title, body="", link="", decision=None, actor=None)
        Tell these people (users or user ids) of one thing, in the caller's transaction (the
        caller commits, so the notification exists exactly when the write it is about does).
        `key` names the thing, e.g. f"suggestion:{s.id}:accepted": a person is told of one key
        once, whoever calls again (a repeat is ignored, also between concurrent writers).
        `title` is one line ("Your review of “Vans” is due today"); `body` an excerpt; `link`
        the path to act on it (a local path such as url_for(...) returns; it is opened from
        the bell and from emails). The actor is never told of their own act; deactivated
        accounts are not told; with `decision`, only people who can see it are told.
        Returns the ids of the people newly told.

    done(session, *, keys=None, key_prefix=None, decision_id=None, kinds=None, user_ids=None)
        The thing is done (the review recorded, the suggestion answered): the matching
        notifications leave the bell and are not emailed any more. Returns how many.

    unread_count(session, user), listing(session, user, page), mark_read(session, user, id),
    mark_all_read(session, user), open_link(session, user, id): what the bell and the
    notifications page use.

Kinds name the reason a person is told; KIND_LABELS gives each a word for the page (a new
kind should add its label). Email follows each person's preference: instantly (the delivery
job is enqueued when the caller's transaction commits, see scorecard.tasks.reminders), in a
daily or weekly digest, or never; services.email_delivery decides which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from scorecard import permissions
from scorecard.models import Decision, Notification, User, utcnow

PAGE_SIZE = 50
TITLE_MAX = 300
BODY_MAX = 1000

# Each kind, as the notifications page names it.
KIND_LABELS = {
    "review_due": "Review due",
    "review_overdue": "Review overdue",
    "team_review_overdue": "Team review overdue",
    "comment": "Comment",
    "mention": "Mention",
    "answer": "Answer",
    "question": "Question",
    "suggestion": "Suggestion",
    "survey": "Survey",
}
REVIEW_KINDS = ("review_due", "review_overdue", "team_review_overdue")


# Set in session.info by a caller that sends the email itself (the reminders pass), so that no
# delivery job is enqueued for its notifications.
DELIVERED_BY_CALLER = "notifications.delivered_by_caller"
_listeners: list[Callable[[Session], None]] = []


def on_notify(listener: Callable[[Session], None]) -> Callable[[Session], None]:
    """Register a function called with the session each time notify() tells someone (the
    delivery job enqueues its email with it, to be sent once the transaction commits)."""
    _listeners.append(listener)
    return listener


class NotificationError(ValueError):
    """A notification that cannot be made as asked (a bad link, an empty title)."""


def _user_ids(recipients: Iterable[User | int]) -> set[int]:
    return {r if isinstance(r, int) else r.id for r in recipients}


def can_see_ids(session: Session, decision: Decision, user_ids: set[int]) -> set[int]:
    """Of these people, those who can see the decision (`permissions.decision_audience`)."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            sa.select(User.id).where(User.id.in_(user_ids), permissions.decision_audience(decision))
        )
    )


def _insert(session: Session):  # the dialect's INSERT, which can ignore a repeated key
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(Notification)


def notify(
    session: Session,
    recipients: Iterable[User | int],
    kind: str,
    *,
    key: str,
    title: str,
    body: str = "",
    link: str = "",
    decision: Decision | None = None,
    actor: User | None = None,
) -> set[int]:
    """Tell each recipient of one thing once; see the module's description."""
    title = " ".join(title.split())[:TITLE_MAX]
    if not title:
        raise NotificationError("a notification needs a title")
    if link and (not link.startswith("/") or link.startswith("//")):
        raise NotificationError(f"a notification links to a path of the application, not {link!r}")
    ids = _user_ids(recipients) - ({actor.id} if actor is not None else set())
    if ids:
        ids = set(session.scalars(sa.select(User.id).where(User.id.in_(ids), User.active)))
    if decision is not None:
        ids = can_see_ids(session, decision, ids)
    if not ids:
        return set()
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "key": key[:200],
            "title": title,
            "body": body.strip()[:BODY_MAX],
            "link": link,
            "decision_id": decision.id if decision is not None else None,
            "actor_id": actor.id if actor is not None else None,
            "created_at": now,
        }
        for user_id in sorted(ids)
    ]
    statement = (
        _insert(session)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(Notification.user_id)
    )
    told = set(session.scalars(statement, rows))
    if told and not session.info.get(DELIVERED_BY_CALLER):
        for listener in _listeners:
            listener(session)
    return told


def done(
    session: Session,
    *,
    keys: Iterable[str] | None = None,
    key_prefix: str | None = None,
    decision_id: int | None = None,
    kinds: Iterable[str] | None = None,
    user_ids: Iterable[int] | None = None,
) -> int:
    """Mark the matching notifications done: the bell and email stop telling of them."""
    conditions = [Notification.done_at.is_(None)]
    if keys is not None:
        conditions.append(Notification.key.in_(list(keys)))
    if key_prefix is not None:
        conditions.append(Notification.key.startswith(key_prefix, autoescape=True))
    if decision_id is not None:
        conditions.append(Notification.decision_id == decision_id)
    if kinds is not None:
        conditions.append(Notification.kind.in_(list(kinds)))
    if user_ids is not None:
        conditions.append(Notification.user_id.in_(list(user_ids)))
    if len(conditions) == 1:
        raise NotificationError("say which notifications are done")
    result = session.execute(
        sa.update(Notification).where(*conditions).values(done_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


# The bell and the page ---------------------------------------------------------------------------


def _waiting(user: User) -> list[sa.ColumnElement[bool]]:
    return [
        Notification.user_id == user.id,
        Notification.read_at.is_(None),
        Notification.done_at.is_(None),
    ]


def unread_count(session: Session, user: User, cap: int = 99) -> int:
    """Unread notifications of things not yet done, counted up to cap + 1."""
    return session.scalar(unread_counter(user, cap)) or 0


def unread_counter(user: User, cap: int = 99) -> sa.Select[tuple[int]]:
    """The statement of `unread_count`, also for one that counts several things."""
    inner = sa.select(Notification.id).where(*_waiting(user)).limit(cap + 1).subquery()
    return sa.select(sa.func.count()).select_from(inner)


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    page: int
    pages: int
    total: int
    unread: int


def listing(session: Session, user: User, page: int = 1) -> NotificationPage:
    """The person's notifications, newest first, PAGE_SIZE a page."""
    total = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id)
        )
        or 0
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    items = list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .options(joinedload(Notification.actor))
            .order_by(Notification.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    return NotificationPage(items, page, pages, total, unread_count(session, user))


def _set_read(session: Session, conditions: list[sa.ColumnElement[bool]], when: datetime) -> int:
    result = session.execute(
        sa.update(Notification)
        .where(*conditions, Notification.read_at.is_(None))
        .values(read_at=when),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


def mark_read(session: Session, user: User, notification_id: int) -> bool:
    """Mark one of the person's notifications read; False if it is not theirs (or not there)."""
    exists = session.scalar(
        sa.select(Notification.id).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if exists is None:
        return False
    _set_read(session, [Notification.id == notification_id], utcnow())
    return True


def mark_all_read(session: Session, user: User) -> int:
    return _set_read(session, [Notification.user_id == user.id], utcnow())


def open_link(session: Session, user: User, notification_id: int) -> str | None:
    """Mark the notification read and give the path it leads to; None if it is not theirs."""
    # The write comes first, so that SQLite takes its write lock before reading anything.
    _set_read(
        session,
        [Notification.id == notification_id, Notification.user_id == user.id],
        utcnow(),
    )
    return session.scalar(
        sa.select(Notification.link).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
