"""Scheduled upkeep: recovering jobs whose worker stopped, forgetting old jobs, and the nightly
audit-chain check."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from scorecard import jobs
from scorecard.extensions import db
from scorecard.models import Job, JobStatus
from scorecard.services import alerts, audit

log = logging.getLogger(__name__)
AUDIT_ALERT = "audit-chain"


@jobs.periodic_task(jobs.crontab(minute="*"), name="maintenance.sweep_jobs")
def sweep_jobs() -> None:
    """Every worker also sweeps on its own timer; this catches a worker without one."""
    jobs.sweep()


@jobs.periodic_task(jobs.crontab(hour="2", minute="30"), name="maintenance.check_audit_chain")
def check_audit_chain() -> None:
    """Verify the audit trail's hash chain; a break raises an alert every admin sees."""
    verify_audit_chain()


@jobs.periodic_task(jobs.crontab(hour="3", minute="10"), name="maintenance.prune_jobs")
def prune_jobs() -> None:
    """Forget finished jobs older than JOBS_KEEP_DAYS (their exports stay on the Scorecards page)."""
    cutoff = datetime.now(UTC) - timedelta(days=current_app.config["JOBS_KEEP_DAYS"])
    with db.writing() as session:
        gone = session.execute(
            sa.delete(Job).where(
                Job.status.in_([JobStatus.DONE.value, JobStatus.FAILED.value]),
                Job.finished_at < cutoff,
            )
        ).rowcount
    log.info("%s finished jobs older than %s forgotten", gone, cutoff.date())


def verify_audit_chain() -> audit.ChainReport:
    session = db.new_session()
    try:
        report = audit.verify_chain(session)
    finally:
        session.close()
    if report.ok:
        log.info("audit chain intact: %s events verified", report.checked)
        return report
    message = (
        f"The audit trail's hash chain is broken at event {report.first_bad_id}: {report.reason}. "
        f"The {report.checked} events before it verified. Restore a backup or investigate "
        "before trusting the trail."
    )
    log.error(message)
    with db.writing() as session:
        alerts.raise_alert(session, AUDIT_ALERT, message)
    return report
