"""Which notifications go by email to whom, and the record of every email: composed, claimed
by a sender, sent, retried or failed. Rendering and sending live in scorecard.mail.

Each person's preference decides: `instantly` (one email per notification), a `daily` or
`weekly` digest (one email per day or ISO week with what is still waiting), or `never`. Only
active accounts get email, and only of notifications still unread and not done. Every email
has a key unique per person ("instant:<notification>", "daily:<day>", "weekly:<year>-W<week>"),
so running the job twice sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scorecard.models import EmailFrequency, EmailMessage, Notification, User, utcnow
from scorecard.services import audit

# A digest carries what is waiting from this far back at most.
DIGEST_LOOKBACK_DAYS = 14
# A sender holds a message this long; if it dies meanwhile, another sender takes it over.
CLAIM_MINUTES = 10
# Waits between attempts: 1 minute, 5, 30, 2 hours, 6 hours…
BACKOFF_MINUTES = (1, 5, 30, 120, 360)


@dataclass(frozen=True)
class Batch:
    """One email to write: to whom, what kind, its key, the notifications it carries."""

    user: User
    kind: str  # instant, daily, weekly
    key: str
    notifications: list[Notification]


def _waiting(since: datetime | None = None) -> list[sa.ColumnElement[bool]]:
    conditions = [
        Notification.email_id.is_(None),
        Notification.read_at.is_(None),
        Notification.done_at.is_(None),
        User.active,
    ]
    if since is not None:
        conditions.append(Notification.created_at >= since)
    return conditions


def period_key(frequency: str, today: date) -> str:
    if frequency == EmailFrequency.WEEKLY:
        year, week, _ = today.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return f"daily:{today.isoformat()}"


def batches(session: Session, today: date, now: datetime, *, digests: bool = True) -> list[Batch]:
    """The emails due now: each instant notification and, with `digests`, the digests of this
    day or week (written by the daily pass only, so that a digest carries the whole day)."""
    rows = session.execute(
        sa.select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(
            *_waiting(now - timedelta(days=DIGEST_LOOKBACK_DAYS)),
            User.email_frequency != EmailFrequency.NEVER,
        )
        .order_by(Notification.user_id, Notification.id)
    ).all()
    result: list[Batch] = []
    by_period: dict[tuple[int, str], list[Notification]] = defaultdict(list)
    users: dict[int, User] = {}
    for notification, user in rows:
        users[user.id] = user
        if user.email_frequency == EmailFrequency.INSTANTLY:
            result.append(Batch(user, "instant", f"instant:{notification.id}", [notification]))
        elif digests:
            by_period[(user.id, period_key(user.email_frequency, today))].append(notification)
    sent = _existing_keys(session, {key for _user, key in by_period})
    for (user_id, key), items in by_period.items():
        if (user_id, key) not in sent:
            result.append(Batch(users[user_id], key.split(":", 1)[0], key, items))
    return result


def _existing_keys(session: Session, keys: set[str]) -> set[tuple[int, str]]:
    if not keys:
        return set()
    rows = session.execute(
        sa.select(EmailMessage.user_id, EmailMessage.key).where(EmailMessage.key.in_(keys))
    )
    return {(user_id, key) for user_id, key in rows}


def record(
    session: Session, batch: Batch, subject: str, text_body: str, html_body: str
) -> int | None:
    """Keep the composed email, to be sent; None if this email exists already."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(EmailMessage)
        .values(
            user_id=batch.user.id,
            kind=batch.kind,
            key=batch.key,
            to_address=batch.user.email,
            subject=subject[:300],
            text_body=text_body,
            html_body=html_body,
            created_at=utcnow(),
            attempts=0,
            last_error="",
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(EmailMessage.id)
    )
    message_id = session.scalar(statement)
    if message_id is not None:
        session.execute(
            sa.update(Notification)
            .where(Notification.id.in_([n.id for n in batch.notifications]))
            .values(email_id=message_id),
            execution_options={"synchronize_session": False},
        )
    return message_id


# Sending -----------------------------------------------------------------------------------------


def pending(session: Session, now: datetime, limit: int = 200) -> list[int]:
    """Messages to send now: not sent, not failed, not held by another sender."""
    return list(
        session.scalars(
            sa.select(EmailMessage.id)
            .where(
                EmailMessage.sent_at.is_(None),
                EmailMessage.failed_at.is_(None),
                sa.or_(EmailMessage.next_attempt_at.is_(None), EmailMessage.next_attempt_at <= now),
            )
            .order_by(EmailMessage.id)
            .limit(limit)
        )
    )


def claim(session: Session, message_id: int, now: datetime) -> EmailMessage | None:
    """Take the message for one attempt, so that no other sender sends it meanwhile; the
    caller commits before sending. None if it was sent, failed or taken already."""
    taken = session.scalar(
        sa.update(EmailMessage)
        .where(
            EmailMessage.id == message_id,
            EmailMessage.sent_at.is_(None),
            EmailMessage.failed_at.is_(None),
            sa.or_(EmailMessage.next_attempt_at.is_(None), EmailMessage.next_attempt_at <= now),
        )
        .values(
            attempts=EmailMessage.attempts + 1,
            next_attempt_at=now + timedelta(minutes=CLAIM_MINUTES),
        )
        .returning(EmailMessage.id),
        execution_options={"synchronize_session": False},
    )
    if taken is None:
        return None
    message = session.get(EmailMessage, message_id, populate_existing=True)
    return message


def still_wanted(session: Session, message: EmailMessage) -> str | None:
    """Why the message should not go any more (account deactivated, everything done), or None."""
    user = session.get(User, message.user_id)
    if user is None or not user.active:
        return "not sent: the account is deactivated"
    if user.email_frequency == EmailFrequency.NEVER:
        return "not sent: the person unsubscribed"
    waiting = session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.email_id == message.id, Notification.done_at.is_(None))
    )
    carried = session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.email_id == message.id)
    )
    if carried and not waiting:
        return "not sent: what it told of is done"
    return None


def mark_sent(session: Session, message: EmailMessage, now: datetime) -> None:
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = ""


def mark_failed(
    session: Session,
    message: EmailMessage,
    now: datetime,
    error: str,
    *,
    permanent: bool,
    max_attempts: int,
) -> bool:
    """Record a failed attempt; True if it is final (no attempt is left or it cannot work)."""
    message.last_error = error[:2000]
    if permanent or message.attempts >= max_attempts:
        message.failed_at = now
        message.next_attempt_at = None
        return True
    wait = BACKOFF_MINUTES[min(message.attempts - 1, len(BACKOFF_MINUTES) - 1)]
    message.next_attempt_at = now + timedelta(minutes=wait)
    return False


FREQUENCIES = tuple(f.value for f in EmailFrequency)


def set_frequency(session: Session, actor: User | None, user: User, frequency: str) -> bool:
    """How this person's notifications reach them by email; False if it was so already.
    `actor` is None for the one-click unsubscribe link, which needs no sign-in."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"email frequency must be one of {', '.join(FREQUENCIES)}")
    if user.email_frequency == frequency:
        return False
    audit.record(
        session,
        actor,
        "user",
        user.id,
        "email_frequency",
        {"email_frequency": [user.email_frequency, frequency]},
    )
    user.email_frequency = frequency
    return True
