"""Pages that do not grow with the log: each reads decisions by an index (the query plans of the
statements a page runs show no full scan of a large table), and a page runs as many statements
with 600 decisions as with 60 (no query per row).

The decisions are written by the benchmarks' generator (bulk inserts of realistic rows), then
the planner's statistics are refreshed, as they are on a real database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench import generate
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Team
from scorecard.services import choice_lists, reference, scores
from tests.conftest import sign_in

# The tables that grow with the log: none of them may be read whole by a page.
LARGE_TABLES = ("decision", "stakeholder_impact", "waste_line", "review", "comment")
PLAN_DECISIONS = 5000


@dataclass
class Log:
    """A generated log: 50 teams (ids 1–50) with ten members each (ids 1–500, who cannot sign
    in), and decisions added in chunks."""

    app: Flask
    first: Quarter
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(8))
    ids: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("decision", "stakeholder_impact", "waste_line", "review", "comment"), 0
        )
    )
    teams: list[int] = field(default_factory=list)
    members: Any = None

    def start(self) -> Log:
        with self.app.app_context(), db.writing() as session:
            self.teams, self.members = generate.people(session.connection())
        return self

    def add(self, count: int) -> None:
        weights = 1 / np.sqrt(np.arange(1, len(self.teams) + 1))
        with self.app.app_context(), db.writing() as session:
            groups = [(g.id, g.is_owner) for g in reference.active_groups(session)]
            categories = [(c.id, 100.0) for c in reference.active_categories(session)]
            tables = generate.decision_tables(
                self.rng,
                count,
                self.ids,
                self.teams,
                self.members,
                weights / weights.sum(),
                groups,
                categories,
                self.first,
                date.today(),
            )
            connection = session.connection()
            for table, (columns, rows) in tables.items():
                generate.bulk_insert(connection, table, columns, rows)
            generate.after_bulk_load(connection)
            scores.rebuild_sums(session, scores.current_method(session))
        engine = self.app.extensions["database"].engine
        if engine.dialect.name == "postgresql":
            # Visibility map and statistics, as autovacuum keeps them on a live database.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")


def _log(app: Flask, count: int) -> Log:
    log = Log(app, Quarter.from_index(Quarter.of(date.today()).index - 19)).start()
    log.add(count)
    return log


@contextmanager
def statements(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements run while inside, with their parameters."""
    engine = app.extensions["database"].engine
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _plan(app: Flask, statement: str, parameters: Any) -> Any:
    engine = app.extensions["database"].engine
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return [row[3] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        return cursor.fetchone()[0][0]["Plan"]


def _seq_scans(node: dict[str, Any], parent: str = "") -> Iterator[str]:
    """PostgreSQL's sequential scans of large tables, except those straight under a Limit: a
    scan that stops after the limit's rows (e.g. the capped count of the log) reads no more
    than it returns, whatever the size of the table."""
    if (
        node["Node Type"] == "Seq Scan"
        and node.get("Relation Name") in LARGE_TABLES
        and parent != "Limit"
    ):
        yield f"Seq Scan on {node['Relation Name']} under {parent or 'nothing'}"
    for child in node.get("Plans", []):
        yield from _seq_scans(child, node["Node Type"])


def full_scans(app: Flask, statement: str, parameters: Any) -> list[str]:
    """What in the plan reads a large table whole: SQLite's `SCAN decision` (without an index),
    PostgreSQL's `Seq Scan on decision` (unless a Limit stops it)."""
    plan = _plan(app, statement, parameters)
    if app.extensions["database"].engine.dialect.name == "sqlite":
        pattern = re.compile(rf"^SCAN ({'|'.join(LARGE_TABLES)})(?: AS \w+)?$")
        return [line for line in plan if pattern.search(line.strip())]
    return list(_seq_scans(plan))


def _signed_in(app: Flask, email: str, role: str, team_ids: tuple[int, ...] = ()) -> FlaskClient:
    from scorecard.models import Team
    from scorecard.services import accounts

    with app.app_context(), db.writing() as session:
        teams = [session.get(Team, t) for t in team_ids]
        accounts.create_user(
            session,
            None,
            email=email,
            display_name=email.split("@")[0],
            password="correct-staple-battery-7",
            role=role,
            teams=teams,
            manages=teams if role == "manager" else (),
        )
    client = app.test_client()
    sign_in(client, email)
    return client


def _latest_decided(app: Flask, team_ids: list[int]) -> Any:
    """The latest decided, unarchived decision of these teams: filters that find it find a page
    of decisions at any size of the log."""
    from scorecard.models import Decision

    with app.app_context():
        return db.session.execute(
            sa.select(Decision.id, Decision.team_id, Decision.decided_on)
            .where(
                Decision.team_id.in_(team_ids),
                Decision.status == "decided",
                ~Decision.archived,
            )
            .order_by(Decision.decided_on.desc(), Decision.id.desc())
            .limit(1)
        ).one()


def _pages(app: Flask, log: Log, team_ids: list[int]) -> dict[str, str]:
    """The pages whose reads must not grow with the log, as signed-in users open them."""
    latest = _latest_decided(app, team_ids)
    quarter = Quarter.of(latest.decided_on)
    pages = {
        "log": "/decisions",
        "log, one team": f"/decisions?team={latest.team_id}",
        "log, one quarter": f"/decisions?quarter={quarter}",
        "log, one status": "/decisions?status=decided",
        "log, team quarter and status": (
            f"/decisions?team={latest.team_id}&quarter={quarter}&status=decided"
        ),
        "log, text search (best match first)": "/decisions?q=courier",
        "log, text search (newest first)": "/decisions?q=courier&sort=newest",
        "log, text search of two words, one team": (
            f"/decisions?q=courier+switch&team={latest.team_id}"
        ),
        "log, a group harmed": "/decisions?group=2&effect=harmed",
        "log, due for review": "/decisions?due=y",
        "due for review": "/decisions/due",
        "decision": f"/decisions/{latest.id}",
        "dashboard": "/dashboard",
    }
    with app.app_context():
        slug = db.session.scalar(sa.select(Team.slug).where(Team.id == latest.team_id))
    pages["team page"] = f"/teams/{slug}"
    # Each page is asserted to answer 200: a page that went missing fails, never drops out.
    return pages


@pytest.fixture
def admin_and_manager(app: Flask) -> tuple[Log, dict[str, FlaskClient]]:
    log = _log(app, PLAN_DECISIONS)
    users = {
        "admin": _signed_in(app, "boss@example.com", "admin"),
        "manager of three teams": _signed_in(
            app, "lead@example.com", "manager", tuple(log.teams[1:4])
        ),
    }
    return log, users


def test_no_page_reads_a_large_table_whole(app, admin_and_manager):
    log, users = admin_and_manager
    problems = []
    for who, client in users.items():
        for name, path in _pages(app, log, log.teams[1:4]).items():
            # Once first: after the bulk load the score cache is rebuilt from every decision at
            # the first read, once (as after a method change), not on every page.
            client.get(path)
            choice_lists.forget()  # the filter lists' reads are checked too, as on a first visit
            with statements(app) as seen:
                response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            for statement, parameters in seen:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                scans = full_scans(app, statement, parameters)
                if scans:
                    problems.append(f"{who}, {name} ({path}): {scans} in {statement[:300]}")
    assert problems == [], "\n".join(problems)


def test_a_full_scan_is_seen(app, admin_and_manager):
    """The check above finds what it looks for."""
    statement = "SELECT count(*) FROM decision WHERE title = 'nothing'"
    parameters = () if app.extensions["database"].engine.dialect.name == "sqlite" else None
    assert full_scans(app, statement, parameters)


def test_pages_run_as_many_statements_with_600_decisions_as_with_60(app):
    log = _log(app, 60)
    users = {
        "admin": _signed_in(app, "boss@example.com", "admin"),
        "manager of three teams": _signed_in(
            app, "lead@example.com", "manager", tuple(log.teams[:3])
        ),
    }

    def counts() -> dict[tuple[str, str], int]:
        found = {}
        for who, client in users.items():
            for name, path in _pages(app, log, log.teams[:3]).items():
                if name == "decision":
                    continue  # compared below, on decisions with more and fewer parts
                client.get(path)  # once first: caches filled on a first visit do not count
                choice_lists.forget()  # but the filter lists are read again, and counted
                with statements(app) as seen:
                    assert client.get(path).status_code == 200, (who, path)
                found[(who, name)] = len(seen)
        return found

    small = counts()
    log.add(540)
    large = counts()
    assert large == small


def test_a_decision_page_runs_the_same_statements_however_many_parts_it_has(app):
    log = _log(app, 300)
    admin = _signed_in(app, "boss@example.com", "admin")
    with app.app_context():
        session = db.session
        parts = (
            sa.select(
                sa.text("d.id"),
                sa.text("(SELECT count(*) FROM comment c WHERE c.decision_id = d.id) AS comments"),
                sa.text("(SELECT count(*) FROM waste_line w WHERE w.decision_id = d.id) AS lines"),
            )
            .select_from(sa.text("decision d"))
            .where(sa.text("d.status = 'reviewed'"))
            .order_by(sa.text("comments, lines, d.id"))
        )
        rows = session.execute(parts).all()
    fewest, most = rows[0], rows[-1]
    assert most.comments > fewest.comments and most.lines > fewest.lines
    found = []
    for decision_id in (fewest.id, most.id):
        admin.get(f"/decisions/{decision_id}")
        with statements(app) as seen:
            assert admin.get(f"/decisions/{decision_id}").status_code == 200
        found.append(len(seen))
    assert found[0] == found[1]
    assert log.ids["decision"] == 300
