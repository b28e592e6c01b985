"""Commands of the job queue: `flask worker`, `flask serve` (web server and a worker in one),
`flask jobs list` and `flask jobs sweep`."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo, with_appcontext

from scorecard.extensions import db
from scorecard.jobs.queue import queue
from scorecard.jobs.runner import sweep
from scorecard.models import Job

log = logging.getLogger(__name__)
jobs_cli = AppGroup("jobs", help="Look at the job queue.")
STOP_SECONDS = 15


@click.command("worker")
@with_appcontext
@click.option("--threads", type=int, help="Jobs run at once by this process (JOBS_THREADS).")
@click.option(
    "--no-periodic", is_flag=True, help="Do not enqueue periodic tasks from this process."
)
def worker(threads: int | None, no_periodic: bool) -> None:
    """Run jobs from the queue until stopped (Ctrl-C finishes the running jobs first)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if queue.immediate:
        click.echo("Error: JOBS_IMMEDIATE is set: jobs run where they start, not here.", err=True)
        sys.exit(2)
    count = threads or app.config["JOBS_THREADS"]
    where = "Redis" if app.config["JOBS_REDIS_URL"] else app.config["JOBS_SQLITE_PATH"]
    click.echo(f"Worker {os.getpid()}: {count} thread(s), queue {queue.name!r} on {where}.")
    sweeper = _Sweeper(app, app.config["JOBS_LEASE_SECONDS"])
    sweeper.start()
    consumer = queue.create_consumer(
        workers=count,
        worker_type="thread",
        periodic=not no_periodic,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=1.0,
        check_worker_health=True,
    )
    try:
        consumer.run()
    finally:
        sweeper.stopped.set()


class _Sweeper(threading.Thread):
    """Recovers jobs of killed workers, at start and then every lease."""

    def __init__(self, app: Flask, lease_seconds: int) -> None:
        super().__init__(name="job-sweeper", daemon=True)
        self.app = app
        self.interval = max(lease_seconds / 2, 0.5)
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                with self.app.app_context():
                    report = sweep()
                if report.requeued or report.failed or report.resent:
                    log.warning(
                        "jobs of a stopped worker: queued again %s, failed %s, resent %s",
                        report.requeued,
                        report.failed,
                        report.resent,
                    )
            except Exception:
                log.exception("sweeping the jobs failed")
            if self.stopped.wait(self.interval):
                return


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_obj
def serve(info: ScriptInfo, host: str, port: int) -> None:
    """Run the web server and one job worker together; Ctrl-C stops both."""
    app_path = info.app_import_path or os.environ.get("FLASK_APP", "wsgi")
    flask = [sys.executable, "-m", "flask", "--app", app_path]
    children = [
        subprocess.Popen([*flask, "worker"]),
        subprocess.Popen([*flask, "run", "--host", host, "--port", str(port)]),
    ]
    signal.signal(signal.SIGTERM, lambda *_: _stop(children, 0))
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        _stop(children, 0)
    stopped = next(child for child in children if child.poll() is not None)
    click.echo(f"A process stopped (exit {stopped.returncode}); stopping the other.", err=True)
    _stop(children, stopped.returncode or 1)


def _stop(children: list[subprocess.Popen[Any]], status: int) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    sys.exit(status)


@jobs_cli.command("list")
@click.option("--limit", default=20, show_default=True, type=int)
def list_jobs(limit: int) -> None:
    """The latest jobs, newest first."""
    session = db.new_session()
    try:
        rows = session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit)).all()
        for job in rows:
            progress = f"{job.done}/{job.total}" if job.total else str(job.done or "")
            click.echo(
                f"{job.id:>6}  {job.kind:<14} {job.status:<8} attempts {job.attempts}/"
                f"{job.max_attempts}  {job.quarter or '':<7} {progress:<15} {job.title}"
                + (f"  — {job.error}" if job.error else "")
            )
    finally:
        session.close()


@jobs_cli.command("sweep")
def sweep_command() -> None:
    """Queue again (or fail) jobs whose worker stopped; workers do this by themselves."""
    report = sweep()
    click.echo(
        f"Queued again: {len(report.requeued)}, failed: {len(report.failed)}, "
        f"resent: {len(report.resent)}."
    )


def register_commands(app: Flask) -> None:
    for command in (worker, serve, jobs_cli):
        app.cli.add_command(command)
