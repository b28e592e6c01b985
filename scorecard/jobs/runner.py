"""Tracked jobs: a Job row per piece of long work, run by one Huey task, `jobs.run`.

A kind of job is a function registered with `@job("kind")`; `start()` adds its Job row and
enqueues it when the caller commits. A worker claims the row (queued -> running, one more
attempt) with a compare-and-set, so a job never runs twice at once even if its message was
delivered twice. While it runs, a heartbeat thread keeps its live record fresh (`live.py`);
`sweep()` finds running jobs whose heartbeat stopped (the worker was killed) and queues them
again, or fails them once they used their attempts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from scorecard.db import db
from scorecard.jobs import live
from scorecard.jobs.queue import after_commit, queue, task
from scorecard.models import Job, JobStatus, User, utcnow

log = logging.getLogger(__name__)
WRITE_PATIENCE_SECONDS = 600  # how long a job's own bookkeeping waits for a busy database
PROGRESS_EVERY_SECONDS = 0.5
F = TypeVar("F", bound=Callable[..., Any])


class JobSuperseded(Exception):
    """This attempt was given up (its worker seemed dead) and another one took the job over:
    its work is rolled back rather than committed a second time."""


class JobFailed(Exception):
    """The job cannot succeed (bad input, nothing to do): it stops at once, with this message
    shown to the person who started it, and is not tried again."""


@dataclass(frozen=True)
class Kind:
    name: str
    run: Callable[[Run], dict[str, Any] | None]
    cleanup: Callable[[Job], None] | None = None  # after its last attempt failed


_KINDS: dict[str, Kind] = {}


def job(name: str, *, cleanup: Callable[[Job], None] | None = None) -> Callable[[F], F]:
    """Register the function that does a kind of job: `fn(run: Run) -> dict | None`. What it
    returns becomes `Job.result`. `cleanup(job)` runs when the job fails for good."""

    def decorate(fn: F) -> F:
        _KINDS[name] = Kind(name, fn, cleanup)
        return fn

    return decorate


def kind_of(name: str) -> Kind:
    return _KINDS[name]


# --- starting ----------------------------------------------------------------------------------


def start(
    session: Session,
    kind: str,
    *,
    user: User | None,
    params: dict[str, Any] | None = None,
    title: str = "",
    scope: str = "",
    quarter: str | None = None,
    join: bool = True,
) -> Job:
    """The running job for the same kind, scope and quarter if there is one (join=True), else a
    new Job, enqueued when the session commits. The caller commits."""
    if kind not in _KINDS:
        raise KeyError(f"no job kind {kind!r} is registered")
    key = f"{kind}|{scope}|{quarter or ''}" if join else None
    if key is not None:
        running = session.scalar(sa.select(Job).where(Job.active_key == key))
        if running is not None:
            return running
    new = Job(
        kind=kind,
        title=title,
        scope=scope,
        quarter=quarter,
        user_id=None if user is None else user.id,
        status=JobStatus.QUEUED.value,
        active_key=key,
        params=params or {},
        max_attempts=current_app.config["JOBS_MAX_ATTEMPTS"],
    )
    try:
        with session.begin_nested():
            session.add(new)
    except sa.exc.IntegrityError:  # started by someone else a moment ago: join theirs
        running = session.scalar(sa.select(Job).where(Job.active_key == key))
        if running is None:
            raise
        return running
    job_id = new.id
    after_commit(session, lambda: enqueue(job_id))
    return new


def enqueue(job_id: int, delay: float | None = None) -> None:
    if delay and not queue.immediate:
        run_job.schedule((job_id,), delay=delay)
    else:
        run_job(job_id)


@task(name="jobs.run")
def run_job(job_id: int) -> None:
    execute(job_id)


# --- running -----------------------------------------------------------------------------------


@dataclass
class Run:
    """What a job function is given: its parameters, and a way to report progress."""

    job_id: int
    attempt: int
    max_attempts: int
    params: dict[str, Any]
    user_id: int | None
    _live: live.Live
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _written: float = 0.0
    finished: bool = False

    def step(self, label: str, total: int | None = None, unit: str = "") -> None:
        """Begin a step: "Decisions sheet", 200000, "rows"."""
        now = time.time()
        with self._lock:
            self._live = live.Live(self.attempt, label, 0, total, unit, now, now)
            self._write(now)

    def advance(self, count: int = 1) -> None:
        """`count` more units of the current step are done."""
        now = time.time()
        with self._lock:
            self._live = replace(self._live, done=self._live.done + count, beat=now)
            if now - self._written >= PROGRESS_EVERY_SECONDS:
                self._write(now)

    def beat(self) -> None:
        with self._lock:
            self._live = self._live.beating()
            self._write(time.time())

    def _write(self, now: float) -> None:
        live.write(self.job_id, self._live)
        self._written = now

    @property
    def progress(self) -> live.Live:
        return self._live

    def finish(self, session: Session, result: dict[str, Any] | None = None) -> None:
        """Mark the job done inside the caller's transaction, so that its work and its being
        done commit together (an import is then never applied twice)."""
        if not _mark_done(session, self, result):
            raise JobSuperseded(f"job {self.job_id}, attempt {self.attempt}")
        self.finished = True


def execute(job_id: int) -> None:
    """Claim the job, run its function, and record how it ended."""
    run = _claim(job_id)
    if run is None:
        return
    heartbeat = _Heartbeat(run, current_app.config["JOBS_LEASE_SECONDS"])
    heartbeat.start()
    try:
        kind = _KINDS[_job_kind(job_id)]
        result = kind.run(run)
    except JobSuperseded:
        log.warning("job %s, attempt %s, was taken over by a later attempt", job_id, run.attempt)
    except JobFailed as failure:
        message = str(failure)
        _write(lambda s: _mark_failed(s, run, message))
    except Exception as error:
        log.exception("job %s, attempt %s, failed", job_id, run.attempt)
        _after_error(run, error)
    else:
        if not run.finished:
            _write(lambda s: _mark_done(s, run, result))
    finally:
        heartbeat.stop()
    live.forget(job_id)


def _job_kind(job_id: int) -> str:
    session = db.new_session()
    try:
        return session.scalar(sa.select(Job.kind).where(Job.id == job_id)) or ""
    finally:
        session.close()


def _claim(job_id: int) -> Run | None:
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def claim(session: Session) -> Run | None:
        now = utcnow()
        claimed = session.execute(
            sa.update(Job)
            .where(
                Job.id == job_id,
                Job.status == JobStatus.QUEUED.value,
                Job.attempts < Job.max_attempts,
            )
            .values(
                status=JobStatus.RUNNING.value,
                attempts=Job.attempts + 1,
                started_at=now,
                worker=worker,
                step="",
                done=0,
                total=None,
            )
            .returning(Job.attempts, Job.max_attempts, Job.params, Job.user_id)
        ).first()
        if claimed is None:
            return None
        attempts, max_attempts, params, user_id = claimed
        start = time.time()
        return Run(
            job_id,
            attempts,
            max_attempts,
            dict(params or {}),
            user_id,
            live.Live(attempts, step_started=start, beat=start),
        )

    run = _write(claim)
    if run is not None:
        live.write(job_id, run.progress)
    return run


def _write(change: Callable[[Session], Any]) -> Any:
    """A short write transaction of the job's bookkeeping; waits while another writer (an
    import on SQLite) holds the database."""
    deadline = time.monotonic() + WRITE_PATIENCE_SECONDS
    while True:
        try:
            with db.writing() as session:
                return change(session)
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            log.info("the database is busy; the job's bookkeeping waits")
            time.sleep(1)


def _ended(session: Session, run: Run, values: dict[str, Any]) -> bool:
    """Record the end of this attempt, unless the sweep already gave the job up."""
    progress = run.progress
    ended = session.execute(
        sa.update(Job)
        .where(
            Job.id == run.job_id,
            Job.status == JobStatus.RUNNING.value,
            Job.attempts == run.attempt,
        )
        .values(step=progress.step, done=progress.done, total=progress.total, **values)
    )
    return ended.rowcount == 1


def _mark_done(session: Session, run: Run, result: dict[str, Any] | None) -> bool:
    return _ended(
        session,
        run,
        {
            "status": JobStatus.DONE.value,
            "result": result or {},
            "error": None,
            "active_key": None,
            "finished_at": utcnow(),
        },
    )


def _mark_failed(session: Session, run: Run, message: str) -> None:
    if _ended(
        session,
        run,
        {
            "status": JobStatus.FAILED.value,
            "error": message,
            "active_key": None,
            "finished_at": utcnow(),
        },
    ):
        _cleanup(session, run.job_id)


def _after_error(run: Run, error: Exception) -> None:
    reason = plain_reason(error)
    if run.attempt >= run.max_attempts:
        message = (
            f"It stopped after {run.attempt} attempt{'s' if run.attempt != 1 else ''}"
            f" and was not tried again. The last one ended with: {reason}"
        )
        _write(lambda s: _mark_failed(s, run, message))
        return
    delay = current_app.config["JOBS_RETRY_DELAY_SECONDS"] * run.attempt
    message = f"Attempt {run.attempt} of {run.max_attempts} ended with: {reason} Trying again."

    def requeue(session: Session) -> None:
        if _ended(session, run, {"status": JobStatus.QUEUED.value, "error": message}):
            after_commit(session, lambda: enqueue(run.job_id, delay))

    _write(requeue)


def plain_reason(error: BaseException) -> str:
    """An error in words for the person who started the job; the details go to the log."""
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return f"the server could not write or read a file{where}: {error.strerror or error}."
    if isinstance(error, MemoryError):
        return "the server ran out of memory."
    if isinstance(error, sa.exc.OperationalError):
        return "the database could not be reached or was busy for too long."
    return f"an unexpected error ({type(error).__name__}); the details are in the worker's log."


def _cleanup(session: Session, job_id: int) -> None:
    failed = session.get(Job, job_id)
    kind = _KINDS.get(failed.kind) if failed is not None else None
    if failed is None or kind is None or kind.cleanup is None:
        return
    try:
        kind.cleanup(failed)
    except Exception:
        log.exception("cleaning up after job %s failed", job_id)


class _Heartbeat(threading.Thread):
    """Keeps the live record of a running job fresh while its function runs."""

    def __init__(self, run: Run, lease_seconds: int) -> None:
        super().__init__(name=f"heartbeat-{run.job_id}", daemon=True)
        self.run_ = run
        self.interval = max(lease_seconds / 4, 0.2)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.run_.beat()
            except Exception:
                log.exception("heartbeat of job %s failed", self.run_.job_id)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


# --- recovering from crashes -------------------------------------------------------------------


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)  # queued, but their message was lost


def sweep(now: datetime | None = None) -> SweepReport:
    """Queue again (or fail, after their last attempt) running jobs whose worker stopped
    beating, and resend queued jobs whose message the queue no longer holds."""
    now = now or datetime.now(UTC)
    lease = timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
    report = SweepReport()
    session = db.new_session()
    try:
        running = list(session.scalars(sa.select(Job).where(Job.status == JobStatus.RUNNING)))
        waiting = list(session.scalars(sa.select(Job).where(Job.status == JobStatus.QUEUED)))
    finally:
        session.close()
    beats = live.read_many([j.id for j in running])
    for stale in running:
        last = _last_sign_of_life(stale, beats.get(stale.id))
        if now - last > lease:
            _recover(stale, report)
    if waiting:
        in_queue = _job_ids_in_queue()
        for lost in waiting:
            since = _aware(lost.started_at or lost.created_at)
            if lost.id not in in_queue and now - since > lease:
                enqueue(lost.id)
                report.resent.append(lost.id)
    return report


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _last_sign_of_life(running: Job, beat: live.Live | None) -> datetime:
    started = _aware(running.started_at or running.created_at)
    if beat is None or beat.attempt != running.attempts:
        return started
    return max(started, datetime.fromtimestamp(beat.beat, UTC))


def _recover(stale: Job, report: SweepReport) -> None:
    attempts = stale.attempts
    where = (Job.id == stale.id, Job.status == JobStatus.RUNNING.value, Job.attempts == attempts)
    if attempts >= stale.max_attempts:
        message = (
            f"It stopped without finishing {attempts} time{'s' if attempts != 1 else ''} "
            "(the worker running it was stopped, for example restarted or out of memory), "
            "so it was not tried again."
        )

        def give_up(session: Session) -> None:
            ended = session.execute(
                sa.update(Job)
                .where(*where)
                .values(
                    status=JobStatus.FAILED.value,
                    error=message,
                    active_key=None,
                    finished_at=utcnow(),
                )
            )
            if ended.rowcount == 1:
                _cleanup(session, stale.id)
                report.failed.append(stale.id)

        _write(give_up)
    else:
        message = (
            f"Attempt {attempts} of {stale.max_attempts} stopped without finishing "
            "(the worker running it was stopped); trying again."
        )

        def again(session: Session) -> None:
            requeued = session.execute(
                sa.update(Job).where(*where).values(status=JobStatus.QUEUED.value, error=message)
            )
            if requeued.rowcount == 1:
                report.requeued.append(stale.id)
                after_commit(session, lambda: enqueue(stale.id))

        _write(again)
    live.forget(stale.id)


def _job_ids_in_queue() -> set[int]:
    ids = set()
    for message in [*queue.pending(), *queue.scheduled()]:
        if message.name == run_job.name and message.args:
            ids.add(int(message.args[0]))
    return ids
