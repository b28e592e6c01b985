"""Live progress and heartbeat of running jobs, kept in the queue's storage (Redis or the queue's
own SQLite file), never in the application database: an import holds that database's write
transaction for its whole run, and its progress must stay visible meanwhile."""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, replace
from typing import Any

from scorecard.jobs.queue import queue


@dataclass(frozen=True)
class Live:
    attempt: int
    step: str = ""
    done: int = 0
    total: int | None = None
    unit: str = ""
    step_started: float = 0.0  # epoch seconds
    beat: float = 0.0  # epoch seconds of the last sign of life

    def beating(self, now: float | None = None) -> Live:
        return replace(self, beat=time.time() if now is None else now)


def _key(job_id: int) -> str:
    return f"job-live:{job_id}"


def write(job_id: int, live: Live) -> None:
    queue.storage.put_data(_key(job_id), json.dumps(asdict(live)).encode())


def _decode(raw: Any) -> Live | None:
    if not isinstance(raw, bytes | memoryview):
        return None
    try:
        return Live(**json.loads(bytes(raw)))
    except (ValueError, TypeError):
        return None


def read(job_id: int) -> Live | None:
    return _decode(queue.storage.peek_data(_key(job_id)))


def read_many(job_ids: Collection[int]) -> dict[int, Live]:
    found = {}
    for job_id in job_ids:
        live = read(job_id)
        if live is not None:
            found[job_id] = live
    return found


def forget(job_id: int) -> None:
    queue.storage.delete_data(_key(job_id))
