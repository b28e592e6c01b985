"""Real job worker processes for the tests that need them.

Mark a test `@pytest.mark.workers` (queue in a SQLite file of the test's own folder) or
`@pytest.mark.redis` (queue on the Redis server of TEST_REDIS_URL, default 127.0.0.1:6379,
under a queue name of its own); its `app` then enqueues jobs instead of running them, and the
`workers` fixture starts `flask worker` processes on the same database and queue:

    @pytest.mark.workers
    def test_export_runs_in_a_worker(workers, login, org):
        worker = workers.start()            # one process; workers.start(threads=2) …
        ...                                 # start a job through the web or the CLI
        workers.wait_for(lambda: ..., "the export to finish")
        worker.kill()                       # SIGKILL, as a crash would
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WAIT_SECONDS = 300.0  # a busy shared machine can be slow; nothing asserts a duration
LEASE_SECONDS = 5  # short, so a killed worker is noticed soon; not so short that load fakes it


def queue_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The queue part of a test's app config: immediate unless the test wants real workers."""
    if request.node.get_closest_marker("redis") is not None:
        _require_redis()
        backend = {"JOBS_REDIS_URL": REDIS_TEST_URL, "JOBS_SQLITE_PATH": ""}
    elif request.node.get_closest_marker("workers") is not None:
        backend = {"JOBS_REDIS_URL": None, "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite")}
    else:
        return {"JOBS_IMMEDIATE": True, "JOBS_UPLOAD_DIR": str(tmp_path / "uploads")}
    return {
        **backend,
        "JOBS_IMMEDIATE": False,
        "JOBS_QUEUE_NAME": f"test-{uuid.uuid4().hex[:10]}",
        "JOBS_LEASE_SECONDS": LEASE_SECONDS,
        "JOBS_RETRY_DELAY_SECONDS": 0,
        "JOBS_UPLOAD_DIR": str(tmp_path / "uploads"),
    }


def _require_redis() -> None:
    from tests.conftest import unavailable

    try:
        import redis

        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except Exception as error:
        unavailable(f"Redis at {REDIS_TEST_URL} is not reachable: {error}")


ENV_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "EXPORT_DIR",
    "JOBS_REDIS_URL",
    "JOBS_SQLITE_PATH",
    "JOBS_QUEUE_NAME",
    "JOBS_LEASE_SECONDS",
    "JOBS_MAX_ATTEMPTS",
    "JOBS_RETRY_DELAY_SECONDS",
    "JOBS_UPLOAD_DIR",
)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: the process ends at once, in the middle of whatever it does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Workers:
    config: dict[str, Any]
    folder: Path
    started: list[Worker] = field(default_factory=list)

    def environment(self, **extra: Any) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JOBS_", "REDIS_"))}
        for key in ENV_KEYS:
            value = self.config.get(key)
            if value is not None and value != "":
                env[key] = str(value)
        env.update({"JOBS_IMMEDIATE": "0", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"})
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def start(self, threads: int = 1, **extra_env: Any) -> Worker:
        """A `flask worker` process on the test's database and queue, once it is ready."""
        log = self.folder / f"worker-{len(self.started) + 1}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "wsgi",
                    "worker",
                    "--threads",
                    str(threads),
                ],
                cwd=ROOT,
                env=self.environment(**extra_env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log)
        self.started.append(worker)
        self.wait_for(
            lambda: "Huey consumer started" in worker.output() or process.poll() is not None,
            "the worker to start",
        )
        if process.poll() is not None:
            raise AssertionError(f"the worker stopped at start:\n{worker.output()}")
        return worker

    def wait_for(
        self, condition: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS
    ) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.1)
        logs = "\n".join(f"--- {w.log.name}\n{w.output()[-3000:]}" for w in self.started)
        raise AssertionError(f"gave up waiting for {what}\n{logs}")

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


@pytest.fixture
def workers(app: Any, app_config: dict[str, Any], tmp_path: Path) -> Iterator[Workers]:
    if app_config.get("JOBS_IMMEDIATE", True):
        raise pytest.UsageError("mark the test @pytest.mark.workers or @pytest.mark.redis")
    pool = Workers(app_config, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
        app.extensions["jobs"].storage.flush_all()
