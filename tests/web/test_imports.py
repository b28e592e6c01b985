"""The import page: all or nothing, every bad cell on the page, permissions, the round trip."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import (
    AuditEvent,
    Decision,
    DecisionRevision,
    Review,
    StakeholderImpact,
    WasteLine,
)
from tests.domain.worked_example import WORKED_EXAMPLE
from tests.web.importing import upload

WORKED = WORKED_EXAMPLE.read_bytes()


def count(app, model=Decision) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_manager_imports_the_worked_example_and_again_changes_nothing(org, login, app):
    client = login(org.manager)
    response = upload(client, WORKED, "worked-example.csv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Imported worked-example.csv: 5 created, 0 updated, 0 left unchanged." in page
    assert count(app) == 5
    assert count(app, StakeholderImpact) == 25
    assert count(app, Review) == 1

    page = upload(client, WORKED, "worked-example.csv").get_data(as_text=True)
    assert "0 created, 0 updated, 5 left unchanged" in page
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity == "import").order_by(AuditEvent.id)
        ).all()
    assert [e.actor_email for e in events] == ["manager@example.com"] * 2
    assert '"created":5' in events[0].changes
    assert '"unchanged":5' in events[1].changes


def test_an_update_is_written_and_kept_as_a_revision(org, login, app):
    client = login(org.manager)
    upload(client, WORKED)
    changed = WORKED.replace(b"Cancel overtime ban", b"Lift the overtime ban")
    page = upload(client, changed).get_data(as_text=True)
    assert "0 created, 1 updated, 4 left unchanged" in page
    with app.app_context():
        decision = db.session.scalars(
            sa.select(Decision).where(Decision.external_id == "OPS-2")
        ).one()
        assert decision.title == "Lift the overtime ban"
        assert decision.version == 2
        revision = db.session.scalars(sa.select(DecisionRevision)).one()
        assert revision.changes["title"] == ["Cancel overtime ban", "Lift the overtime ban"]


def test_bad_cell_on_the_last_row_writes_nothing(org, login, app):
    rows = WORKED.decode().splitlines()
    header, good = rows[0], rows[1]
    body = [good.replace("OPS-1", f"OPS-1-{i}") for i in range(1200)]
    body.append(good.replace("OPS-1", "LAST").replace("2026-01-20", "2026-02-31"))
    data = "\n".join([header, *body]).encode()
    client = login(org.manager)
    response = upload(client, data, "long.csv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "1 bad cell" in page
    assert re.search(r"<td[^>]*>1202</td>\s*<td[^>]*>.*D.*decided_on", page)
    assert "2026-02-31" in page
    assert "is not a real date" in page
    assert count(app) == 0
    assert count(app, AuditEvent) == 0 or all(e != "import" for e in _audit_entities(app))


def _audit_entities(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.entity)))


def test_teams_a_manager_does_not_manage_are_bad_cells(org, login, app):
    data = WORKED.replace(b"OPS-2,Operations", b"OPS-2,sales").replace(
        b"OPS-3,Operations", b"OPS-3,Nowhere"
    )
    response = upload(login(org.manager), data)
    page = response.get_data(as_text=True)
    assert page.count("no team you manage has this name or slug") == 2
    assert count(app) == 0


def test_admin_imports_into_any_team_by_name_or_slug(org, login, app):
    data = WORKED.replace(b"OPS-2,Operations", b"OPS-2,sales").replace(
        b"OPS-3,Operations", b"OPS-3,SALES"
    )
    assert "Imported log.csv: 5 created" in upload(login(org.admin), data).get_data(as_text=True)
    with app.app_context():
        teams = dict(db.session.execute(sa.select(Decision.external_id, Decision.team_id)).all())
    assert teams["OPS-2"] == teams["OPS-3"] == org.sales.id


def test_external_id_of_a_decision_the_manager_cannot_see_is_like_any_unknown_one(
    org, login, app, make
):
    make.decision(org.sales, title="Theirs", external_id="OPS-1")
    response = upload(login(org.manager), WORKED)
    assert "Imported log.csv: 5 created" in response.get_data(as_text=True)
    assert count(app) == 6  # the five of the file, in Operations, and Sales' own, untouched


def test_dry_run_writes_nothing(org, login, app):
    response = upload(login(org.manager), WORKED, "worked-example.csv", dry_run=True)
    assert response.status_code == 200
    assert "would create 5, update 0" in response.get_data(as_text=True)
    assert count(app) == 0


def test_refused_files_show_a_clear_message(org, login):
    client = login(org.manager)
    png = upload(client, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.xlsx")
    assert "It did not work." in png.get_data(as_text=True)
    assert "photo.xlsx is not an Excel workbook (.xlsx)" in png.get_data(as_text=True)
    wrong = upload(client, b"team,title\n", "notes.txt")
    assert wrong.status_code == 400
    assert "Only .csv and .xlsx files can be imported." in wrong.get_data(as_text=True)


def test_upload_over_the_size_limit_is_refused(org, login, app):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    client = login(org.manager)
    response = upload(client, WORKED + b"x" * 5000, "big.csv")
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)
    assert count(app) == 0


def test_staff_cannot_import(org, login):
    client = login(org.staff)
    assert client.get("/imports").status_code == 403
    assert upload(client, WORKED).status_code == 403


def test_template_lists_the_format(org, login):
    response = login(org.manager).get("/imports/template.csv")
    assert response.status_code == 200
    header = response.data.decode("utf-8-sig").strip()
    assert header == WORKED.decode().splitlines()[0]


def test_round_trip_of_the_decisions_sheet_into_an_empty_database(org, login, app, make):
    """Export, empty the decision log, import the exported workbook, export again: same sheet."""
    texts = {
        "question": "=1+1 is not a formula",
        "context": "Line one\r\nLine two\twith a tab",
        "decision_taken": "+ and - at the start",
        "alternatives": "@mention",
    }
    make.decision(
        org.ops,
        org.staff,
        title="-Leading minus",
        decided_on=date(2026, 4, 3),
        impacts={"Workers": -2, "Nature": 3, "Owners": 1},
        consulted=("Workers", "Nature"),
        waste=[("Energy", 100, 2500.5), ("Materials", 3, 0)],
        review_due=date(2026, 5, 1),
        reviewed_on=date(2026, 5, 20),
        actuals={"Workers": -1, "Nature": 2},
        external_id="RT-1",
        status="reviewed",
        **texts,
    )
    make.decision(
        org.ops,
        None,
        title="No author, no external id",
        decided_on=date(2026, 6, 30),
        author_email="former.colleague@example.com",
    )
    make.decision(org.sales, org.other_staff, title="Sales too", decided_on=date(2026, 5, 5))

    admin = login(org.admin)

    def export() -> bytes:
        assert admin.post("/exports", data={"quarter": "2026Q2", "team": ""}).status_code == 302
        page = admin.get("/exports").get_data(as_text=True)
        export_id = re.search(r"/exports/([0-9a-f]{32})/download", page).group(1)
        return admin.get(f"/exports/{export_id}/download").data

    first = export()
    before = pd.read_excel(io.BytesIO(first), sheet_name="Decisions", header=1)
    assert len(before) == 3

    with app.app_context(), db.writing() as session:
        session.execute(sa.delete(Decision))
    assert count(app) == 0

    page = upload(admin, first, "scorecard.xlsx").get_data(as_text=True)
    assert "3 created, 0 updated, 0 left unchanged" in page
    second = export()
    after = pd.read_excel(io.BytesIO(second), sheet_name="Decisions", header=1)
    pd.testing.assert_frame_equal(before, after)

    # The cells themselves, not only what pandas makes of them.
    def cells(data: bytes) -> list[list[object]]:
        sheet = openpyxl.load_workbook(io.BytesIO(data))["Decisions"]
        return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]

    assert cells(first) == cells(second)
    with app.app_context():
        decision = db.session.scalars(
            sa.select(Decision).where(Decision.external_id == "RT-1")
        ).one()
        assert decision.author_id == org.staff.id
        assert decision.context == texts["context"]
        assert decision.question == texts["question"]
        assert decision.title == "-Leading minus"
        assert decision.review.reviewed_on == date(2026, 5, 20)
        lines = {(w.category.name, w.created, w.avoided) for w in decision.waste_lines}
        assert lines == {("Energy", 100, 2500.5), ("Materials", 3, 0)}
        actual = {i.group.name: i.actual for i in decision.impacts}
        assert actual["Workers"] == -1
        assert actual["Customers"] is None
        other = db.session.scalars(
            sa.select(Decision).where(Decision.title == "No author, no external id")
        ).one()
        assert other.author_email == "former.colleague@example.com"
        assert other.author_id is None

    # Importing the same workbook again changes nothing.
    page = upload(admin, second, "scorecard.xlsx").get_data(as_text=True)
    # Every exported row carries the decision's reference, so every row is matched.
    assert "0 created, 0 updated, 3 left unchanged" in page


@pytest.mark.parametrize("name", ["log.csv"])
def test_all_or_nothing_on_database_errors(org, login, app, name, monkeypatch):
    """If writing fails half-way, the transaction rolls back: nothing is left behind."""
    from scorecard.services import imports

    def failing_insert(connection, model, rows):
        if model is WasteLine:
            raise RuntimeError("disk full")
        if rows:
            connection.execute(sa.insert(model.__table__), rows)

    monkeypatch.setattr(imports, "_insert", failing_insert)
    client = login(org.manager)
    page = upload(client, WORKED, name).get_data(as_text=True)
    # Each attempt rolled back; after the last one the job says why it stopped.
    assert "It stopped after 3 attempts" in page
    assert "an unexpected error (RuntimeError)" in page
    assert count(app) == 0
    assert count(app, StakeholderImpact) == 0


def test_figures_follow_an_import_that_changes_them(org, login, app):
    """The score cache hears of the team-quarters an import writes."""
    from scorecard.domain.quarters import Quarter
    from scorecard.services import scores

    def composite() -> float:
        with app.app_context():
            rows = scores.teams_table(db.session, Quarter(2026, 2)).rows
            return float(rows.iloc[0]["Composite"])

    client = login(org.manager)
    upload(client, WORKED)
    assert composite() == pytest.approx(69.333, abs=1e-3)
    # OPS-3 now harms Workers badly: Harm % and so the composite change.
    page = upload(
        client, WORKED.replace(b"2026-06-01,,,,,0,1,2,1", b"2026-06-01,,,,-3,0,1,2,1")
    ).get_data(as_text=True)
    assert "1 updated" in page
    assert composite() < 69


def test_an_update_adds_impacts_of_a_group_the_decision_lacked(org, login, app, make):
    """A decision logged before a group existed gets that group's impact from the import."""
    from scorecard.services import reference

    client = login(org.admin)
    upload(client, WORKED)
    with app.app_context(), db.writing() as session:
        workers = next(g for g in reference.active_groups(session) if g.name == "Workers")
        session.execute(
            sa.delete(StakeholderImpact).where(StakeholderImpact.group_id == workers.id)
        )
    page = upload(client, WORKED).get_data(as_text=True)
    # A missing impact counts as 0, not consulted: only OPS-1, 2 and 4 differ from the file.
    assert "3 updated, 2 left unchanged" in page
    assert count(app, StakeholderImpact) == 23
    with app.app_context():
        impact = db.session.scalars(
            sa.select(StakeholderImpact)
            .join(Decision)
            .where(Decision.external_id == "OPS-2", StakeholderImpact.group_id == workers.id)
        ).one()
        assert impact.impact == -2


def test_an_update_replaces_waste_and_review(org, login, app):
    client = login(org.manager)
    upload(client, WORKED)
    lines = WORKED.decode().splitlines()
    # OPS-1: no longer reviewed, and 900 km of travel avoided instead of 8000.
    lines[1] = (
        lines[1]
        .replace(",reviewed,", ",,")
        .replace(",2026-04-10,", ",,")
        .replace(",1,0,2,2,0,", ",,,,,,")
        .replace(",8000,", ",900,")
    )
    page = upload(client, "\n".join(lines).encode()).get_data(as_text=True)
    assert "1 updated, 4 left unchanged" in page
    with app.app_context():
        decision = db.session.scalars(
            sa.select(Decision).where(Decision.external_id == "OPS-1")
        ).one()
        assert decision.status == "decided"
        assert decision.review is None
        travel = {w.category.name: w.avoided for w in decision.waste_lines}["Travel"]
        assert travel == 900
        assert all(i.actual is None for i in decision.impacts)
        revision = db.session.scalars(sa.select(DecisionRevision)).one()
        assert revision.changes["status"] == ["reviewed", "decided"]
        assert revision.changes["review"] == [["2026-04-10", ""], None]
