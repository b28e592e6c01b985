"""Signing in and out, and changing one's password: the lockout after failed tries, the
rehash when argon2's cost settings changed, the audit, and the session generation that ends
every other session. The view starts or ends the browser's session and commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scorecard.models import User
from scorecard.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from scorecard.services import accounts, audit, throttle

WRONG = "The email or the password is not right."
NOT_CURRENT = "This is not your current password."


@dataclass(frozen=True)
class Attempt:
    """The outcome of a sign-in: the user, or why not (with the lock's minutes left)."""

    user: User | None
    refusal: str = ""
    locked: bool = False


def _locked_message(minutes: int) -> str:
    return (
        "Too many failed sign-ins with this email address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


def sign_in(session: Session, email: str, password: str, free_failures: int) -> Attempt:
    """Check the password and the lock of the address as typed; count a failure against it.

    Every path does the same work, whether or not an account has the address: one password
    verification (against a dummy hash when there is no account), one lookup of the lock, and
    the same answer for every refusal, so that nothing tells which accounts exist."""
    key = throttle.address_key(email)
    user = accounts.find_user(session, email)
    right = verify_password(user.password_hash if user is not None else dummy_hash(), password)
    lock = throttle.current_lock(session, key)
    if lock is not None:
        # Not even a right password opens a locked address, so guessing gains nothing.
        return Attempt(None, _locked_message(lock.minutes_left()), locked=True)
    if user is None or not user.active or not right:
        throttle.record_failure(session, key, free_failures)
        return Attempt(None, WRONG)
    throttle.clear(session, key)
    accounts.record_login(user)
    if needs_rehash(user.password_hash):  # the cost settings changed since it was hashed
        user.password_hash = hash_password(password)
    audit.record(session, user, "user", user.id, "sign_in")
    return Attempt(user)


def sign_out(session: Session, user: User) -> None:
    """Every other session and remember-me cookie of the user ends too."""
    user.session_generation += 1
    audit.record(session, user, "user", user.id, "sign_out")


def change_password(session: Session, user: User, current: str, new: str) -> str | None:
    """Set the user's new password if `current` is right; else say why not."""
    if not verify_password(user.password_hash, current):
        return NOT_CURRENT
    accounts.set_password(session, user, user, new)
    return None
