"""Crash safety: kill -9 in the middle of a burst of submissions, or of a large import, then
check that the database is sound, the audit chain verifies, and nothing is half-written.

    python -m bench.crash [--database-url …]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.liveserver import ROOT, gunicorn, prepare_database, temporary_postgres
from bench.soak import Tally, _staff_emails, _user_loop, check_database, record
from scorecard.db import make_engine


def crash_during_submissions(
    database_url: str, users: int = 12, seconds: float = 8
) -> dict[str, Any]:
    """Kill every worker with SIGKILL half-way through a burst; gunicorn starts new ones."""
    env = prepare_database(database_url)
    engine = make_engine(database_url)
    tally = Tally()
    killed = 0
    with gunicorn(env, workers=2) as server:
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=_user_loop, args=(server.url, e, deadline, tally, n), daemon=True
            )
            for n, e in enumerate(_staff_emails(engine, users))
        ]
        for thread in threads:
            thread.start()
        time.sleep(seconds / 2)
        for pid in server.worker_pids():
            os.kill(pid, signal.SIGKILL)
            killed += 1
        for thread in threads:
            thread.join(timeout=seconds + 120)
    result = {
        "backend": engine.dialect.name,
        "workers_killed": killed,
        "requests": tally.requests,
        **check_database(engine, tally),
    }
    result["server_errors_while_killed"] = tally.server_errors
    result["dropped_connections"] = len(tally.failures)
    engine.dispose()
    return result


def _import_file(path: Path, rows: int, team: str, tag: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "external_id",
                "team",
                "title",
                "decided_on",
                "status",
                "question",
                "impact: Workers",
                "impact: Nature",
                "consulted: Workers",
                "avoided: Energy",
            ]
        )
        for n in range(rows):
            writer.writerow(
                [
                    f"{tag}-{n}",
                    team,
                    f"Imported decision {n}",
                    "2026-02-01",
                    "decided",
                    "What question?",
                    n % 7 - 3,
                    1,
                    "yes",
                    n % 50,
                ]
            )


def crash_during_import(database_url: str, rows: int = 20000) -> dict[str, Any]:
    """SIGKILL the import command while it writes: the file is wholly there or wholly absent."""
    env = prepare_database(database_url)
    engine = make_engine(database_url)
    tag = f"CRASH{uuid.uuid4().hex[:6]}"
    folder = ROOT / "bench" / "data"
    folder.mkdir(exist_ok=True)
    path = folder / f"{tag}.csv"
    _import_file(path, rows, "operations", tag)

    def imported() -> int:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT count(*) FROM decision WHERE external_id LIKE :p"),
                {"p": f"{tag}-%"},
            ).scalar_one()

    def command(file: Path) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "wsgi", "import-decisions", str(file)]

    # A first, complete import of another file of the same size tells how long one takes,
    # so the kills below land while rows are being written, not while the file is read.
    timing = folder / f"{tag}-timing.csv"
    _import_file(timing, rows, "operations", f"{tag}T")
    began = time.monotonic()
    subprocess.run(command(timing), cwd=ROOT, env=env, capture_output=True, check=True)
    full = time.monotonic() - began
    timing.unlink(missing_ok=True)

    outcomes = []
    for share in (0.6, 0.8, 0.95):
        process = subprocess.Popen(
            command(path), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(full * share)
        finished = process.poll() is not None
        if not finished:
            process.send_signal(signal.SIGKILL)
        process.wait()
        count = imported()
        outcomes.append(
            {
                "killed_after_s": round(full * share, 2),
                "finished_first": finished,
                "decisions_present": count,
            }
        )
        if count:
            break
    complete = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "import-decisions", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    result = {
        "rows": rows,
        "seconds_for_a_whole_import": round(full, 2),
        "outcomes": outcomes,
        "all_or_nothing": all(o["decisions_present"] in (0, rows) for o in outcomes),
        "complete_import_exit": complete.returncode,
        "decisions_after_complete_import": imported(),
        **check_database(engine, Tally()),
    }
    path.unlink(missing_ok=True)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument(
        "--postgres", metavar="SERVER_URL", help="run on new databases of this server"
    )
    parser.add_argument(
        "--record", action="store_true", help="write the figures to docs/security.md"
    )
    args = parser.parse_args()
    if args.postgres:
        with temporary_postgres(args.postgres) as one, temporary_postgres(args.postgres) as two:
            results = {
                "submissions": crash_during_submissions(one),
                "import": crash_during_import(two),
            }
        _report(results, args.record)
        return

    def url(name: str) -> str:
        if args.database_url:
            return args.database_url
        folder = Path(__file__).resolve().parent / "data"
        folder.mkdir(exist_ok=True)
        return f"sqlite:///{folder / f'{name}-{uuid.uuid4().hex[:8]}.sqlite'}"

    results = {
        "submissions": crash_during_submissions(url("crash-submit")),
        "import": crash_during_import(url("crash-import")),
    }
    _report(results, args.record)


def _report(results: dict[str, dict[str, Any]], write: bool) -> None:
    print(json.dumps(results, indent=2))
    if not write:
        return
    backend = results["submissions"].get("backend") or "sqlite"
    record(
        f"crash:{backend}:submissions",
        "SIGKILL during a burst of submissions",
        {"backend": backend, **results["submissions"]},
    )
    flat = {k: v for k, v in results["import"].items() if k != "outcomes"}
    flat["kills"] = "; ".join(
        f"after {o['killed_after_s']} s: {o['decisions_present']} present"
        + (" (it had already finished)" if o["finished_first"] else "")
        for o in results["import"]["outcomes"]
    )
    record(f"crash:{backend}:import", "SIGKILL during an import", {"backend": backend, **flat})


if __name__ == "__main__":
    main()
