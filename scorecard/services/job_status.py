"""Jobs as people see them: where each stands, who may look at it, and their recent ones.

A running job's progress is read from the queue's storage (live), the rest from its Job row.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.domain.progress import Progress, time_left_text
from scorecard.jobs import live
from scorecard.models import Job, JobStatus, User

log = logging.getLogger(__name__)
RECENT = 30
WAITING = "Waiting for a worker"


class JobNotFound(LookupError):
    """No such job, or not one this user may see (shown as 404)."""


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    title: str
    status: str
    quarter: str | None
    progress: Progress
    error: str | None
    result: dict[str, Any]
    params: dict[str, Any]
    attempts: int
    max_attempts: int
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def time_left(self) -> str:
        return "" if self.finished else time_left_text(self.progress.seconds_left)

    @property
    def status_text(self) -> str:
        return {
            JobStatus.QUEUED: "Waiting",
            JobStatus.RUNNING: "Running",
            JobStatus.DONE: "Done",
            JobStatus.FAILED: "Failed",
        }.get(self.status, self.status)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "status_text": self.status_text,
            "finished": self.finished,
            "text": self.progress.text or self.status_text,
            "done": self.progress.done,
            "total": self.progress.total,
            "percent": self.progress.percent,
            "seconds_left": self.progress.seconds_left,
            "time_left": self.time_left,
            "error": self.error,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
        }


def find(session: Session, actor: User, job_id: int) -> Job:
    """The job, if `permissions.can_see_job` lets this user look at it; else JobNotFound."""
    job = session.get(Job, job_id)
    if job is None or not permissions.can_see_job(session, actor, job):
        raise JobNotFound(job_id)
    return job


def view_of(job: Job, now: float | None = None) -> JobView:
    now = time.time() if now is None else now
    if job.status == JobStatus.RUNNING:
        try:
            beat = live.read(job.id)
        except Exception:  # the queue's storage is unreachable: show the job without its progress
            log.warning("live progress of job %s could not be read", job.id, exc_info=True)
            beat = None
        if beat is not None and beat.attempt == job.attempts:
            progress = Progress(
                beat.step or "Starting", beat.done, beat.total, beat.unit, now - beat.step_started
            )
        else:
            progress = Progress("Starting", 0, None, "", 0.0)
    elif job.status == JobStatus.QUEUED:
        progress = Progress(WAITING, 0, None, "", 0.0)
    else:
        progress = Progress(job.step, job.done, job.total, "", 0.0)
    return JobView(
        id=job.id,
        kind=job.kind,
        title=job.title,
        status=job.status,
        quarter=job.quarter,
        progress=progress,
        error=job.error,
        result=dict(job.result or {}),
        params=dict(job.params or {}),
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def recent(
    session: Session, actor: User, kind: str | None = None, limit: int = RECENT
) -> list[JobView]:
    """The user's own jobs, newest first."""
    query = sa.select(Job).where(Job.user_id == actor.id)
    if kind is not None:
        query = query.where(Job.kind == kind)
    jobs = session.scalars(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit))
    return [view_of(job) for job in jobs]


def active(session: Session, actor: User, kind: str) -> list[JobView]:
    """The user's jobs of this kind that are waiting or running."""
    jobs = session.scalars(
        sa.select(Job)
        .where(
            Job.user_id == actor.id,
            Job.kind == kind,
            Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
        .order_by(Job.id)
    )
    return [view_of(job) for job in jobs]
