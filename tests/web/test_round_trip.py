"""The round trip holds for every decision: an unchanged export, imported again, creates 0 and
updates 0, whether the decisions came from the web, an import or the demo organisation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Decision
from tests.conftest import sign_in
from tests.web.decision_data import new_decision
from tests.web.importing import upload

CHECK = re.compile(r"would create ([\d,]+), update ([\d,]+) and leave ([\d,]+)")


def export(client, quarter: str) -> bytes:
    assert client.post("/exports", data={"quarter": quarter, "team": ""}).status_code == 302
    page = client.get("/exports").get_data(as_text=True)
    export_id = re.search(r"/exports/([0-9a-f]{32})/download", page).group(1)
    return client.get(f"/exports/{export_id}/download").data


def check(client, workbook: bytes) -> tuple[int, int, int]:
    response = upload(client, workbook, "scorecard.xlsx", dry_run=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-3000:]
    found = CHECK.search(page)
    assert found, page[-3000:]
    return tuple(int(n.replace(",", "")) for n in found.groups())


def test_decisions_from_the_web_and_an_import_round_trip(app, login, org):
    staff = login(org.staff)
    for title in ("Refill stations", "Electric vans", "Draft of a plan"):
        data = new_decision(app, org.ops.id, title=title, decided_on="2026-05-04")
        assert staff.post("/decisions/new", data=data).status_code == 302
    admin = app.test_client()
    sign_in(admin, org.admin.email)
    body = "team,title,decided_on\nSales,Imported without an id,2026-05-06\n"
    assert "1 created" in upload(admin, body).get_data(as_text=True)
    assert check(admin, export(admin, "2026Q2")) == (0, 0, 4)


def test_every_decision_has_a_stable_reference(app, login, org):
    staff = login(org.staff)
    data = new_decision(app, org.ops.id, title="One", decided_on="2026-05-04")
    staff.post("/decisions/new", data=data)
    with app.app_context():
        first = db.session.scalars(sa.select(Decision.external_id)).all()
    assert all(first), first
    admin = app.test_client()
    sign_in(admin, org.admin.email)
    export(admin, "2026Q2")
    with app.app_context():
        assert db.session.scalars(sa.select(Decision.external_id)).all() == first


@pytest.mark.parametrize("quarter", ["2025Q4"])
def test_the_demo_round_trips(app, login, runner, quarter):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    admin = login("admin@example.com", "do-better-demo")
    created, updated, unchanged = check(admin, export(admin, quarter))
    assert (created, updated) == (0, 0)
    assert unchanged > 10
