"""Passwords: hashing (argon2id) and the rules of ASVS 6.2 (length 12..128, not a well-known
password, nothing else)."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def configure(time_cost: int | None = None, memory_kib: int | None = None) -> None:
    """Tune argon2id's cost (ARGON2_TIME_COST, ARGON2_MEMORY_KIB); existing hashes keep verifying."""
    global _hasher
    defaults = PasswordHasher()
    _hasher = PasswordHasher(
        time_cost=time_cost or defaults.time_cost,
        memory_cost=memory_kib or defaults.memory_cost,
        parallelism=defaults.parallelism,
    )


MIN_PASSWORD = 12
MAX_PASSWORD = 128


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_dummy: dict[PasswordHasher, str] = {}


def dummy_hash() -> str:
    """A hash of the current cost that no password matches, made once per cost setting: checking
    a password against it costs what a real check costs, for addresses without an account."""
    if _hasher not in _dummy:
        _dummy[_hasher] = _hasher.hash(secrets.token_urlsafe(32))
    return _dummy[_hasher]


COMMON_LIST = Path(__file__).with_name("data") / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    with COMMON_LIST.open(encoding="utf-8") as handle:
        return frozenset(
            line.strip().lower() for line in handle if line.strip() and not line.startswith("#")
        )


def password_problem(password: str) -> str | None:
    """Why the password cannot be used, or None when it is fine."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    if password.strip().lower() in common_passwords():
        return "This password is on a list of commonly used passwords; choose another."
    return None
