"""Sign-in throttling: per email address in the database, per client address with Flask-Limiter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from scorecard import create_app
from scorecard.extensions import db
from scorecard.models import SignInThrottle
from scorecard.services.throttle import LONGEST_LOCK, lock_length
from tests.conftest import PASSWORD, unavailable


def _fail(client, email="staff@example.com"):
    return client.post("/login", data={"email": email, "password": "not the right one"})


def test_account_locks_after_free_failures_even_for_the_right_password(app, client, org):
    for _ in range(5):
        assert _fail(client).status_code == 400
    locked = client.post("/login", data={"email": "staff@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Try again in 1 minute" in locked.get_data(as_text=True)


def test_lock_ends_and_a_good_sign_in_resets_the_count(app, client, org):
    for _ in range(5):
        _fail(client)
    with app.app_context():
        session = db.new_session(write=True)
        session.execute(
            sa.update(SignInThrottle).values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
        session.close()
    ok = client.post("/login", data={"email": "staff@example.com", "password": PASSWORD})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInThrottle)) == 0


def test_locks_grow_and_are_capped():
    assert lock_length(4, 5) is None
    assert lock_length(5, 5) == timedelta(seconds=30)
    assert lock_length(6, 5) == timedelta(seconds=60)
    assert lock_length(50, 5) == LONGEST_LOCK


def test_another_account_is_not_locked(client, org):
    for _ in range(6):
        _fail(client)
    ok = client.post("/login", data={"email": "manager@example.com", "password": PASSWORD})
    assert ok.status_code == 302


@pytest.fixture
def limited_app(app_config):
    application = create_app({**app_config, "SIGN_IN_RATE_LIMIT": "3 per minute"})
    yield application
    for limiter in application.extensions.get("limiter", ()):
        limiter.reset()
    application.extensions["database"].engine.dispose()


def test_client_address_is_limited_with_429(limited_app, org):
    client = limited_app.test_client()
    address = {"REMOTE_ADDR": f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        response = client.post(
            "/login", data={"email": email, "password": "whatever it is"}, environ_base=address
        )
        assert response.status_code == 400
    blocked = client.post(
        "/login", data={"email": "d@example.com", "password": "x" * 12}, environ_base=address
    )
    assert blocked.status_code == 429
    assert "try again later" in blocked.get_data(as_text=True)
    assert client.get("/login", environ_base=address).status_code == 200  # only POSTs count


def test_forwarded_address_is_ignored_without_a_trusted_proxy(limited_app, org):
    client = limited_app.test_client()
    for n in range(3):
        client.post(
            "/login",
            data={"email": "x@example.com", "password": "whatever it is"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            environ_base={"REMOTE_ADDR": "10.8.8.8"},
        )
    blocked = client.post(
        "/login",
        data={"email": "x@example.com", "password": "whatever it is"},
        headers={"X-Forwarded-For": "203.0.113.99"},
        environ_base={"REMOTE_ADDR": "10.8.8.8"},
    )
    assert blocked.status_code == 429


def test_forwarded_address_is_used_behind_a_trusted_proxy(app_config, org):
    application = create_app(
        {**app_config, "SIGN_IN_RATE_LIMIT": "2 per minute", "TRUSTED_PROXIES": 1}
    )
    try:
        client = application.test_client()
        for n in range(4):
            response = client.post(
                "/login",
                data={"email": "y@example.com", "password": "whatever it is"},
                headers={"X-Forwarded-For": f"198.51.100.{n + 10}"},
                environ_base={"REMOTE_ADDR": "10.7.7.7"},
            )
            assert response.status_code == 400  # each forwarded client has its own budget
    finally:
        application.extensions["database"].engine.dispose()


def test_redis_storage_when_redis_url_is_set(app_config, org):
    try:
        import redis
    except ImportError:
        unavailable("the redis package is not installed")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        unavailable("no Redis server on 127.0.0.1:6379 to share limits through")
    application = create_app(
        {**app_config, "RATELIMIT_STORAGE_URI": url, "SIGN_IN_RATE_LIMIT": "50 per minute"}
    )
    try:
        client = application.test_client()
        client.post(
            "/login",
            data={"email": "z@example.com", "password": "whatever it is"},
            environ_base={"REMOTE_ADDR": "10.6.6.6"},
        )
        keys = [k.decode() for k in redis.Redis.from_url(url).keys("*")]
        assert any("10.6.6.6" in k for k in keys), keys
    finally:
        redis.Redis.from_url(url).flushdb()
        application.extensions["database"].engine.dispose()
