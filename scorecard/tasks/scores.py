"""Rebuilding the stored team-quarter figures after the groups or categories changed, and
storing each day's cuts of the quarter in progress before anyone asks for them.

A new method version that changes groups or categories leaves the stored cells of the old ones;
this job adds them all up again from the decisions, in a worker, so that no page has to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from scorecard import clock, jobs
from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Job, User
from scorecard.services import reference, score_cache, scores

KIND = "rebuild-scores"


def start_rebuild(session: Session, actor: User | None) -> Job:
    """A rebuild for the method version now current (one per version); the caller commits."""
    version = reference.current_version(session).number
    return jobs.start(
        session,
        KIND,
        user=actor,
        params={"method_version": version},
        title=f"Rebuild of the stored figures for method version {version}",
        scope=f"method:{version}",
    )


@jobs.job(KIND)
def rebuild_scores(run: jobs.Run) -> dict[str, Any] | None:
    run.step("Recomputing every team and quarter from the decisions")
    session = db.new_session(write=True)
    try:
        method = reference.current_method(session)
        sums = score_cache.rebuild(session, method)
        session.commit()
    finally:
        session.close()
    return {
        "method_version": method.version,
        "sums_key": scoring.sums_key(method),
        "cells": len(sums),
        "summary": f"Figures of {len(sums)} team-quarters stored for method version "
        f"{method.version}.",
    }


@jobs.periodic_task(jobs.crontab(hour="0", minute="1"), name="scores.store_day_cuts")
def store_day_cuts() -> None:
    """The quarter in progress and the one before, cut at today's day of each: stored once a
    day, just after midnight, so that no page computes them (writes keep them from then on)."""
    session = db.new_session()
    try:
        today = clock.today()
        scores.cut_of(session, scores.current_method(session), Quarter.of(today).index, None, today)
    finally:
        session.close()
