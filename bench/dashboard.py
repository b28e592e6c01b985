"""The dashboard on a large log: the organisation dashboard and a team's page, signed in as an
admin (every team) and as a manager of five teams, each timed beside the 50-row decision log
page measured in the same run. Goal: no page above 3× the log page.

Run by the harness (`python -m bench`, section `dashboard:SIZE`), or alone against any database
built by `flask db upgrade`: `python -m bench.dashboard --database-url URL [--runs N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from scorecard import create_app
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Decision, StakeholderImpact, Team
from scorecard.services import accounts, scores

if TYPE_CHECKING:
    from bench.__main__ import Context

NAME = "dashboard"
GOAL = 3.0
MANAGED_TEAMS = 5
PASSWORD = "bench-only-password-7"  # noqa: S105 - a throwaway account in a generated database
ADMIN = "bench-admin@bench.example.com"
MANAGER = "bench-manager@bench.example.com"


@dataclass
class Page:
    """One page: its timed runs, the SQL statements of one request, the size of its HTML."""

    label: str
    path: str
    before: Callable[[], None] | None = None  # run untimed ahead of each timed request
    seconds: list[float] = field(default_factory=list)
    floor_seconds: list[float] = field(default_factory=list)  # the log page beside it, if apart
    statements: int = 0
    first: float = 0.0
    size: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run(context: Context) -> dict[str, str]:
    """The harness's entry point: one section, `dashboard:SIZE`."""
    pages, quarter = measure(context.database.url, context.runs)
    backend = sa.engine.make_url(context.database.url).get_backend_name()
    key = f"{NAME}:{context.size}" + ("" if backend == "sqlite" else f":{backend}")
    return {key: section(pages, quarter, context.command, context.database)}


def measure(url: str, runs: int) -> tuple[list[Page], Quarter]:
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-only-secret",
            "WTF_CSRF_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
            "SIGN_IN_RATE_LIMIT": "1000 per minute",
            "LOG_LEVEL": "WARNING",
        }
    )
    slugs = _bench_users(app)
    quarter = _last_complete_quarter(app)
    pages = [
        Page("Decision log, first page of 50 rows (admin)", "/decisions"),
        Page(f"Dashboard {quarter}, all teams (admin)", f"/dashboard?quarter={quarter}"),
        Page(
            f"Dashboard {quarter}, all teams, just after a decision was edited (admin)",
            f"/dashboard?quarter={quarter}",
            before=lambda: _edit_a_decision(app, quarter),
        ),
        Page("Dashboard, current quarter, all teams (admin)", "/dashboard"),
        Page(
            "Dashboard, current quarter, all teams, just after a decision was edited (admin)",
            "/dashboard",
            before=lambda: _edit_a_decision(app, Quarter.of(date.today())),
        ),
        Page(f"Team page {quarter} (admin)", f"/teams/{slugs[0]}?quarter={quarter}"),
        Page("Decision log, first page of 50 rows (manager)", "/decisions"),
        Page(
            f"Dashboard {quarter}, {MANAGED_TEAMS} managed teams (manager)",
            f"/dashboard?quarter={quarter}",
        ),
    ]
    admin, manager = _signed_in(app, ADMIN), _signed_in(app, MANAGER)
    clients = [admin, admin, admin, admin, admin, admin, manager, manager]
    engine = app.extensions["database"].engine
    for page, client in zip(pages, clients, strict=True):
        # The first request warms the process (and builds the stored sums of a new database).
        started = time.perf_counter()
        with _counting(engine) as statements:
            response = client.get(page.path)
        page.first = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{page.path} answered {response.status_code}")
        if page.before is not None:
            page.before()
        with _counting(engine) as statements:
            response = client.get(page.path)
        page.statements, page.size = len(statements), len(response.data)
    # Interleaved rounds, so that a slower moment of the machine touches every page alike; the
    # pages measured after an edit come last, each beside its own rounds of the log page.
    steady = [(p, c) for p, c in zip(pages, clients, strict=True) if p.before is None]
    edited = [(p, c) for p, c in zip(pages, clients, strict=True) if p.before is not None]
    for _ in range(runs):
        for page, client in steady:
            page.seconds.append(_timed_get(client, page.path))
    for page, client in edited:
        for _ in range(runs):
            page.floor_seconds.append(_timed_get(client, pages[0].path))
            page.before()  # type: ignore[misc]
            page.seconds.append(_timed_get(client, page.path))
    engine.dispose()
    return pages, quarter


def _timed_get(client: FlaskClient, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return elapsed


def _edit_a_decision(app: Flask, quarter: Quarter) -> None:
    """Change one impact estimate of a decision of the quarter, as a manager's correction would:
    the figures of its team and quarter must be computed again."""
    with app.app_context(), db.writing() as session:
        decision_id = session.scalar(
            sa.select(Decision.id)
            .where(
                Decision.decided_on.between(quarter.start, quarter.end),
                Decision.status.in_(("decided", "reviewed")),
                ~Decision.archived,
            )
            .order_by(Decision.id)
            .limit(1)
        )
        if decision_id is None:
            return
        with scores.changing(session, decision_id):  # the write path: sums kept exact
            impact = session.scalars(
                sa.select(StakeholderImpact)
                .where(StakeholderImpact.decision_id == decision_id)
                .order_by(StakeholderImpact.group_id)
                .limit(1)
            ).first()
            if impact is not None:
                impact.impact = 1 if impact.impact != 1 else 2


def _bench_users(app: Flask) -> list[str]:
    """An admin and a manager of the first five teams, who can sign in; the teams' slugs."""
    with app.app_context(), db.writing() as session:
        teams = list(session.scalars(sa.select(Team).order_by(Team.id)))
        if not teams:
            raise RuntimeError("the database has no team: generate the benchmark data first")
        if accounts.find_user(session, ADMIN) is None:
            accounts.create_user(
                session,
                None,
                email=ADMIN,
                display_name="Bench Admin",
                password=PASSWORD,
                role="admin",
            )
        if accounts.find_user(session, MANAGER) is None:
            managed = teams[:MANAGED_TEAMS]
            accounts.create_user(
                session,
                None,
                email=MANAGER,
                display_name="Bench Manager",
                password=PASSWORD,
                role="manager",
                teams=managed,
                manages=managed,
            )
        return [t.slug for t in teams]


def _last_complete_quarter(app: Flask) -> Quarter:
    """The quarter before the latest decision's, or before today's, whichever comes first."""
    with app.app_context():
        latest = db.session.scalar(sa.select(sa.func.max(Decision.decided_on)))
    today = Quarter.of(date.today())
    if latest is None:
        return today.prev()
    return min(Quarter.of(latest), today).prev()


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in {email}: {response.status_code}")
    return client


@contextmanager
def _counting(engine: sa.Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


# --- the report ----------------------------------------------------------------------------------


def _machine() -> str:
    try:
        from bench.measure import machine
    except ImportError:
        return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return machine()


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def section(pages: list[Page], quarter: Quarter, command: str, database: Any) -> str:
    admin_log, manager_log = pages[0], pages[6]
    floors = [admin_log] * 6 + [manager_log] * 2
    counts = getattr(database, "counts", {})
    data = (
        f"{counts['decision']:,} decisions of {database.label}"
        if counts
        else str(getattr(database, "label", "the database"))
    )
    lines = [
        f"### Dashboard at {getattr(database, 'size', 0):,} decisions",
        "",
        f"`{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {_machine()}; {data}.",
        "",
        "Each page is a full request through the application (Flask test client: sign-in"
        " session, permission checks, the scores service, templates), medians of"
        f" {len(admin_log.seconds)} interleaved runs. The floor is the decision log's first page"
        " of 50 rows, measured in the same run for the same user. The first request of each"
        " page is shown apart, and so is the dashboard just after a decision of the quarter"
        " was edited: the edit added its difference to the stored sums, so the figures are"
        " computed again from them (no decision is read), where otherwise the figures"
        " computed for the same stored sums are given again. SQL statements are those of one"
        " request after the first.",
        "",
        "| page | median | × log page | SQL statements | first request | HTML |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for page, floor in zip(pages, floors, strict=True):
        floor_median = statistics.median(page.floor_seconds or floor.seconds)
        ratio = page.median / floor_median
        lines.append(
            f"| {page.label} | {_seconds(page.median)} | {ratio:.2f} | {page.statements} |"
            f" {_seconds(page.first)} | {page.size / 1024:,.0f} KB |"
        )
        if page is not floor:
            verdicts.append(f"{page.label}: {ratio:.2f}× {'✓' if ratio <= GOAL else '✗'}")
    lines += [
        "",
        f"Goal: every dashboard page within {GOAL:.0f}× the log page. " + "; ".join(verdicts) + ".",
        "",
        "The dashboard asks the scores service four times (Teams table, composite trends,"
        " series, breakdown), which read the stored per team-quarter sums of the teams in view"
        " once per request, and the panel beside the method reads them too; a process keeps"
        " both the sums it read and the four results while one aggregate over those stored"
        " sums (count and generations) is unchanged, and lists the reviews due with one LIMITed"
        " query on an index. Its cost follows the number of teams and quarters shown, not the"
        " number of decisions. The current quarter is compared with the previous one cut at"
        " the same day: both cuts are stored for every team and kept by every write like the"
        " team-quarter sums, so an edit costs that page no read of decisions either; the"
        " first request of a day stores them (the nightly task does it first on a server with"
        " a job worker). plotly.js is a separate, long-cached file and is not part of these"
        " times.",
        "",
        "<!-- data "
        + json.dumps(
            {
                "size": getattr(database, "size", 0),
                "quarter": str(quarter),
                "pages": {p.label: p.median for p in pages},
            }
        )
        + " -->",
        "",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class _Database:
    label: str
    size: int
    counts: dict[str, int]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--docs", type=Path, help="also write the section into this file")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or DATABASE_URL")
    engine = sa.create_engine(args.database_url)
    with engine.connect() as connection:
        size = connection.scalar(sa.select(sa.func.count()).select_from(Decision)) or 0
    engine.dispose()
    url = sa.engine.make_url(args.database_url)
    database = _Database(f"{url.get_backend_name()} database", size, {"decision": size})
    print(f"Measuring the dashboard at {size:,} decisions…", file=sys.stderr, flush=True)
    pages, quarter = measure(args.database_url, max(1, args.runs))
    body = section(pages, quarter, "python -m bench.dashboard", database)
    print(body)
    if args.docs:
        _write_section(args.docs, f"{NAME}:{size}", body)
    return 0


def _write_section(path: Path, key: str, body: str) -> None:
    """Put body between `<!-- bench:KEY -->` markers, as the harness's report does."""
    try:
        from bench.report import write_section
    except ImportError:
        start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
        block = f"{start}\n{body.strip()}\n{end}"
        if start in text and end in text:
            text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        path.write_text(text, encoding="utf-8")
        return
    write_section(path, key, body)


if __name__ == "__main__":
    sys.exit(main())
