"""Sign-in does not tell which accounts exist: every path does the same password work once and
answers the same way, lockout included. Proved by what is done, never by timing."""

from __future__ import annotations

import re

import argon2
import pytest

from tests.conftest import PASSWORD

WRONG = "not the right password at all"


@pytest.fixture
def argon2_calls(monkeypatch):
    """Counts the password hashes argon2 verifies and computes."""
    calls = {"verify": 0, "hash": 0}
    verify, hash_ = argon2.PasswordHasher.verify, argon2.PasswordHasher.hash

    def counted_verify(self, *args, **kwargs):
        calls["verify"] += 1
        return verify(self, *args, **kwargs)

    def counted_hash(self, *args, **kwargs):
        calls["hash"] += 1
        return hash_(self, *args, **kwargs)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counted_verify)
    monkeypatch.setattr(argon2.PasswordHasher, "hash", counted_hash)
    return calls


@pytest.fixture
def people(org, make):
    make.user("gone@example.com", "staff", teams=(org.ops,))
    return org


def _message(response) -> str:
    errors = re.findall(
        r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+?)\s*<', response.get_data(as_text=True)
    )
    return " ".join(errors)


def _attempt(client, calls, email, password=WRONG):
    before = dict(calls)
    response = client.post("/login", data={"email": email, "password": password})
    work = {k: calls[k] - before[k] for k in calls}
    return response.status_code, _message(response), work


def _deactivate(client, app, email):
    from scorecard.extensions import db
    from scorecard.services import accounts

    with app.app_context(), db.writing() as session:
        user = accounts.find_user(session, email)
        user.active = False


def test_every_failing_path_does_one_verification_and_answers_alike(
    app, client, people, argon2_calls
):
    _deactivate(client, app, "gone@example.com")
    client.post("/login", data={"email": "warm@example.com", "password": WRONG})  # first use
    answers = {
        "known, wrong password": _attempt(client, argon2_calls, "staff@example.com"),
        "unknown": _attempt(client, argon2_calls, "nobody@example.com"),
        "deactivated, wrong password": _attempt(client, argon2_calls, "gone@example.com"),
        "deactivated, right password": _attempt(client, argon2_calls, "gone@example.com", PASSWORD),
    }
    for path, (status, message, work) in answers.items():
        assert work == {"verify": 1, "hash": 0}, path
        assert (status, message) == answers["unknown"][:2], path
    assert answers["unknown"][1] == "The email or the password is not right."


def test_lockout_looks_the_same_for_known_and_unknown_addresses(app, client, people, argon2_calls):
    _deactivate(client, app, "gone@example.com")
    emails = ("staff@example.com", "nobody@example.com", "gone@example.com")
    for _ in range(5):
        for email in emails:
            status, _, work = _attempt(client, argon2_calls, email)
            assert (status, work["verify"]) == (400, 1)
    locked = {email: _attempt(client, argon2_calls, email) for email in emails}
    locked["right password"] = _attempt(client, argon2_calls, "staff@example.com", PASSWORD)
    for path, (status, message, work) in locked.items():
        assert status == 429, path
        assert message == locked["nobody@example.com"][1], path
        assert work == {"verify": 1, "hash": 0}, path
    assert "Too many failed sign-ins" in locked["nobody@example.com"][1]


def test_the_address_is_matched_as_typed_in_any_case(app, client, people, argon2_calls):
    for email in ("Nobody@Example.com", " nobody@example.com ", "NOBODY@EXAMPLE.COM"):
        for _ in range(2):
            _attempt(client, argon2_calls, email)
    status, message, _ = _attempt(client, argon2_calls, "nobody@example.com")
    assert status == 429, message
