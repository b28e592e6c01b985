"""The password rules of ASVS 6.2: length 12..128, not a well-known password, nothing else."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from scorecard.security import MAX_PASSWORD, MIN_PASSWORD

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
