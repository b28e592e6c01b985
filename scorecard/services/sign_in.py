"""One sign-in attempt, decided the same way whether or not the address has an account: one
password verification on every path, one answer for every failure, one lockout for all."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from scorecard.models import User
from scorecard.security import dummy_hash, hash_password, needs_rehash, verify_password
from scorecard.services import accounts, audit, throttle


class Outcome(enum.Enum):
    SIGNED_IN = "signed in"
    REFUSED = "refused"
    LOCKED = "locked"


REFUSED_MESSAGE = "The email or the password is not right."


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    user: User | None = None
    lock: throttle.Lock | None = None

    @property
    def message(self) -> str:
        if self.lock is not None:
            minutes = self.lock.minutes_left()
            return (
                "Too many failed sign-ins with this email address. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
            )
        return REFUSED_MESSAGE


def attempt(session: Session, email: str, password: str, free_failures: int) -> Attempt:
    """Check the password (always, once), then the lock, then the account; the caller commits."""
    key = throttle.address_key(email)
    user = accounts.find_user(session, email)
    right = verify_password(user.password_hash if user else dummy_hash(), password)
    lock = throttle.current_lock(session, key)
    if lock is not None:
        # Not even a right password opens a locked address, so guessing gains nothing.
        return Attempt(Outcome.LOCKED, lock=lock)
    if user is None or not user.active or not right:
        throttle.record_failure(session, key, free_failures)
        return Attempt(Outcome.REFUSED)
    throttle.clear(session, key)
    accounts.record_login(user)
    if needs_rehash(user.password_hash):  # the cost settings changed since it was hashed
        user.password_hash = hash_password(password)
    audit.record(session, user, "user", user.id, "sign_in")
    return Attempt(Outcome.SIGNED_IN, user=user)
