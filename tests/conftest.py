"""Shared fixtures: an app on a fresh database (SQLite, and PostgreSQL when TEST_DATABASE_URL
is set), the test client and CLI runner, factories for teams, users and decisions, and a
signed-in client per role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from scorecard import create_app
from scorecard.db import Model
from scorecard.extensions import db as database
from scorecard.models import (
    Comment,
    Decision,
    Review,
    StakeholderImpact,
    Team,
    User,
    WasteLine,
)
from scorecard.services import accounts, audit, choice_lists, reference, score_cache
from tests.workers import queue_settings, workers  # noqa: F401  (the workers fixture)

# The loopback SMTP server (`smtp`, `mail_config`) for the tests of email.
pytest_plugins = ["tests.smtp"]

PASSWORD = "correct-staple-battery-7"
STRICT = os.environ.get("DOBETTER_REQUIRE_ALL_TESTS") == "1"


def unavailable(reason: str) -> None:
    """Skip with a clear reason, or fail where CI demands that every test really runs."""
    if STRICT:
        pytest.fail(f"{reason} (DOBETTER_REQUIRE_ALL_TESTS=1: nothing may be skipped)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests run on the PostgreSQL backend carry the `postgres` marker, so that
    `-m "not postgres"` runs the SQLite half alone."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


def _upgrade(url: str) -> None:
    from alembic import command

    from scorecard.migrate import alembic_config

    command.upgrade(alembic_config(url), "head")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database built by the migrations, once per backend for the whole run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite'}"
        _upgrade(url)
        yield url
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        unavailable("PostgreSQL tests need TEST_DATABASE_URL=postgresql+psycopg://…")
    admin_engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"dobetter_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin_engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        admin_engine.dispose()
        unavailable(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {error.orig}")
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        _upgrade(url)
        yield url
    finally:
        with admin_engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_engine.dispose()


def _reset(session: sa.orm.Session) -> None:
    """Empty every table and put back the reference data of method version 1."""
    tables = [t.name for t in reversed(Model.metadata.sorted_tables)]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            session.execute(sa.text(f"DELETE FROM {name}"))
    reference.install_defaults(session)
    choice_lists.ensure_version(session)
    session.commit()


@pytest.fixture
def app_config(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "tests-only-secret",
        "WTF_CSRF_ENABLED": False,
        # Still argon2id, at a cost that keeps hundreds of sign-ins in the suite quick.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        # Per-address limits have their own tests; the suite signs in hundreds of times.
        "SIGN_IN_RATE_LIMIT": "100000 per minute",
        "EXPORT_DIR": str(tmp_path / "exports"),
        # Jobs run at once in the test's process, unless it is marked workers or redis.
        **queue_settings(request, tmp_path),
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(app_config)
    with application.app_context():
        session = database.new_session(write=True)
        _reset(session)
        session.close()
    yield application
    application.extensions["database"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


# Factories -----------------------------------------------------------------------------------


@dataclass
class Factory:
    """Builds data through the services, each call in its own committed transaction."""

    app: Flask

    def _write(self, build: Callable[[sa.orm.Session], Any]) -> Any:
        with self.app.app_context(), database.writing() as session:
            return build(session)

    def team(self, name: str = "Operations", slug: str | None = None) -> Team:
        return self._write(lambda s: accounts.create_team(s, None, name, slug, f"The {name} team."))

    def user(
        self,
        email: str,
        role: str = "staff",
        teams: tuple[Team, ...] = (),
        manages: tuple[Team, ...] = (),
        name: str | None = None,
        password: str = PASSWORD,
    ) -> User:
        def build(session: sa.orm.Session) -> User:
            return accounts.create_user(
                session,
                None,
                email=email,
                display_name=name or email.split("@")[0].replace(".", " ").title(),
                password=password,
                role=role,
                teams=[session.get(Team, t.id) for t in teams],
                manages=[session.get(Team, t.id) for t in manages],
            )

        return self._write(build)

    def decision(
        self,
        team: Team,
        author: User | None = None,
        *,
        title: str = "Switch courier to electric vans",
        decided_on: date | None = None,
        status: str = "decided",
        impacts: dict[str, int] | None = None,
        consulted: tuple[str, ...] = (),
        waste: list[tuple[str, float, float]] = (),  # (category name, created, avoided)
        review_due: date | None = None,
        reviewed_on: date | None = None,
        actuals: dict[str, int] | None = None,
        archived: bool = False,
        **fields: Any,
    ) -> Decision:
        decided_on = decided_on or date.today() - timedelta(days=10)

        def build(session: sa.orm.Session) -> Decision:
            groups = {g.name: g for g in reference.active_groups(session)}
            categories = {c.name: c for c in reference.active_categories(session)}
            decision = Decision(
                team_id=team.id,
                author_id=author.id if author else None,
                title=title,
                question=fields.pop("question", "What question is this decision answering?"),
                decided_on=decided_on,
                review_due=review_due
                if review_due is not None
                else decided_on + timedelta(days=90),
                status=status,
                archived=archived,
                **fields,
            )
            for name, group in groups.items():
                decision.impacts.append(
                    StakeholderImpact(
                        group_id=group.id,
                        impact=(impacts or {}).get(name, 0),
                        consulted=name in consulted,
                        actual=(actuals or {}).get(name),
                    )
                )
            for position, (category, created, avoided) in enumerate(waste):
                decision.waste_lines.append(
                    WasteLine(
                        category_id=categories[category].id,
                        created=created,
                        avoided=avoided,
                        position=position,
                    )
                )
            if reviewed_on is not None:
                decision.review = Review(reviewed_on=reviewed_on, what_happened="As expected.")
            with score_cache.changing(session, decision):
                session.add(decision)
            audit.record(session, author, "decision", decision.id, "create", {"title": title})
            return decision

        return self._write(build)

    def comment(self, decision: Decision, author: User, body: str) -> Comment:
        def build(session: sa.orm.Session) -> Comment:
            comment = Comment(decision_id=decision.id, author_id=author.id, body=body)
            session.add(comment)
            session.flush()
            return comment

        return self._write(build)


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


@dataclass
class Org:
    """Two teams; a manager of the first, staff in each, an admin."""

    ops: Team
    sales: Team
    admin: User
    manager: User
    staff: User
    other_staff: User


@pytest.fixture
def org(make: Factory) -> Org:
    ops = make.team("Operations")
    sales = make.team("Sales")
    return Org(
        ops=ops,
        sales=sales,
        admin=make.user("admin@example.com", "admin"),
        manager=make.user("manager@example.com", "manager", teams=(ops,), manages=(ops,)),
        staff=make.user("staff@example.com", "staff", teams=(ops,)),
        other_staff=make.user("sam@example.com", "staff", teams=(sales,)),
    )


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, f"sign-in of {email} failed: {response.status_code}"


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., FlaskClient]:
    def do(user: User | str, password: str = PASSWORD) -> FlaskClient:
        sign_in(client, user if isinstance(user, str) else user.email, password)
        return client

    return do
