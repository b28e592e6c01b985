"""Generated bad input posted to every form: huge, empty, unicode, control characters, wrong
types, missing fields. Never a 500; when the input is refused, nothing in the database changes."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.liveserver import form_fields
from scorecard.db import Model
from scorecard.extensions import db

NASTY_TEXT = st.one_of(
    st.just(""),
    st.just(" "),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.text(alphabet=st.sampled_from("\x00\x01\x07\x1b\r\n\t\u202e\ufeff"), max_size=10),
    st.sampled_from(
        [
            "-1",
            "4",
            "-4",
            "1e309",
            "NaN",
            "inf",
            "9" * 40,
            "0x10",
            "2026-13-45",
            "3.5",
            "=1+1",
            "<script>x</script>",
        ]
    ),
    st.integers(min_value=1, max_value=1000).map(lambda n: "x" * (n * 60)),
)
CHANGE = st.one_of(st.just("keep"), st.just("drop"), NASTY_TEXT)


def fingerprint(app) -> tuple[int, ...]:
    with app.app_context():
        session = db.new_session()
        try:
            return tuple(
                session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                for table in Model.metadata.sorted_tables
            )
        finally:
            session.close()


def mutate(fields: list[tuple[str, str]], changes: list[object]) -> dict[str, list[str]]:
    posted: dict[str, list[str]] = {}
    for (name, value), change in zip(fields, changes, strict=False):
        if change == "drop":
            continue
        posted.setdefault(name, []).append(value if change == "keep" else str(change))
    return posted


@pytest.fixture
def targets(org, make):
    decision = make.decision(
        org.ops, org.staff, decided_on=date(2026, 5, 4), impacts={"Workers": 1}
    )
    return [
        ("/account", "/account"),
        ("/admin/users/new", "/admin/users/new"),
        (f"/admin/users/{org.staff.id}", f"/admin/users/{org.staff.id}"),
        ("/admin/teams/new", "/admin/teams/new"),
        (f"/admin/teams/{org.ops.id}", f"/admin/teams/{org.ops.id}"),
        ("/admin/groups/new", "/admin/groups/new"),
        ("/admin/groups/1", "/admin/groups/1"),
        ("/admin/categories/new", "/admin/categories/new"),
        ("/admin/categories/2", "/admin/categories/2"),
        ("/admin/weights", "/admin/weights"),
        ("/decisions/new", "/decisions/new"),
        (f"/decisions/{decision.id}/edit", f"/decisions/{decision.id}/edit"),
        (f"/decisions/{decision.id}/review", f"/decisions/{decision.id}/review"),
        (f"/decisions/{decision.id}", f"/decisions/{decision.id}/comments"),
    ]


FORMS = 14


def test_every_form_is_covered(targets):
    assert len(targets) == FORMS


@pytest.mark.parametrize("form", range(FORMS))
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_form_survives_bad_input(app, login, org, targets, form, data):
    client = login(org.admin)
    page, action = targets[form]
    fields = form_fields(client.get(page).get_data(as_text=True), action)
    fields = [(n, v) for n, v in fields if n != "csrf_token"]
    assert fields, f"no form fields found on {page}"
    changes = data.draw(
        st.lists(CHANGE, min_size=len(fields), max_size=len(fields)), label="changes"
    )
    before = fingerprint(app)
    response = client.post(action, data=mutate(fields, changes))
    assert response.status_code < 500, (page, response.status_code)
    if response.status_code not in (302, 303):
        assert response.status_code in (400, 403, 404, 409, 413), (page, response.status_code)
        assert fingerprint(app) == before, f"a refused post to {action} changed the database"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(email=NASTY_TEXT, password=NASTY_TEXT)
def test_sign_in_survives_bad_input(client, org, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code in (400, 429)
