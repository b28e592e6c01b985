"""`flask send-reminders`: one pass of review reminders and email, by hand or from cron."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from scorecard.mail import jobs


@click.command("send-reminders")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Say who would be told and emailed; change nothing.")
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Run as of this day (YYYY-MM-DD) instead of today.",
)
def send_reminders(dry_run: bool, as_of) -> None:
    """Notify people of reviews that fall due and send the emails due (idempotent: a second
    run the same day sends nothing twice)."""
    today = as_of.date() if as_of is not None else date.today()
    report = jobs.send_reminders(today, dry_run=dry_run)
    verb = "would notify" if dry_run else "notified"
    click.echo(
        f"{today.isoformat()}: {verb} {len(report.reminders.people)} "
        f"{'person' if len(report.reminders.people) == 1 else 'people'} "
        f"({report.reminders.total} notification{'s' if report.reminders.total != 1 else ''})."
    )
    for line in report.reminders.lines:
        click.echo(f"  {line}")
    if current_app.config.get("SMTP_URL") is None and not current_app.config["EMAIL_TO_LOG"]:
        click.echo("Email is off: set SMTP_URL to send it.")
        return
    click.echo(f"{'Would email' if dry_run else 'Emails written'}: {len(report.composed)}.")
    for line in report.composed:
        click.echo(f"  {line}")
    if report.delivery is not None:
        delivery = report.delivery
        click.echo(
            f"Sent {delivery.sent}, to retry {delivery.retrying}, failed {len(delivery.failed)}, "
            f"not sent {delivery.skipped}."
        )
