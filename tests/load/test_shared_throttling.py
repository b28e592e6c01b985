"""Sign-in throttling per client address holds across gunicorn workers: the shared storage
(Redis) counts every worker's attempts, so no more than the limit get through in a minute."""

from __future__ import annotations

import pytest

from bench.throttle import run
from tests.conftest import unavailable

pytestmark = pytest.mark.load
REDIS = "redis://127.0.0.1:6379/0"


def test_four_workers_hold_the_limit_of_one_address(tmp_path):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.exceptions.ConnectionError:
        unavailable("no Redis server on 127.0.0.1:6379 to share sign-in limits through")
    result = run(f"sqlite:///{tmp_path / 'throttle.sqlite'}", REDIS, attempts=60, limit=10)
    assert result["workers"] == 4
    assert result["other statuses"] == []
    assert result["let through"] == 10, result
    assert result["refused with 429"] == 50
    assert "REDIS_URL must be set" in result["production without REDIS_URL"]
