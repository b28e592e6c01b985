"""No character can corrupt a workbook: what XML 1.0 forbids never reaches the database from a
form, an admin page, an import or a command, and the workbook writer never writes one."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Decision, Team
from tests.conftest import sign_in
from tests.web.decision_data import new_decision
from tests.web.importing import upload

# Noncharacters, a lone surrogate's replacement, C0 controls, DEL and C1 controls.
FORBIDDEN = "\ufffe\uffff\ufdd0\U0001fffe\U0010ffff\x00\x01\x0b\x1f\x7f\x80\x9f"
WORKBOOK_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0010fffe\U0010ffff]"
)


def export_and_open(client, quarter: str = "2026Q2") -> openpyxl.Workbook:
    """Generate the quarter's workbook, download it and open it in full (cells, properties)."""
    response = client.post("/exports", data={"quarter": quarter, "team": ""})
    assert response.status_code == 302, response.status_code
    page = client.get("/exports").get_data(as_text=True)
    link = re.search(r'href="(/exports/[0-9a-f]{32}/download)"', page)
    assert link, "no download link on the exports page"
    data = client.get(link.group(1)).data
    return openpyxl.load_workbook(io.BytesIO(data))


def as_admin(app):
    client = app.test_client()
    sign_in(client, "admin@example.com")
    return client


def every_text(book: openpyxl.Workbook) -> str:
    texts = [str(getattr(book.properties, name) or "") for name in ("title", "creator")]
    for ws in book.worksheets:
        texts.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            texts.extend(str(v) for v in row if isinstance(v, str))
    return "\n".join(texts)


def test_a_title_with_noncharacters_still_exports(org, login, app):
    client = login(org.staff)
    data = new_decision(
        app, org.ops.id, title=f"Supplier switch {FORBIDDEN}", decided_on="2026-05-04"
    )
    response = client.post("/decisions/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        title = db.session.scalar(sa.select(Decision.title))
    assert title == "Supplier switch"
    book = export_and_open(as_admin(app))
    assert "Supplier switch" in every_text(book)
    assert not WORKBOOK_FORBIDDEN.search(every_text(book))


def test_a_team_renamed_with_noncharacters_still_exports(org, login, app, make):
    make.decision(org.ops, org.staff, decided_on=date(2026, 5, 4))
    client = login(org.admin)
    response = client.post(
        f"/admin/teams/{org.ops.id}",
        data={"name": f"Ops \uffff\ufffe{FORBIDDEN}", "description": "x\x85"},
    )
    assert response.status_code == 302
    with app.app_context():
        team = db.session.get(Team, org.ops.id)
        assert (team.name, team.description) == ("Ops", "x")
    book = export_and_open(client)
    assert "Ops" in every_text(book)


def test_an_import_drops_forbidden_characters(org, login, app):
    header = "external_id,team,title,decided_on,question"
    text = FORBIDDEN.replace("\x00", "")  # a CSV with NUL bytes is refused as not text
    row = f"X-1,Operations,Cut packaging {text},2026-05-04,Why \uffffnot?"
    client = login(org.manager)
    body = (header + "\n" + row + "\n").encode("utf-8", "surrogatepass")
    page = upload(client, body).get_data(as_text=True)
    assert "1 created" in page, page[-2000:]
    with app.app_context():
        decision = db.session.scalars(sa.select(Decision)).one()
        assert (decision.title, decision.question) == ("Cut packaging", "Why not?")
    book = export_and_open(as_admin(app))
    assert "Cut packaging" in every_text(book)


def test_a_command_drops_forbidden_characters(app, runner):
    result = runner.invoke(args=["create-team", "Field \uffff team\x01", "--description", "\ufffe"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        team = db.session.scalars(sa.select(Team)).one()
        assert (team.name, team.description) == ("Field  team", "")


@pytest.mark.parametrize("where", ["title", "team", "group"])
def test_the_writer_never_writes_a_forbidden_character(org, login, app, make, where):
    """Whatever reaches the database by another road (an old row, a direct write)."""
    decision = make.decision(org.ops, org.staff, decided_on=date(2026, 5, 4))
    with app.app_context(), db.writing() as session:
        if where == "title":
            session.execute(
                sa.update(Decision).where(Decision.id == decision.id).values(title="A\uffffB\x1f")
            )
        elif where == "team":
            session.execute(sa.update(Team).where(Team.id == org.ops.id).values(name="T\ufffe\x07"))
        else:
            session.execute(
                sa.text("UPDATE stakeholder_group SET name = name || :c"), {"c": "\uffff"}
            )
    book = export_and_open(as_admin(app))
    assert not WORKBOOK_FORBIDDEN.search(every_text(book))
