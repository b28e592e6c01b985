"""Session lifetimes: idle and absolute timeouts, a fresh session at sign-in, Secure cookies in production."""

from __future__ import annotations

import time

import pytest

from scorecard import create_app
from tests.conftest import sign_in


def _age(client, **seconds_ago: int) -> None:
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = int(time.time()) - ago


def test_idle_session_ends(client, org, app):
    sign_in(client, "staff@example.com")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    _age(client, seen_at=idle + 5)
    response = client.get("/decisions")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_active_session_survives_below_the_idle_limit(client, org, app):
    sign_in(client, "staff@example.com")
    _age(client, seen_at=app.config["SESSION_IDLE_MINUTES"] * 60 - 60)
    assert client.get("/decisions").status_code == 200


def test_absolute_timeout_ends_even_a_busy_session(client, org, app):
    sign_in(client, "staff@example.com")
    _age(client, auth_at=app.config["SESSION_ABSOLUTE_HOURS"] * 3600 + 5, seen_at=1)
    assert client.get("/decisions").status_code == 302


def test_sign_in_starts_a_new_session(client, org):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, "staff@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_remember_me_cookie_is_httponly_and_lax(client, org):
    response = client.post(
        "/login",
        data={
            "email": "staff@example.com",
            "password": "correct-staple-battery-7",
            "remember": "y",
        },
    )
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


@pytest.fixture
def production_app(app_config, monkeypatch):
    monkeypatch.setenv("DOBETTER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test-only")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    settings = {k: v for k, v in app_config.items() if k != "SECRET_KEY"}
    # Production needs REDIS_URL to start; these tests never reach its throttling storage.
    application = create_app({**settings, "RATELIMIT_STORAGE_URI": "memory://"})
    yield application
    application.extensions["database"].engine.dispose()


def test_production_cookies_are_secure_and_hsts_is_sent(production_app, org):
    client = production_app.test_client()
    response = client.post(
        "/login",
        data={
            "email": "staff@example.com",
            "password": "correct-staple-battery-7",
            "remember": "y",
        },
        base_url="https://localhost",
    )
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie
    assert (
        "max-age"
        in client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    )


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, app_config):
    from scorecard.config import ConfigError

    monkeypatch.setenv("DOBETTER_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app({k: v for k, v in app_config.items() if k != "SECRET_KEY"})


def test_production_refuses_to_start_without_shared_throttling_storage(monkeypatch, app_config):
    from scorecard.config import ConfigError

    monkeypatch.setenv("DOBETTER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test-only")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match="REDIS_URL must be set when DOBETTER_ENV=production"):
        create_app({k: v for k, v in app_config.items() if k != "SECRET_KEY"})


def test_production_refuses_to_start_from_the_command_line_too(tmp_path):
    """What an operator sees: a non-zero exit that names the missing setting."""
    import os
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL",) and not k.startswith("FLASK_")
    }
    env.update(
        DOBETTER_ENV="production",
        SECRET_KEY="a-production-secret-for-this-test-only",
        DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite'}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "current"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "REDIS_URL must be set when DOBETTER_ENV=production" in result.stderr
