"""The exports page: generate, list and download quarterly workbooks, each user only their own."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from scorecard.domain import scoring
from scorecard.extensions import db
from scorecard.models import AuditEvent
from tests.domain.test_workbook import EXPECTED
from tests.domain.worked_example import WORKED_EXAMPLE

SALES_SECRET = "Sales secret pricing plan"


def import_worked_example(app) -> None:
    from scorecard.services import imports

    data = WORKED_EXAMPLE.read_bytes()
    with app.app_context(), db.writing() as session:
        parsed = imports.read(session, data, "worked-example.csv", imports.Limits())
        outcome = imports.import_decisions(
            session, None, parsed, filename="worked-example.csv", digest="0" * 64
        )
        assert outcome.ok, outcome.errors


@pytest.fixture
def scored(app, make, org):
    """The worked example in Operations, and Sales decisions a manager of ops must not see."""
    import_worked_example(app)
    make.decision(
        org.sales,
        org.other_staff,
        title=SALES_SECRET,
        decided_on=date(2026, 5, 2),
        impacts={"Customers": 2, "Owners": 1},
        review_due=date(2026, 8, 1),
    )
    make.decision(org.sales, title="Sales in the first quarter", decided_on=date(2026, 2, 2))
    return org


def generate(client, quarter="2026Q2", team=""):
    response = client.post("/exports", data={"quarter": quarter, "team": team})
    return response


def download_latest(client) -> tuple[bytes, str]:
    page = client.get("/exports").get_data(as_text=True)
    link = re.search(r'href="(/exports/[0-9a-f]{32}/download)"', page)
    assert link, "no download link on the exports page"
    response = client.get(link.group(1))
    assert response.status_code == 200
    return response.data, response.headers["Content-Disposition"]


def all_text(data: bytes) -> str:
    """Every string anywhere in the workbook: cells, tables, charts, properties."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


def test_manager_generates_and_downloads_their_teams_workbook(scored, login, app):
    client = login(scored.manager)
    response = generate(client)
    assert response.status_code == 302
    assert "/exports?job=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The scorecard for 2026Q2 (Operations) is ready." in page
    assert "2026Q2" in page
    assert "Manager" in page
    data, disposition = download_latest(client)
    assert "filename=scorecard-2026Q2-operations.xlsx" in disposition

    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "Summary",
        "Teams",
        "Trends",
        "Decisions",
        "Reviews due",
        "Suggestions",
        "Stakeholders heard",
        "Method",
        "Provenance",
    ]
    teams = pd.read_excel(io.BytesIO(data), sheet_name="Teams")
    assert list(teams["Team"]) == ["Operations", scoring.ALL_TEAMS]
    for name, expected in EXPECTED["2026Q2"].items():
        value = teams.iloc[0][name]
        if expected is None:
            assert pd.isna(value), name
        elif isinstance(expected, str):
            assert value == expected
        else:
            assert round(float(value), 3) == pytest.approx(expected, abs=5e-4), name
    # All teams is over the manager's teams only: the same figures as Operations.
    assert teams.iloc[1]["Composite"] == pytest.approx(teams.iloc[0]["Composite"])
    decisions = pd.read_excel(io.BytesIO(data), sheet_name="Decisions", header=1)
    assert list(decisions["external_id"]) == ["OPS-3", "OPS-4"]
    text = all_text(data)
    assert "Sales" not in text
    assert SALES_SECRET not in text
    assert "sam@example.com" not in text

    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "export")).one()
        assert event.actor_email == "manager@example.com"


def test_admin_exports_every_team(scored, login):
    client = login(scored.admin)
    assert generate(client).status_code == 302
    data, disposition = download_latest(client)
    assert "scorecard-2026Q2-all-teams.xlsx" in disposition
    teams = pd.read_excel(io.BytesIO(data), sheet_name="Teams")
    assert list(teams["Team"]) == ["Operations", "Sales", scoring.ALL_TEAMS]
    trends = pd.read_excel(io.BytesIO(data), sheet_name="Trends", index_col=0)
    assert list(trends.index) == ["Operations", "Sales"]
    due = pd.read_excel(io.BytesIO(data), sheet_name="Reviews due")
    assert SALES_SECRET in set(due["Title"])


def test_admin_can_export_one_team(scored, login):
    client = login(scored.admin)
    assert generate(client, team="sales").status_code == 302
    data, disposition = download_latest(client)
    assert "scorecard-2026Q2-sales.xlsx" in disposition
    assert "Operations" not in all_text(data)


def test_manager_cannot_export_or_download_other_teams(scored, login, make, app):
    admin = login(scored.admin)
    assert generate(admin).status_code == 302
    admin_export = re.search(
        r"/exports/([0-9a-f]{32})/download", admin.get("/exports").get_data(as_text=True)
    ).group(1)
    admin.post("/logout")

    client = login(scored.manager)
    assert generate(client, team="sales").status_code == 404
    page = client.get("/exports").get_data(as_text=True)
    assert admin_export not in page
    assert "Sales" not in page
    assert client.get(f"/exports/{admin_export}/download").status_code == 404
    for bad in ("..%2F..%2Fetc%2Fpasswd", "not-an-id", "0" * 32):
        assert client.get(f"/exports/{bad}/download").status_code == 404


def test_team_a_manager_belongs_to_but_does_not_manage_is_forbidden(scored, login, make, app):
    from scorecard.models import Membership

    with app.app_context(), db.writing() as session:
        session.add(Membership(user_id=scored.manager.id, team_id=scored.sales.id, manages=False))
    client = login(scored.manager)
    assert generate(client, team="sales").status_code == 403


def test_staff_and_anonymous_are_kept_out(scored, client, login):
    response = client.get("/exports")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    staff = login(scored.staff)
    assert staff.get("/exports").status_code == 403
    assert generate(staff).status_code == 403


def test_refused_form_keeps_the_page(scored, login):
    client = login(scored.manager)
    response = generate(client, quarter="2031Q9")
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_sidecar_without_its_file_is_not_listed(scored, login, app):
    client = login(scored.admin)
    generate(client)
    folder = Path(app.config["EXPORT_DIR"])
    (workbook_file,) = folder.glob("*.xlsx")
    workbook_file.unlink()
    assert "/download" not in client.get("/exports").get_data(as_text=True)
