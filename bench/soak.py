"""Concurrency without loss: simulated users mixing reads with decision submissions and edits
against gunicorn with several workers; then every accepted write is looked for in the database
and the audit chain is verified.

    python -m bench.soak --users 50 --seconds 60 [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from bench.liveserver import form_fields, gunicorn, prepare_database, signed_in, temporary_postgres

TEXT_FIELDS = ("question", "context", "decision_taken", "alternatives")


@dataclass
class Tally:
    requests: int = 0
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # title -> decision id
    edited: dict[int, str] = field(default_factory=dict)  # decision id -> title after the edit
    conflicts: int = 0
    refused: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, response: requests.Response, started: float) -> None:
        with self.lock:
            self.requests += 1
            self.latencies.append(time.perf_counter() - started)
            if response.status_code >= 500:
                self.server_errors += 1
                self.failures.append(
                    f"{response.request.method} {response.url} → {response.status_code}"
                )


def _fill(fields: list[tuple[str, str]], title: str) -> list[tuple[str, str]]:
    filled = []
    for name, value in fields:
        if name == "title":
            value = title
        elif name.split("-")[-1] in TEXT_FIELDS and not value.strip():
            value = f"Load run text for {title}."
        filled.append((name, value))
    return filled


def _errors(html: str) -> list[str]:
    return re.findall(r"invalid-feedback[^>]*>\s*([^<]+?)\s*<", html)[:3]


def _user_loop(base: str, email: str, deadline: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    try:
        http = signed_in(base, email)
    except Exception as error:
        with tally.lock:
            tally.failures.append(f"sign-in {email}: {error}")
        return
    mine: list[int] = []
    seen: list[int] = []
    while time.monotonic() < deadline:
        roll = rng.random()
        started = time.perf_counter()
        try:
            if roll < 0.45:
                response = http.get(
                    f"{base}/decisions", params={"page": rng.randint(1, 4)}, timeout=60
                )
                tally.note(response, started)
                seen = [
                    int(i) for i in re.findall(r'href="/decisions/(\d+)"', response.text)
                ] or seen
            elif roll < 0.65 and seen:
                response = http.get(f"{base}/decisions/{rng.choice(seen)}", timeout=60)
                tally.note(response, started)
            elif roll < 0.9 or not mine:
                page = http.get(f"{base}/decisions/new", timeout=60)
                tally.note(page, started)
                title = f"Load run {uuid.uuid4().hex[:12]}"
                started = time.perf_counter()
                response = http.post(
                    f"{base}/decisions/new",
                    data=_fill(form_fields(page.text, "/decisions/new"), title),
                    allow_redirects=False,
                    timeout=60,
                )
                tally.note(response, started)
                if response.status_code in (302, 303):
                    decision_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
                    mine.append(decision_id)
                    with tally.lock:
                        tally.created[title] = decision_id
                elif response.status_code < 500:
                    with tally.lock:
                        tally.refused += 1
                        tally.failures.append(
                            f"new refused {response.status_code}: {_errors(response.text)}"
                        )
            else:
                decision_id = rng.choice(mine)
                page = http.get(f"{base}/decisions/{decision_id}/edit", timeout=60)
                tally.note(page, started)
                title = f"Load run edit {uuid.uuid4().hex[:12]}"
                started = time.perf_counter()
                response = http.post(
                    f"{base}/decisions/{decision_id}/edit",
                    data=_fill(form_fields(page.text, f"/decisions/{decision_id}/edit"), title),
                    allow_redirects=False,
                    timeout=60,
                )
                tally.note(response, started)
                if response.status_code in (302, 303):
                    with tally.lock:
                        tally.edited[decision_id] = title
                elif response.status_code == 409:
                    with tally.lock:
                        tally.conflicts += 1
                elif response.status_code < 500:
                    with tally.lock:
                        tally.refused += 1
                        tally.failures.append(
                            f"edit refused {response.status_code}: {_errors(response.text)}"
                        )
        except requests.RequestException as error:
            with tally.lock:
                tally.failures.append(f"{email}: {type(error).__name__}: {error}")


def _staff_emails(engine: sa.Engine, count: int) -> list[str]:
    with engine.connect() as connection:
        emails = (
            connection.execute(
                sa.text(
                    "SELECT DISTINCT u.email FROM user_account u JOIN membership m ON m.user_id = u.id "
                    "WHERE u.active ORDER BY u.email"
                )
            )
            .scalars()
            .all()
        )
    return [emails[i % len(emails)] for i in range(count)]


def check_database(engine: sa.Engine, tally: Tally) -> dict[str, Any]:
    """Every accepted write is there, the database is sound, the audit chain verifies, the
    stored sums equal the decisions added up again."""
    from scorecard.services import reference, score_cache
    from scorecard.services.audit import verify_chain

    with engine.connect() as connection:
        titles = dict(
            connection.execute(
                sa.text("SELECT id, title FROM decision WHERE title LIKE 'Load run%'")
            ).all()
        )
        integrity = "ok"
        if engine.dialect.name == "sqlite":
            integrity = connection.execute(sa.text("PRAGMA integrity_check")).scalar()
    lost = [t for t, i in tally.created.items() if i not in titles]
    lost_edits = [i for i, t in tally.edited.items() if titles.get(i) != t and i in titles]
    with sa.orm.Session(engine) as session:
        chain = verify_chain(session)
        checked = reference.current_method(session)
        sums = score_cache.verify(session, checked)
    return {
        "accepted_submissions": len(tally.created),
        "accepted_edits": len(tally.edited),
        "lost_submissions": len(lost),
        "lost_edits": len(lost_edits),
        "integrity_check": integrity,
        "audit_events_verified": chain.checked,
        "audit_chain_ok": chain.ok,
        # `scores --verify`: None when no stored sums are in use (then nothing to check).
        "sums_cells_verified": None if sums is None else sums[0],
        "sums_differences": None if sums is None else len(sums[1]),
    }


def run(
    database_url: str, users: int = 50, seconds: float = 60, workers: int = 4
) -> dict[str, Any]:
    env = prepare_database(database_url)
    from scorecard.db import make_engine

    engine = make_engine(database_url)
    emails = _staff_emails(engine, users)
    tally = Tally()
    with gunicorn(env, workers) as server:
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=_user_loop, args=(server.url, e, deadline, tally, n), daemon=True
            )
            for n, e in enumerate(emails)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        elapsed = time.monotonic() - began
    result = {
        "backend": engine.dialect.name,
        "workers": workers,
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": tally.requests,
        "requests_per_second": round(tally.requests / elapsed, 1),
        "server_errors": tally.server_errors,
        "client_failures": len(tally.failures),
        "refused_forms": tally.refused,
        "edit_conflicts_409": tally.conflicts,
        "p50_ms": round(1000 * statistics.median(tally.latencies), 1) if tally.latencies else None,
        "p99_ms": round(1000 * statistics.quantiles(tally.latencies, n=100)[98], 1)
        if len(tally.latencies) > 100
        else None,
        **check_database(engine, tally),
        "failures_sample": tally.failures[:5],
    }
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", help="default: a new SQLite file under bench/data/")
    parser.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        help="run on a new database of this PostgreSQL server (dropped afterwards)",
    )
    parser.add_argument(
        "--record", action="store_true", help="write the figures to docs/security.md"
    )
    args = parser.parse_args()
    if args.postgres:
        with temporary_postgres(args.postgres) as url:
            result = run(url, args.users, args.seconds, args.workers)
    else:
        url = args.database_url
        if url is None:
            folder = Path(__file__).resolve().parent / "data"
            folder.mkdir(exist_ok=True)
            url = f"sqlite:///{folder / f'soak-{uuid.uuid4().hex[:8]}.sqlite'}"
        result = run(url, args.users, args.seconds, args.workers)
    print(json.dumps(result, indent=2))
    if args.record:
        record(f"soak:{result['backend']}", "Load run", result)


def _command() -> str:
    """How the run was started, by module name (never a path of this machine)."""
    import sys

    module = Path(sys.argv[0]).stem
    return " ".join(["python -m", f"bench.{module}", *sys.argv[1:]])


def record(key: str, title: str, result: dict[str, Any]) -> None:
    """Write one run's figures into its marked section of docs/security.md."""
    import platform
    from datetime import UTC, datetime

    from bench.report import write_section

    rows = "\n".join(
        f"| {name.replace('_', ' ')} | {value} |"
        for name, value in result.items()
        if not isinstance(value, list | dict) or value
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        f"**{title}, {result.get('backend', '')}** — {stamp}, {platform.machine()}, "
        f"{os.cpu_count()} cores, `{_command()}`\n\n"
        f"| figure | value |\n|---|---|\n{rows}"
    )
    write_section(Path(__file__).resolve().parent.parent / "docs" / "security.md", key, body)


if __name__ == "__main__":
    main()
