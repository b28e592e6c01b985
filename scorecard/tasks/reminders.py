"""Review reminders and email as jobs: the daily pass, email sent soon after each notification,
and a regular round that retries what failed."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from scorecard import jobs
from scorecard.mail import jobs as mail_jobs
from scorecard.services import notifications

ENQUEUED = "reminders.delivery_enqueued"


@jobs.periodic_task(jobs.crontab(hour="6", minute="0"), name="reminders.daily_pass")
def daily_pass() -> None:
    """06:00 UTC: reminders of the reviews that fall due, then the day's digests."""
    mail_jobs.send_reminders(date.today())


@jobs.periodic_task(jobs.crontab(minute="*/5"), name="reminders.deliver")
def deliver_round() -> None:
    """Every 5 minutes: instant emails not sent yet, and retries of failed attempts."""
    mail_jobs.deliver_instant()


@jobs.task(name="reminders.deliver_soon")
def deliver_soon() -> None:
    mail_jobs.deliver_instant()


@notifications.on_notify
def _deliver_after_commit(session: Session) -> None:
    """Someone was notified: their instant email goes once the transaction commits."""
    if session.info.get(ENQUEUED):
        return
    session.info[ENQUEUED] = True

    def enqueue() -> None:
        session.info.pop(ENQUEUED, None)
        deliver_soon()

    jobs.after_commit(session, enqueue)
