"""Sign-in throttling per client address under gunicorn with several workers: with the shared
storage production requires (Redis), no more failed sign-ins from one address get through in a
minute than the limit allows, whichever worker answers; and production refuses to start
without that storage."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from bench.liveserver import ROOT, app_env, csrf_token, gunicorn, prepare_database
from bench.soak import record


def _attempt(url: str, n: int) -> int:
    """One failed sign-in, with a fresh session and CSRF token as a browser would send it."""
    with requests.Session() as session:
        token = csrf_token(session.get(f"{url}/login", timeout=60).text)
        response = session.post(
            f"{url}/login",
            data={
                "csrf_token": token,
                "email": f"nobody-{n}@example.com",  # a new address each time: no account lock
                "password": "not the password of anyone",
            },
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code


def production_without_redis(database_url: str) -> str:
    """What the app says when production is started without REDIS_URL (empty if it started)."""
    env = app_env(database_url)
    env["DOBETTER_ENV"] = "production"
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "current"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return ""
    return next((line for line in reversed(result.stderr.splitlines()) if line.strip()), "")


def run(
    database_url: str,
    redis_url: str,
    attempts: int = 100,
    limit: int = 20,
    workers: int = 4,
    clients: int = 8,
) -> dict[str, Any]:
    env = prepare_database(database_url)
    env.update(
        REDIS_URL=redis_url,
        SIGN_IN_RATE_LIMIT=f"{limit} per minute",
        RATELIMIT_KEY_PREFIX=f"throttle-run-{uuid.uuid4().hex[:8]}",  # counts of no other run
    )
    with gunicorn(env, workers) as server, ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(lambda n: _attempt(server.url, n), range(attempts)))
        pids = server.worker_pids()
    refused = statuses.count(429)
    return {
        "backend": "sqlite" if database_url.startswith("sqlite") else "postgresql",
        "workers": len(pids),
        "limit per minute": limit,
        "failed sign-ins sent": attempts,
        "let through": attempts - refused,
        "refused with 429": refused,
        "other statuses": sorted({s for s in statuses if s not in (400, 429)}),
        "limit held": attempts - refused <= limit,
        "production without REDIS_URL": production_without_redis(database_url),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--attempts", type=int, default=150)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--record", action="store_true", help="write the figures to docs/security.md"
    )
    args = parser.parse_args()
    folder = Path(__file__).resolve().parent / "data"
    folder.mkdir(exist_ok=True)
    url = f"sqlite:///{folder / f'throttle-{uuid.uuid4().hex[:8]}.sqlite'}"
    result = run(url, args.redis_url, args.attempts, args.limit, args.workers)
    print(json.dumps(result, indent=2))
    if args.record:
        record("throttle", "Sign-in throttling across 4 workers", result)


if __name__ == "__main__":
    main()
