"""The `flask --app wsgi …` commands. Errors are one clear line and a non-zero exit status."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from scorecard import clock
from scorecard.domain import untrusted_files
from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import TEAMS_COLUMNS
from scorecard.domain.text import clean
from scorecard.extensions import db
from scorecard.migrate import alembic_config
from scorecard.models import User
from scorecard.passwords import password_problem
from scorecard.services import accounts, audit, exports, imports, scores

db_cli = AppGroup("db", help="Create or migrate the database schema (Alembic).")


def cleaned(command: click.Command) -> click.Command:
    """Text arguments without the characters XML 1.0 forbids, as a form's input is."""
    callback = command.callback
    assert callback is not None

    def text(value: Any) -> Any:
        if isinstance(value, str):
            return clean(value)
        if isinstance(value, tuple):
            return tuple(text(v) for v in value)
        return value

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **{name: text(value) for name, value in kwargs.items()})

    command.callback = run
    return command


def fail(message: str, status: int = 2) -> None:
    """Stop the command with one line on standard error."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create the schema, or bring it up to date."""
    from alembic import command

    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"Database is at revision {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (e.g. -1 or base)."""
    from alembic import command

    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the schema's revision."""
    from alembic import command

    command.current(alembic_config(current_app.config["DATABASE_URL"]))


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration script into migrations/versions."""
    from alembic import command

    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]),
        message=message,
        autogenerate=autogenerate,
    )


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only load when the database has no users yet.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo organisation from seeds/ (running it again changes nothing)."""
    from scorecard.services.demo import DemoSeedError, load_demo

    try:
        with db.writing() as session:
            if if_empty and session.scalar(sa.select(sa.func.count(User.id))):
                click.echo("The database already has users: demo data not loaded.")
                return
            summary = load_demo(session, progress=lambda text: click.echo(text, err=True))
    except DemoSeedError as error:
        fail(str(error), 1)
    click.echo(summary)


@cleaned
@click.command("create-team")
@with_appcontext
@click.argument("name")
@click.option("--slug", help="Used in addresses; made from the name when left out.")
@click.option("--description", default="")
def create_team(name: str, slug: str | None, description: str) -> None:
    """Add a team."""
    try:
        with db.writing() as session:
            team = accounts.create_team(session, None, name, slug, description)
    except accounts.AccountError as error:
        fail(str(error))
    click.echo(f"Team {team.name} created with the slug {team.slug}.")


@cleaned
@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="The person's display name.")
@click.option("--role", required=True, type=click.Choice(["staff", "manager", "admin"]))
@click.option(
    "--team", "team_slugs", multiple=True, help="A team the user belongs to (repeatable)."
)
@click.option(
    "--manages", "managed_slugs", multiple=True, help="A team the manager manages (repeatable)."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(
    email: str,
    display_name: str,
    role: str,
    team_slugs: tuple[str, ...],
    managed_slugs: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Add a user; the password comes from a prompt or --password-stdin."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        fail(f"--email {email!r} is not a valid address: {error}")
    if managed_slugs and role != "manager":
        fail("--manages is only for users with --role manager")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        fail(f"password refused: {problem}")
    try:
        with db.writing() as session:
            teams, managed = [], []
            for slug, into in [
                *((s, teams) for s in team_slugs),
                *((s, managed) for s in managed_slugs),
            ]:
                team = accounts.team_by_slug(session, slug)
                if team is None:
                    raise accounts.AccountError(f"no team has the slug {slug!r}")
                into.append(team)
            user = accounts.create_user(
                session,
                None,
                email=email,
                display_name=display_name,
                password=password,
                role=role,
                teams=teams,
                manages=managed,
            )
    except accounts.AccountError as error:
        fail(str(error))
    click.echo(f"User {user.email} ({role}) created.")


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the audit trail's hash chain; exit 1 naming the first bad event."""
    session = db.new_session()
    try:
        report = audit.verify_chain(session)
    finally:
        session.close()
    if not report.ok:
        click.echo(
            f"Audit chain broken at event {report.first_bad_id}: {report.reason} "
            f"({report.checked} events before it verified).",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Audit chain intact: {report.checked} events verified.")


PROGRESS_FROM_ROWS = 2_000


@contextmanager
def progress_bar(label: str, length: int | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on standard error for long steps; nothing for short ones."""
    if not length or length < PROGRESS_FROM_ROWS:
        yield None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


@click.command("import-decisions")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change.")
@click.option("--background", is_flag=True, help="Leave it to a job worker and return at once.")
def import_decisions(path: Path, dry_run: bool, background: bool) -> None:
    """Import decisions from a CSV or XLSX file: every row, or nothing if any cell is bad."""
    limits = imports.limits_from_config(current_app.config)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            fail(
                f"{path.name} is {size / 1024 / 1024:.1f} MB; the largest file accepted is "
                f"{limits.max_bytes / 1024 / 1024:.0f} MB (MAX_UPLOAD_MB).",
                1,
            )
        data = path.read_bytes()
    except OSError as error:
        fail(f"{path}: cannot be read ({error.strerror}).", 1)
    if background:
        from scorecard.tasks.imports import start_import

        with db.writing() as session:
            job = start_import(session, None, data, path.name, dry_run)
        click.echo(f"Job {job.id} queued: {job.title}. `flask jobs list` shows how it went.")
        return
    rows = untrusted_files.estimate_rows(data, path.name)
    with db.writing() as session:
        try:
            with progress_bar("Reading ", rows) as progress:
                parsed = imports.read(session, data, path.name, limits, progress)
        except untrusted_files.FileRefused as refusal:
            fail(str(refusal), 1)
        # Checking every row, then writing every row (unless it is a dry run or a row is bad).
        steps = len(parsed.rows) * (1 if dry_run else 2)
        with progress_bar("Importing", steps) as progress:
            outcome = imports.import_decisions(
                session,
                None,
                parsed,
                filename=path.name,
                digest=imports.file_digest(data),
                dry_run=dry_run,
                progress=progress,
            )
    if not outcome.ok:
        for error in outcome.errors:
            click.echo(f"{path.name}: {error}", err=True)
        click.echo(f"Nothing was imported from {path.name}: {outcome.refusal()}.", err=True)
        sys.exit(1)
    assert outcome.summary is not None
    where = f" (sheet {outcome.sheet})" if outcome.sheet else ""
    if dry_run:
        summary = outcome.summary
        click.echo(
            f"Dry run of {path.name}{where}: {summary.created:,} would be created, "
            f"{summary.updated:,} updated, {summary.unchanged:,} left unchanged. "
            "Nothing was written."
        )
    else:
        click.echo(f"Imported {path.name}{where}: {outcome.summary}.")


@click.command("export-scorecard")
@with_appcontext
@click.option("--quarter", required=True, help="The quarter, e.g. 2026Q3.")
@click.option("--team", "team_slug", help="Only this team (its slug); every team by default.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the workbook (default: EXPORT_DIR/scorecard-QUARTER.xlsx).",
)
@click.option("--background", is_flag=True, help="Leave it to a job worker and return at once.")
def export_scorecard(
    quarter: str, team_slug: str | None, out: Path | None, background: bool
) -> None:
    """Write the quarterly Excel scorecard."""
    try:
        wanted = Quarter.parse(quarter)
    except ValueError as error:
        fail(f"--quarter: {error}")
    folder = Path(current_app.config["EXPORT_DIR"])
    with db.writing() as session:
        try:
            scope = exports.export_scope(session, None, team_slug)
        except exports.ExportNotFound as error:
            fail(f"--team: {error}")
        label, slug = exports.scope_name(session, scope)
        name = f"scorecard-{wanted}{f'-{slug}' if team_slug else ''}.xlsx"
        target = out or folder / name
        if target.parent.exists() and not target.parent.is_dir():
            fail(f"--out: {target.parent} is not a folder")
        if background:
            from scorecard.tasks.exports import start_export

            if target.parent.resolve() != folder.resolve():
                fail("--background writes into EXPORT_DIR: leave out --out or name a file there")
            job = start_export(session, None, wanted, scope, team_slug, file_name=target.name)
            session.commit()
            click.echo(f"Job {job.id} queued: {job.title}, to {target}.")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        total = exports.count_decisions(session, wanted, scope.filter)
        with progress_bar("Writing", total) as progress:
            if target.parent.resolve() == folder.resolve():
                size = exports.create(
                    session, None, wanted, scope, folder, file_name=target.name, progress=progress
                ).size
            else:
                size = exports.write_file(session, None, wanted, scope, target, progress)
    click.echo(
        f"Scorecard {wanted} ({label}, {total} decisions) written to {target} "
        f"({size / 1024:.0f} KB)."
    )


@click.command("verify-scorecard")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--decisions-sheet",
    is_flag=True,
    help="Without the database: recompute the figures that rest only on the quarter's own "
    "decisions from the workbook's Decisions and Method sheets.",
)
def verify_scorecard(path: Path, decisions_sheet: bool) -> None:
    """Recompute every figure of a scorecard workbook and list each difference (exit 1 if any)."""
    from scorecard.domain.verification import NotAScorecard
    from scorecard.services.exports import verify

    try:
        data = path.read_bytes()
    except OSError as error:
        fail(f"{path} cannot be read: {error.strerror or error}", 1)
    try:
        if decisions_sheet:
            # The operator's own file: as large as an export, still checked as any workbook.
            limits = imports.limits_from_config(current_app.config)
            limits = replace(limits, max_bytes=max(limits.max_bytes, len(data)), max_rows=10**7)
            differences = verify.against_decisions_sheet(data, limits)
            source = "its Decisions sheet"
        else:
            with db.writing() as session:
                differences = verify.against_database(session, data)
            source = "the database"
    except (NotAScorecard, untrusted_files.FileRefused) as error:
        fail(f"{path.name}: {error}", 1)
    for difference in differences:
        click.echo(str(difference))
    if differences:
        fail(f"{path.name}: {len(differences)} figures differ from {source}.", 1)
    click.echo(f"{path.name}: every figure checked agrees with {source}.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH while the app keeps running."""
    from scorecard.services.backup import BackupError, backup

    try:
        backup(current_app.config["DATABASE_URL"], path)
    except BackupError as error:
        fail(str(error), 1)
    click.echo(f"Backup written to {path} ({path.stat().st_size:,} bytes).")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that the current data is to be replaced.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's content with the backup at PATH, then verify the audit chain."""
    from scorecard.services.backup import BackupError, restore

    if not yes:
        click.confirm(f"Replace every record in the database with {path}?", abort=True)
    current_app.extensions["database"].engine.dispose()
    try:
        restore(current_app.config["DATABASE_URL"], path)
    except BackupError as error:
        fail(str(error), 1)
    session = db.new_session()
    try:
        report = audit.verify_chain(session)
    finally:
        session.close()
    if not report.ok:
        fail(f"restored, but the audit chain is broken at event {report.first_bad_id}", 1)
    click.echo(f"Restored from {path}; audit chain intact ({report.checked} events).")


@click.command("scores")
@with_appcontext
@click.option("--quarter", "quarter_text", help="The quarter, e.g. 2026Q3.")
@click.option("--team", "team_slug", help="Only this team (its slug); All teams is then that team.")
@click.option("--json", "as_json", is_flag=True, help="Unrounded figures as JSON, null when empty.")
@click.option(
    "--verify",
    is_flag=True,
    help="Instead: add up every decision again and compare the stored sums (exit 1 if any differ).",
)
def scores_command(
    quarter_text: str | None, team_slug: str | None, as_json: bool, verify: bool
) -> None:
    """Print the Teams table of a quarter with the current scoring method."""
    if verify:
        _verify_sums()
        return
    if not quarter_text:
        fail("--quarter is required (or --verify)")
    try:
        quarter = Quarter.parse(quarter_text)
    except ValueError as error:
        fail(f"--quarter: {error}")
    session = db.new_session()
    try:
        team_ids = None
        if team_slug is not None:
            team = accounts.team_by_slug(session, team_slug)
            if team is None:
                fail(f"--team: no team has the slug {team_slug!r}")
            team_ids = {team.id}
        table = scores.teams_table(session, quarter, team_ids, today=clock.today())
    finally:
        session.close()
    if as_json:
        payload = scores.table_payload(table)
        click.echo(json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=2))
        return
    records = scores.table_records(table)
    progress = table.progress
    state = f" ({progress.label})" if progress is not None else ""
    click.echo(f"Teams table of {quarter}{state}, scoring method version {table.method_version}")
    click.echo(_text_table(records))


def _verify_sums() -> None:
    """`scores --verify`: each stored team-quarter against its decisions added up again."""
    session = db.new_session()
    try:
        method = scores.current_method(session)
        found = scores.verify_sums(session, method)
        names = {t.id: t.name for t in accounts.all_teams(session)}
    finally:
        session.close()
    if found is None:
        click.echo("No stored sums are in use: the next read adds up every decision again.")
        return
    checked, differences = found
    for d in differences:
        quarter = Quarter.from_index(d.quarter)
        parts = ", ".join(
            f"{column} stored {a:g}, from the decisions {b:g}"
            for column, a, b in zip(d.columns, d.stored, d.recomputed, strict=True)
        )
        cut = "" if d.cut_day is None else f" cut at {d.cut_day.isoformat()}"
        click.echo(f"{names.get(d.team_id, d.team_id)} {quarter}{cut}: {parts}")
    if differences:
        fail(f"{len(differences)} of {checked} stored team-quarters differ from their decisions", 1)
    click.echo(f"{checked} stored team-quarters checked: each equals its decisions added up again.")


# How the readable table rounds each column: (decimal places, signed).
_DISPLAY = {
    "Decisions": (0, False),
    "Net waste avoided": (0, False),
    "Net CO2e avoided (kg)": (0, False),
    "Calibration error": (2, False),
    "Change": (1, True),
    "Trend per quarter": (2, True),
    "Improving streak": (0, False),
}


def _text_table(records: list[dict[str, Any]]) -> str:
    """Aligned columns, figures rounded for reading, "—" for empty ones."""
    from scorecard.templating import number, signed

    cells = [list(TEAMS_COLUMNS)]
    for record in records:
        line = []
        for header in TEAMS_COLUMNS:
            value = record[header]
            if isinstance(value, str):
                line.append(value)
            else:
                places, with_sign = _DISPLAY.get(header, (1, False))
                line.append((signed if with_sign else number)(value, places))
        cells.append(line)
    widths = [max(len(line[i]) for line in cells) for i in range(len(TEAMS_COLUMNS))]
    text_columns = {0, len(TEAMS_COLUMNS) - 1}
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i in text_columns else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in cells
    )


def register_commands(app: Flask) -> None:
    from scorecard.cli_reminders import send_reminders
    from scorecard.cli_surveys import remind_surveys

    app.cli.add_command(db_cli)
    for command in (
        seed_demo,
        create_team,
        create_user,
        verify_audit,
        backup_command,
        restore_command,
        scores_command,
        import_decisions,
        export_scorecard,
        remind_surveys,
        send_reminders,
        verify_scorecard,
    ):
        app.cli.add_command(command)
