"""`flask remind-surveys`: remind the people who have not answered a round that closes soon."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from scorecard.extensions import db
from scorecard.services import survey_reminders


@click.command("remind-surveys")
@with_appcontext
def remind_surveys() -> None:
    """Remind, once each, the invited people who have not answered an open round closing
    within three days (for cron; running it twice reminds no one twice)."""
    with db.writing() as session:
        reminded = survey_reminders.remind_closing(session, date.today())
    total = sum(reminded.values())
    click.echo(
        f"{total} {'person' if total == 1 else 'people'} reminded"
        f" in {len(reminded)} open round{'s' if len(reminded) != 1 else ''} closing soon."
    )
