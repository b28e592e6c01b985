"""The work the job queue and `flask send-reminders` do, in an application context: one pass of
review reminders and email composition in one transaction, then each email sent in its own.

`today` and `now` are parameters, so a pass can be run as of any day (tests move the clock by
passing a later day; nothing else reads the system clock here)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy.orm import Session

from scorecard.extensions import db
from scorecard.mail import render, transport
from scorecard.models import EmailMessage, User, utcnow
from scorecard.services import email_delivery, notifications, reminders

log = logging.getLogger("scorecard.mail")


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: list[str] = field(default_factory=list)  # "to: reason" of each final failure
    skipped: int = 0


@dataclass
class PassReport:
    reminders: reminders.ReminderReport
    composed: list[str]  # "to: subject" of each email written
    delivery: DeliveryReport | None  # None on a dry run or with email off


def compose(session: Session, today: date, now: datetime, *, digests: bool = True) -> list[str]:
    """Write the emails due now (instant ones and, with `digests`, this period's digests);
    return a line for each."""
    lines = []
    for batch in email_delivery.batches(session, today, now, digests=digests):
        subject, text_body, html_body = render.render(batch)
        if email_delivery.record(session, batch, subject, text_body, html_body) is not None:
            lines.append(f"{batch.user.email}: {subject}")
    return lines


def _send_one(message_id: int, mailer: transport.Transport, now: datetime) -> str:
    """Claim, send and record one message; return sent, skipped, retrying, failed or taken."""
    with db.writing() as session:
        message = email_delivery.claim(session, message_id, now)
        if message is None:
            return "taken"
        reason = email_delivery.still_wanted(session, message)
        if reason is not None:
            email_delivery.mark_failed(
                session, message, now, reason, permanent=True, max_attempts=1
            )
            return "skipped"
        user = session.get(User, message.user_id)
        assert user is not None
        mail = render.mime(message, user)
    # The claim is committed: no other sender takes this message while it is being sent.
    try:
        mailer.send(mail)
    except transport.SendError as error:
        with db.writing() as session:
            message = session.get(EmailMessage, message_id)
            assert message is not None
            final = email_delivery.mark_failed(
                session,
                message,
                now,
                str(error),
                permanent=error.permanent,
                max_attempts=current_app.config["EMAIL_MAX_ATTEMPTS"],
            )
            log.warning(
                "email %s to %s %s: %s",
                message_id,
                message.to_address,
                "failed for good" if final else f"failed (attempt {message.attempts})",
                error,
            )
            return "failed" if final else "retrying"
    with db.writing() as session:
        message = session.get(EmailMessage, message_id)
        assert message is not None
        email_delivery.mark_sent(session, message, utcnow())
    return "sent"


def deliver(now: datetime | None = None) -> DeliveryReport:
    """Send every email due now; a failure is retried later, then recorded."""
    report = DeliveryReport()
    mailer = transport.from_config(current_app.config)
    if mailer is None:
        return report
    now = now or utcnow()
    session = db.new_session()
    try:
        ids = email_delivery.pending(session, now)
    finally:
        session.close()
    for message_id in ids:
        outcome = _send_one(message_id, mailer, now)
        if outcome == "sent":
            report.sent += 1
        elif outcome == "retrying":
            report.retrying += 1
        elif outcome == "skipped":
            report.skipped += 1
        elif outcome == "failed":
            report.failed.append(str(message_id))
    return report


def send_reminders(
    today: date, now: datetime | None = None, *, dry_run: bool = False
) -> PassReport:
    """One pass: remind of reviews due as of `today`, write the emails due, send them.
    A dry run does the same in a transaction it rolls back, and sends nothing."""
    now = now or utcnow()
    email_on = transport.from_config(current_app.config) is not None
    session = db.new_session(write=True)
    session.info[notifications.DELIVERED_BY_CALLER] = True
    try:
        report = reminders.remind(session, today)
        composed = compose(session, today, now) if email_on else []
        if dry_run:
            session.rollback()
            return PassReport(report, composed, None)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return PassReport(report, composed, deliver(now) if email_on else None)


def deliver_instant(now: datetime | None = None) -> DeliveryReport:
    """Write the instant emails of notifications made since, then send every email due."""
    now = now or utcnow()
    if transport.from_config(current_app.config) is None:
        return DeliveryReport()
    with db.writing() as session:
        compose(session, now.date(), now, digests=False)
    return deliver(now)
