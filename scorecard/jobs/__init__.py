"""The job queue: long work runs in worker processes, not in web requests.

The queue is Huey (`scorecard.jobs.queue.queue`, one instance for the app). Its storage comes
from the settings: Redis when `JOBS_REDIS_URL` (or `REDIS_URL`) is set, so that workers on any
number of machines share it; otherwise the SQLite file `JOBS_SQLITE_PATH` (default
`instance/jobs.sqlite`), which needs no server; memory when `JOBS_IMMEDIATE=1` (tasks then run
at once, in the process that enqueues them: the tests' default).

Where a feature puts its tasks
------------------------------
One module per feature in the package `scorecard.tasks` (e.g. `scorecard/tasks/reminders.py`).
`create_app()` imports every module of that package, so the web processes and the workers know
the same tasks, and no shared list has to be edited.

Plain tasks (fire and forget, e.g. send one email)::

    from scorecard import jobs
    from scorecard.extensions import db

    @jobs.task(retries=3, retry_delay=60)
    def send_message(message_id: int) -> None:
        with db.writing() as session:  # an app context is pushed: db works as in a command
            ...

    # Enqueue once the caller's transaction has committed (the worker must see the rows):
    jobs.after_commit(db.session, lambda: send_message(message.id))
    # or, outside any transaction: send_message(message.id)  /  send_message.schedule((id,), delay=60)

A task runs inside a fresh app context of the app (`current_app`, `db.session` — closed when
the task ends — and `db.writing()` for a transaction committed on success). Huey retries a task
that raises, `retries` times, `retry_delay` seconds apart.

Periodic tasks (every worker's scheduler enqueues them; each runs once per scheduled minute)::

    @jobs.periodic_task(jobs.crontab(hour="7", minute="0"))
    def morning_digest() -> None:
        ...

Tracked jobs (a `Job` row: who, scope, quarter, status, progress, result, plain error) are for
work a person starts and watches. Register the function of a kind of job::

    @jobs.job("export", cleanup=remove_partial_file)
    def export_job(run: jobs.Run) -> dict | None:
        run.step("Decisions sheet", total=200_000, unit="rows")
        run.advance(500)                    # live progress, cheap to call often
        raise jobs.JobFailed("No team")     # stops it, no retry, message shown as is
        return {"export_id": "…"}           # -> Job.result (or run.finish(session, result)
                                            #    inside the job's own write transaction)

and start it from a view or command (the caller commits; the job is enqueued at commit)::

    job = jobs.start(db.session, "export", user=current_user, params={...},
                     title="Scorecard 2026Q3", scope="teams:1,3", quarter="2026Q3")

A second start of the same kind, scope and quarter while one is queued or running returns that
job (join=False to always start a new one). An unexpected exception, or a worker killed in the
middle, makes the job run again, up to `JOBS_MAX_ATTEMPTS` attempts; then it fails and says so.
A killed worker is noticed by `sweep()`, which every worker runs every `JOBS_LEASE_SECONDS`.

Running workers: `flask --app wsgi worker` (threads: `JOBS_THREADS`); `flask --app wsgi serve`
starts the web server and one worker together (`make run`).

Tests: the `app` fixture runs jobs immediately in-process (`JOBS_IMMEDIATE`); the `workers`
fixture (tests/workers.py) starts real `flask worker` processes against the test database.
"""

from __future__ import annotations

from huey import crontab

from scorecard.jobs.queue import after_commit, init_app, periodic_task, queue, task, task_context
from scorecard.jobs.runner import JobFailed, Run, job, start, sweep

__all__ = [
    "JobFailed",
    "Run",
    "after_commit",
    "crontab",
    "init_app",
    "job",
    "periodic_task",
    "queue",
    "start",
    "sweep",
    "task",
    "task_context",
]
