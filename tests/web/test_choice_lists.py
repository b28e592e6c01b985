"""The log's filter lists are kept per process under the choice-lists version, which every
write that may change a list replaces, whichever path writes (migration 0013's triggers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from scorecard.domain.quarters import Quarter
from scorecard.extensions import db as database
from scorecard.models import Decision, StakeholderGroup, Team, User
from scorecard.services import accounts, choice_lists, reference

from ..conftest import Factory, Org, sign_in
from .decision_data import new_decision


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    choice_lists.forget()
    yield
    choice_lists.forget()


def _lists(app: Flask, email: str = "admin@example.com") -> choice_lists.LogChoices:
    with app.app_context():
        session = database.session
        user = session.scalar(sa.select(User).where(User.email == email))
        return choice_lists.log_choices(session, user, today=date.today())


def _version(app: Flask) -> int | None:
    with app.app_context():
        return choice_lists.version(database.session)


def _write(app: Flask, work: Callable[[sa.orm.Session], Any]) -> None:
    with app.app_context(), database.writing() as session:
        work(session)


def _statements(app: Flask, work: Callable[[], Any]) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = database.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def _quarter(days_ago: int) -> Quarter:
    return Quarter.of(date.today() - timedelta(days=days_ago))


def test_kept_lists_cost_one_statement_until_a_write_changes_one(app, org: Org, make: Factory):
    make.decision(org.ops, org.staff)
    first = _lists(app)
    assert [t.name for t in first.teams] == ["Operations", "Sales"]
    again: list[choice_lists.LogChoices] = []
    statements = _statements(app, lambda: again.append(_lists(app)))
    assert again == [first]
    reads = [s for s in statements if s.startswith("SELECT")]
    # The reader (looked up by the test) and the version: no list is read again.
    assert len(reads) == 2, reads
    assert "WHERE user_account.email" in reads[0]
    assert "FROM choice_lists_version" in reads[1]


def test_every_kind_of_write_that_changes_a_list_is_seen(app, org: Org, make: Factory):
    make.decision(org.ops, org.staff, decided_on=date.today() - timedelta(days=10))
    assert "Research" not in [t.name for t in _lists(app).teams]

    research = make.team("Research")
    assert "Research" in [t.name for t in _lists(app).teams]

    def rename(session: sa.orm.Session) -> None:
        admin = session.get(User, org.admin.id)
        accounts.update_team(session, admin, session.get(Team, research.id), "R&D", "")

    _write(app, rename)
    assert [t.name for t in _lists(app).teams] == ["Operations", "R&D", "Sales"]

    make.user("newcomer@example.com", teams=(org.sales,), name="Newcomer")
    assert "Newcomer" in [a.name for a in _lists(app, "sam@example.com").authors]

    def rename_person(session: sa.orm.Session) -> None:
        admin = session.get(User, org.admin.id)
        staff = session.get(User, org.other_staff.id)
        accounts.update_user(
            session, admin, staff, display_name="Samira", role="staff", active=True
        )

    _write(app, rename_person)
    assert "Samira" in [a.name for a in _lists(app).authors]

    def leave(session: sa.orm.Session) -> None:
        admin = session.get(User, org.admin.id)
        newcomer = session.scalar(sa.select(User).where(User.email == "newcomer@example.com"))
        accounts.set_memberships(session, admin, newcomer, {org.ops.id}, set())

    _write(app, leave)
    assert "Newcomer" not in [a.name for a in _lists(app, "sam@example.com").authors]
    assert "Newcomer" in [a.name for a in _lists(app, "staff@example.com").authors]

    def rename_group(session: sa.orm.Session) -> None:
        admin = session.get(User, org.admin.id)
        group = session.scalar(sa.select(StakeholderGroup).where(StakeholderGroup.name == "Nature"))
        reference.save_reference(session, admin, group, "stakeholder_group", {"name": "Planet"})

    _write(app, rename_group)
    assert "Planet" in [g.name for g in _lists(app).groups]


def test_quarters_follow_the_first_and_the_last_decision_of_a_team_and_quarter(
    app, org: Org, make: Factory
):
    recent = make.decision(org.ops, org.staff, decided_on=date.today() - timedelta(days=1))
    assert _lists(app).quarters == (_quarter(1),)

    old_day = date.today() - timedelta(days=400)
    old = make.decision(org.sales, org.other_staff, decided_on=old_day)
    assert Quarter.of(old_day) in _lists(app).quarters

    # One more decision in a quarter that has some changes no list: writers do not queue on
    # the version's row.
    before = _version(app)
    make.decision(org.ops, org.staff, decided_on=date.today() - timedelta(days=1))
    assert _version(app) == before

    # The only decision of its quarter moved to another: the old quarter goes.
    def move(session: sa.orm.Session) -> None:
        decision = session.get(Decision, old.id)
        decision.decided_on = recent.decided_on
        decision.review_due = None
        session.flush()

    _write(app, move)
    assert Quarter.of(old_day) not in _lists(app).quarters

    # A write outside the services (here plain SQL) is seen all the same.
    _write(
        app,
        lambda s: s.execute(
            sa.update(Decision).where(Decision.id == old.id).values(decided_on=old_day)
        ),
    )
    assert Quarter.of(old_day) in _lists(app).quarters
    _write(app, lambda s: s.execute(sa.delete(Decision).where(Decision.id == old.id)))
    assert Quarter.of(old_day) not in _lists(app).quarters


def test_a_log_without_decisions_offers_this_quarter(app, org: Org):
    assert _lists(app).quarters == (Quarter.of(date.today()),)


def test_the_log_page_offers_what_was_just_written(app, client, org: Org, make: Factory):
    make.decision(org.ops, org.staff)
    sign_in(client, "admin@example.com")
    assert "Research" not in client.get("/decisions").get_data(as_text=True)
    make.team("Research")
    assert ">Research</option>" in client.get("/decisions").get_data(as_text=True)


def test_a_decision_submitted_in_a_new_quarter_is_offered(app, client, org: Org, make: Factory):
    make.decision(org.ops, org.staff, decided_on=date.today() - timedelta(days=1))
    assert len(_lists(app).quarters) == 1
    day = date.today() - timedelta(days=200)
    sign_in(client, "staff@example.com")
    response = client.post("/decisions/new", data=new_decision(app, org.ops.id, decided_on=day))
    assert response.status_code == 302
    assert Quarter.of(day) in _lists(app).quarters
