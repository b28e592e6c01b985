"""The layout's counts (reviews due, unread notifications, open alerts, surveys waiting) are
asked in one statement; the alerts and surveys are read only when there are some."""

from __future__ import annotations

from scorecard.extensions import db
from scorecard.services import alerts

from ..conftest import Org, sign_in
from .test_scale import statements


def test_nothing_waiting_costs_one_statement_for_all_the_layout(app, client, org: Org, make):
    make.decision(org.ops, org.staff)
    sign_in(client, org.admin.email)
    client.get("/decisions")
    with statements(app) as ran:
        page = client.get("/decisions").get_data(as_text=True)
    seen = [statement for statement, _ in ran]
    assert "Needs an admin" not in page and "asks what matters to you" not in page
    counts = [s for s in seen if "notification" in s and "alert" in s and "survey_round" in s]
    assert len(counts) == 1, seen
    assert len([s for s in seen if "FROM alert" in s or "survey_round" in s]) == 1, seen


def test_an_open_alert_is_read_and_shown_to_admins_only(app, client, org: Org):
    with app.app_context(), db.writing() as session:
        alerts.raise_alert(session, "audit-chain", "The audit trail is broken at event 7.")
    sign_in(client, org.admin.email)
    assert "The audit trail is broken at event 7." in client.get("/decisions").get_data(
        as_text=True
    )
    client.post("/logout")
    sign_in(client, org.manager.email)
    assert "The audit trail is broken" not in client.get("/decisions").get_data(as_text=True)
