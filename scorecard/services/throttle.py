"""Failed sign-ins counted per account in the database, so the limit holds across workers and
machines: a few free tries, then a lock that doubles with each further failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import User

FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)


@dataclass(frozen=True)
class Lock:
    until: datetime

    def minutes_left(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        return max(1, int((self.until - now).total_seconds() + 59) // 60)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def current_lock(user: User, now: datetime | None = None) -> Lock | None:
    now = now or datetime.now(UTC)
    if user.locked_until is not None and _aware(user.locked_until) > now:
        return Lock(_aware(user.locked_until))
    return None


def lock_length(failures: int, free_failures: int) -> timedelta | None:
    if failures < free_failures:
        return None
    doublings = min(failures - free_failures, 16)  # 30 s · 2^16 is already far past the cap
    return min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)


def record_failure(session: Session, user: User, free_failures: int) -> Lock | None:
    """Count one failure atomically (concurrent requests may race) and lock when due."""
    failures = session.scalar(
        sa.update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    )
    length = lock_length(failures or 0, free_failures)
    if length is None:
        return None
    until = datetime.now(UTC) + length
    session.execute(sa.update(User).where(User.id == user.id).values(locked_until=until))
    return Lock(until)
