"""Generated bad input posted to every form and to the importer: huge numbers, empty, arbitrary
Unicode (noncharacters, lone surrogates, controls), wrong types, missing fields. Never a 500;
when the input is refused, nothing in the database changes; when it is saved, the quarterly
workbook still opens in openpyxl."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import urlencode

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.liveserver import form_fields
from scorecard.db import Model
from scorecard.domain.text import is_clean
from scorecard.extensions import db
from tests.conftest import sign_in
from tests.web.importing import refused, upload

# What XML 1.0 forbids: noncharacters of every plane, lone surrogates, C0 and C1 controls, DEL.
FORBIDDEN = st.sampled_from(
    [
        *(chr(plane * 0x10000 + 0xFFFE + k) for plane in range(17) for k in (0, 1)),
        *map(chr, range(0xFDD0, 0xFDF0)),
        "\ud800",
        "\udfff",
        "\udc80",
        *map(chr, range(0x20)),
        *map(chr, range(0x7F, 0xA0)),
    ]
)
HUGE_NUMBERS = st.sampled_from(
    [
        str(2**63),
        str(2**64),
        str(-(2**63) - 1),
        "99999999999999999999",
        "1E-999999999",
        "1e999999999",
        "1" + "0" * 400,
        "0." + "0" * 400 + "1",
        "-0",
        "1_000",
        "١٢٣",  # Arabic-Indic digits, which int() would accept
        "9999-12-31",
        "0001-01-01",
    ]
)
NASTY_TEXT = st.one_of(
    st.just(""),
    st.just(" "),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.text(alphabet=st.characters(), min_size=1, max_size=20),  # any code point at all
    st.text(alphabet=st.one_of(FORBIDDEN, st.characters()), min_size=1, max_size=20),
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
    HUGE_NUMBERS,
    st.integers(min_value=1, max_value=1000).map(lambda n: "x" * (n * 60)),
)
CHANGE = st.one_of(st.just("keep"), st.just("drop"), NASTY_TEXT)


def fingerprint(app) -> tuple[int, ...]:
    """The row count of every table but the job queue's record, which an upload always adds."""
    with app.app_context():
        session = db.new_session()
        try:
            return tuple(
                session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                for table in Model.metadata.sorted_tables
                if table.name != "job"
            )
        finally:
            session.close()


def mutate(fields: list[tuple[str, str]], changes: list[object]) -> bytes:
    """The form as a browser would encode it; a lone surrogate goes as the bytes it would be."""
    posted: list[tuple[str, str]] = []
    for (name, value), change in zip(fields, changes, strict=False):
        if change == "drop":
            continue
        posted.append((name, value if change == "keep" else str(change)))
    return urlencode(posted, encoding="utf-8", errors="surrogatepass").encode("ascii")


def post(client, action: str, body: bytes):
    return client.post(action, data=body, content_type="application/x-www-form-urlencoded")


def export_opens(client) -> None:
    """Whatever was saved, the quarterly workbook is valid: openpyxl opens every part of it."""
    page = client.get("/exports").get_data(as_text=True)
    offered = re.findall(r'<option[^>]*value="(\d{4}Q\d)"', page)
    quarter = "2026Q2" if "2026Q2" in offered else offered[0]
    response = client.post("/exports", data={"quarter": quarter, "team": ""})
    assert response.status_code == 302, response.status_code
    page = client.get("/exports").get_data(as_text=True)
    link = re.search(r'href="(/exports/[0-9a-f]{32}/download)"', page)
    assert link, "no download link on the exports page"
    book = openpyxl.load_workbook(io.BytesIO(client.get(link.group(1)).data))
    assert "Decisions" in book.sheetnames


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
    response = post(client, action, mutate(fields, changes))
    assert response.status_code < 500, (page, response.status_code)
    if response.status_code not in (302, 303):
        assert response.status_code in (400, 403, 404, 409, 413), (page, response.status_code)
        assert fingerprint(app) == before, f"a refused post to {action} changed the database"
    elif "/admin/users" not in action and action != "/account":  # those may sign the admin out
        export_opens(client)


def text_columns_hold_forbidden(app) -> list[str]:
    """Every text cell of the database that holds a character XML 1.0 forbids."""
    found = []
    with app.app_context():
        session = db.new_session()
        try:
            for table in Model.metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
                for row in session.execute(sa.select(*columns)) if columns else ():
                    found += [f"{table.name}: {v!r}" for v in row if v and not is_clean(v)]
        finally:
            session.close()
    return found


@pytest.mark.parametrize("form", range(FORMS))
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_forbidden_characters_in_every_field_are_dropped(app, login, org, targets, form, data):
    """Each field keeps its value with characters XML forbids put in: saved without them."""
    client = login(org.admin)
    page, action = targets[form]
    fields = form_fields(client.get(page).get_data(as_text=True), action)
    fields = [(n, v) for n, v in fields if n != "csrf_token"]
    tainted = []
    for name, value in fields:  # drawn alike whatever an earlier example saved
        at = data.draw(st.integers(min_value=0, max_value=200)) % (len(value) + 1)
        extra = data.draw(st.text(alphabet=FORBIDDEN, min_size=1, max_size=3))
        tainted.append((name, value[:at] + extra + value[at:]))
    response = post(client, action, urlencode(tainted, errors="surrogatepass").encode())
    assert response.status_code < 500, (page, response.status_code)
    assert text_columns_hold_forbidden(app) == []
    if response.status_code in (302, 303) and "/admin/users" not in action:
        export_opens(client)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(email=NASTY_TEXT, password=NASTY_TEXT)
def test_sign_in_survives_bad_input(client, org, email, password):
    body = urlencode({"email": email, "password": password}, errors="surrogatepass").encode()
    response = post(client, "/login", body)
    assert response.status_code in (400, 429)


CELL = st.one_of(NASTY_TEXT, st.integers().map(str), st.floats().map(repr))
IMPORT_COLUMNS = [
    "external_id",
    "team",
    "title",
    "decided_on",
    "status",
    "question",
    "review_due",
    "reviewed_on",
    "author_email",
    "impact: Workers",
    "consulted: Nature",
    "actual: Owners",
    "created: Energy",
    "avoided: Water",
]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "team": st.one_of(st.just("Operations"), NASTY_TEXT),
                "title": NASTY_TEXT,
                "decided_on": st.one_of(st.just("2026-05-04"), NASTY_TEXT),
                **{c: CELL for c in IMPORT_COLUMNS if c not in ("team", "title", "decided_on")},
            }
        ),
        min_size=1,
        max_size=4,
    ),
    extra=st.lists(CELL, max_size=3),
)
def test_the_importer_survives_bad_input(app, login, org, rows, extra):
    client = login(org.manager)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in IMPORT_COLUMNS] + extra)
    data = out.getvalue().encode("utf-8", "surrogatepass")
    before = fingerprint(app)
    response = upload(client, data)
    assert response.status_code == 200, response.status_code
    if refused(response.get_data(as_text=True)):
        assert fingerprint(app) == before, "a refused import changed the database"
    admin = app.test_client()
    sign_in(admin, org.admin.email)
    export_opens(admin)
