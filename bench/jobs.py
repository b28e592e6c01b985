"""Benchmark of the job queue: a quarter of N decisions exported as a job by a real worker
process, against its floor, the same export run directly in a process, in the same run; and
the time pages take to answer while that job runs, against the same pages with no job running.

- export-direct: `exports.write` of the quarter in a fresh process (bench.sheets' export case).
- export-job: the web side starts the export job; a `flask worker` process (queue in a SQLite
  file) runs it. Time: from the start to the job's Job row saying done. Memory: the growth of
  the worker's peak RSS over its RSS before the job.
- pages: GET /exports and /decisions by an admin (Flask test client), 20 times each, idle and
  then while the export job runs.

    python -m bench.jobs [--rows 200000] [--write-docs]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import sheets

NAME = "jobs"
ROWS = 200_000
ROOT = Path(__file__).resolve().parent.parent
PAGES = ("/exports", "/decisions")
PAGE_RUNS = 20
PASSWORD = "bench-jobs-password-1"  # noqa: S105 (an account of a throw-away database)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _settings(folder: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{folder / 'full.sqlite'}",
        "EXPORT_DIR": str(folder / "exports"),
        "JOBS_SQLITE_PATH": str(folder / "jobs.sqlite"),
        "JOBS_QUEUE_NAME": "bench",
        "JOBS_IMMEDIATE": "0",
        "SECRET_KEY": "bench-only",
        "LOG_LEVEL": "WARNING",
    }


def _app(folder: Path) -> Any:
    from scorecard import create_app

    settings = _settings(folder)
    return create_app(
        {
            "DATABASE_URL": settings["DATABASE_URL"],
            "EXPORT_DIR": settings["EXPORT_DIR"],
            "JOBS_SQLITE_PATH": settings["JOBS_SQLITE_PATH"],
            "JOBS_QUEUE_NAME": "bench",
            "JOBS_IMMEDIATE": False,
            "JOBS_REDIS_URL": None,
            "SECRET_KEY": "bench-only",
            "WTF_CSRF_ENABLED": False,
            "SIGN_IN_RATE_LIMIT": "100000 per minute",
            "LOG_LEVEL": "WARNING",
        }
    )


def _admin(app: Any) -> None:
    from scorecard.extensions import db
    from scorecard.services import accounts

    with app.app_context(), db.writing() as session:
        accounts.create_user(
            session,
            None,
            email="bench-admin@example.com",
            display_name="Bench Admin",
            password=PASSWORD,
            role="admin",
            teams=[],
            manages=[],
        )


def _page_times(client: Any) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {page: [] for page in PAGES}
    for _ in range(PAGE_RUNS):
        for page in PAGES:
            started = time.perf_counter()
            response = client.get(page)
            times[page].append(time.perf_counter() - started)
            assert response.status_code == 200, (page, response.status_code)
    return times


def _job(app: Any, job_id: int) -> Any:
    from scorecard.extensions import db
    from scorecard.models import Job

    with app.app_context():
        session = db.new_session()
        try:
            return session.get(Job, job_id)
        finally:
            session.close()


def _start_export(app: Any, quarter: str) -> int:
    from scorecard.domain.quarters import Quarter
    from scorecard.extensions import db
    from scorecard.services import exports
    from scorecard.tasks.exports import start_export

    with app.app_context(), db.writing() as session:
        scope = exports.export_scope(session, None)
        return start_export(session, None, Quarter.parse(quarter), scope).id


def _wait(app: Any, job_id: int) -> Any:
    while not (job := _job(app, job_id)).finished:
        time.sleep(0.2)
    return job


def measure_job(folder: Path) -> dict[str, Any]:
    """Start a worker, time the export job and the pages while it runs."""
    app = _app(folder)
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "bench-admin@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    idle = _page_times(client)
    env = {**os.environ, **_settings(folder)}
    log = (folder / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # As in a worker that has run jobs before (the floor warms up the same way).
        _wait(app, _start_export(app, "2001Q1"))
        time.sleep(1)
        rss_before = _status_kb(worker.pid, "VmRSS")
        started = time.perf_counter()
        response = client.post("/exports", data={"quarter": sheets.QUARTER, "team": ""})
        answered = time.perf_counter() - started
        job_id = int(response.headers["Location"].split("job=")[1].split("&")[0])
        busy = _page_times(client)
        still_running = not _job(app, job_id).finished
        job = _wait(app, job_id)
        seconds = time.perf_counter() - started
        peak = _status_kb(worker.pid, "VmHWM")
    finally:
        worker.send_signal(2)
        worker.wait(timeout=60)
        log.close()
    assert job.status == "done", job.error
    return {
        "seconds": seconds,
        "start_answered": answered,
        "rss_growth": max(peak - rss_before, 0) * 1024,
        "rows": job.result["decisions"],
        "idle": idle,
        "busy": busy,
        "still_running": still_running,
    }


def measure_all(rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        sheets.prepare(folder, rows)
        print(f"{rows:,} rows prepared in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        direct = sheets.measure("export", folder, trace=False)
        print(f"  export-direct {direct['seconds']:.1f} s", file=sys.stderr)
        _admin(_app(folder))
        job = measure_job(folder)
        print(f"  export-job    {job['seconds']:.1f} s", file=sys.stderr)
    return {"direct": direct, "job": job}


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms / {max(values) * 1000:.0f} ms"


def section(results: dict[str, Any], rows: int) -> str:
    direct, job = results["direct"], results["job"]
    lines = [
        f"### Export as a job at {rows:,} decisions\n",
        "`bench/jobs.py` (alone: `python -m bench.jobs`) exports a quarter of "
        f"{rows:,} decisions as a job run by a real `flask worker` process (queue in a SQLite "
        "file) and, as its floor in the same run, the same export run directly in a fresh "
        "process; then the pages an admin opens most, idle and while the job runs.",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on SQLite, {os.cpu_count()} CPUs (a shared "
        f"machine, load average {os.getloadavg()[0]:.0f} at the end of the run), Python "
        f"{sys.version.split()[0]}; `python -m bench.jobs --rows {rows}`.",
        "",
        "| case | rows | time | peak RSS growth |",
        "|---|---:|---:|---:|",
        f"| export run directly (floor) | {rows:,} | {direct['seconds']:.1f} s | "
        f"{sheets._mb(direct['rss_growth'])} |",
        f"| export as a job, in a worker | {job['rows']:,} | {job['seconds']:.1f} s | "
        f"{sheets._mb(job['rss_growth'])} |",
        "",
        f"The job took {job['seconds'] / direct['seconds']:.2f}× the direct export; the request "
        f"that started it answered in {job['start_answered'] * 1000:.0f} ms.",
        "",
        "| page (median / slowest of 20) | no job running | while the export job runs |",
        "|---|---:|---:|",
    ]
    for page in PAGES:
        lines.append(f"| `GET {page}` | {_ms(job['idle'][page])} | {_ms(job['busy'][page])} |")
    if not job["still_running"]:
        lines += ["", "(The job ended before the last of these page loads.)"]
    lines += [
        "",
        "The worker is a separate process, so pages keep answering while it exports; on a "
        "two-core machine they share the CPU with it, which is what slows them while it runs.",
    ]
    return "\n".join(lines)


def run(context: Any) -> dict[str, str]:
    """For `python -m bench`: a quarter of ROWS decisions (not tied to the run's size)."""
    results = measure_all(ROWS)
    return {f"{NAME}:{ROWS}": section(results, ROWS)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)
    results = measure_all(args.rows)
    text = section(results, args.rows)
    print(text)
    if args.write_docs:
        sheets.write_docs(f"{NAME}:{args.rows}", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
