"""Failed sign-ins counted per email address as typed, in the database, so that the limit holds
across workers and machines and says nothing about which accounts exist: a known address and
an unknown one are counted and locked alike. A few free tries, then a lock that doubles with
each further failure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import SignInThrottle

FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)  # a counter untouched this long is deleted


@dataclass(frozen=True)
class Lock:
    until: datetime

    def minutes_left(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        return max(1, int((self.until - now).total_seconds() + 59) // 60)


def address_key(email: str) -> str:
    """The key of an address as typed: case and surrounding spaces do not make another one."""
    return hashlib.sha256(email.strip().casefold().encode("utf-8", "replace")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def current_lock(session: Session, key: str, now: datetime | None = None) -> Lock | None:
    now = now or datetime.now(UTC)
    until = session.scalar(
        sa.select(SignInThrottle.locked_until).where(SignInThrottle.address_key == key)
    )
    if until is not None and _aware(until) > now:
        return Lock(_aware(until))
    return None


def lock_length(failures: int, free_failures: int) -> timedelta | None:
    if failures < free_failures:
        return None
    doublings = min(failures - free_failures, 16)  # 30 s · 2^16 is already far past the cap
    return min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)


def record_failure(session: Session, key: str, free_failures: int) -> Lock | None:
    """Count one failure atomically (concurrent requests may race) and lock when due."""
    now = datetime.now(UTC)
    session.execute(sa.delete(SignInThrottle).where(SignInThrottle.updated_at < now - FORGET_AFTER))
    failures = session.scalar(
        sa.update(SignInThrottle)
        .where(SignInThrottle.address_key == key)
        .values(failures=SignInThrottle.failures + 1, updated_at=now)
        .returning(SignInThrottle.failures)
    )
    if failures is None:
        failures = _first_failure(session, key, now)
    length = lock_length(failures, free_failures)
    if length is None:
        return None
    until = now + length
    session.execute(
        sa.update(SignInThrottle)
        .where(SignInThrottle.address_key == key)
        .values(locked_until=until)
    )
    return Lock(until)


def _first_failure(session: Session, key: str, now: datetime) -> int:
    """A new counter at 1, or one more on the counter another request has just made."""
    try:
        with session.begin_nested():
            session.add(SignInThrottle(address_key=key, failures=1, updated_at=now))
        return 1
    except sa.exc.IntegrityError:
        return (
            session.scalar(
                sa.update(SignInThrottle)
                .where(SignInThrottle.address_key == key)
                .values(failures=SignInThrottle.failures + 1, updated_at=now)
                .returning(SignInThrottle.failures)
            )
            or 1
        )


def clear(session: Session, key: str) -> None:
    """A good sign-in forgets the failures of its address."""
    session.execute(sa.delete(SignInThrottle).where(SignInThrottle.address_key == key))
