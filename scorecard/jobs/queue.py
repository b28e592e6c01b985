"""The one Huey instance of the application, bound to the app by `init_app`.

The instance exists at import time so that feature modules can decorate their tasks with it;
`init_app` gives it its storage (Redis when `JOBS_REDIS_URL`/`REDIS_URL` is set, else a SQLite
file in the instance folder, or memory in immediate mode) and remembers the app, so that a task
run by a worker thread finds the app it belongs to.
"""

from __future__ import annotations

import functools
import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import BaseStorage, MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
TASK_PACKAGE = "scorecard.tasks"


class Queue(Huey):
    """Huey with storage chosen by the app's settings rather than at construction."""

    app: Flask | None = None

    def bind(self, app: Flask, storage: BaseStorage, *, immediate: bool) -> None:
        old = self.storage
        self.name = storage.name
        self.storage = storage
        self._immediate = immediate
        self.app = app
        if old is not storage and hasattr(old, "close"):
            old.close()


# results=False: tasks report through the database (Job rows), so nothing piles up in storage.
queue = Queue("dobetter", results=False, utc=True, storage_class=MemoryStorage)


def make_storage(config: dict[str, Any]) -> BaseStorage:
    """The storage the settings ask for: memory (immediate mode), Redis, or a SQLite file."""
    name = config["JOBS_QUEUE_NAME"]
    if config["JOBS_IMMEDIATE"]:
        return MemoryStorage(name)
    if config["JOBS_REDIS_URL"]:
        # blocking: a worker waits on the list (BRPOP) rather than polling it.
        return RedisStorage(name, url=config["JOBS_REDIS_URL"], blocking=True, read_timeout=1)
    return SqliteStorage(name, filename=config["JOBS_SQLITE_PATH"], timeout=15)


def init_app(app: Flask) -> None:
    """Bind the queue to this app and load every feature's tasks (modules of scorecard.tasks)."""
    queue.bind(app, make_storage(app.config), immediate=bool(app.config["JOBS_IMMEDIATE"]))
    app.extensions["jobs"] = queue
    load_task_modules()


def load_task_modules() -> None:
    """Import each module of the scorecard.tasks package, so that web and worker processes
    both know every task and periodic task (a new feature adds a module; no list to edit)."""
    package = importlib.import_module(TASK_PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{TASK_PACKAGE}.{module.name}")


def bound_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if queue.app is None:
        raise RuntimeError("the job queue is not bound to an app: call create_app() first")
    return queue.app


@contextmanager
def task_context() -> Iterator[Flask]:
    """A fresh app context (its own `db.session`, closed at the end) for one task run."""
    app = bound_app()
    with app.app_context():
        yield app


def task(
    *, retries: int = 0, retry_delay: int = 0, name: str | None = None, **settings: Any
) -> Callable[[F], F]:
    """Register a task: calling it enqueues it; a worker runs it inside an app context."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def in_app(*args: Any, **kwargs: Any) -> Any:
            with task_context():
                return fn(*args, **kwargs)

        return queue.task(  # type: ignore[return-value]
            retries=retries, retry_delay=retry_delay, name=name or _name(fn), **settings
        )(in_app)

    return decorate


def periodic_task(
    when: Callable[[datetime], bool], *, name: str | None = None, **settings: Any
) -> Callable[[F], F]:
    """Register a periodic task (`when` is a huey.crontab(...)). Every worker's scheduler
    enqueues it, yet it runs once per scheduled minute: the first run of a minute claims it."""

    def decorate(fn: F) -> F:
        task_name = name or _name(fn)

        @functools.wraps(fn)
        def once_in_app(*args: Any, **kwargs: Any) -> Any:
            if not claim_slot(task_name, datetime.now(UTC)):
                log.info("%s already ran this minute on another worker", task_name)
                return None
            with task_context():
                return fn(*args, **kwargs)

        return queue.periodic_task(when, name=task_name, **settings)(once_in_app)  # type: ignore[return-value]

    return decorate


def claim_slot(task_name: str, now: datetime) -> bool:
    """True for the first caller of this minute, False for every later one (any process)."""
    slot = now.astimezone(UTC).strftime("%Y%m%d%H%M")
    if not queue.storage.put_if_empty(f"periodic:{task_name}:{slot}", b"1"):
        return False
    last_key = f"periodic-last:{task_name}"
    last = queue.storage.peek_data(last_key)
    if isinstance(last, bytes | memoryview) and bytes(last).decode() != slot:
        queue.storage.delete_data(f"periodic:{task_name}:{bytes(last).decode()}")
    queue.storage.put_data(last_key, slot.encode())
    return True


def after_commit(session: Session, call: Callable[[], Any]) -> None:
    """Run `call` (e.g. enqueue a task) once the session's transaction commits; never if it
    rolls back. A worker must not look for rows the web request has not committed yet."""
    event.listen(session, "after_commit", lambda _session: call(), once=True)


def _name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"
