"""Two people edit one decision from the same version: the second save merges by field."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bench.liveserver import form_fields
from scorecard.extensions import db
from scorecard.models import Decision, StakeholderGroup, StakeholderImpact
from tests.conftest import sign_in

NATURE = "impacts-3-impact"


def _client(app, email):
    client = app.test_client()
    sign_in(client, email)
    return client


def _form(client, decision_id):
    html = client.get(f"/decisions/{decision_id}/edit").get_data(as_text=True)
    return dict(form_fields(html, f"/decisions/{decision_id}/edit"))


def _nature(app, decision_id):
    with app.app_context():
        return db.session.scalar(
            sa.select(StakeholderImpact.impact)
            .join(StakeholderGroup)
            .where(StakeholderImpact.decision_id == decision_id, StakeholderGroup.name == "Nature")
        )


def test_a_field_only_the_colleague_changed_keeps_their_value(app, org, make):
    decision = make.decision(
        org.ops,
        org.staff,
        decided_on=date(2026, 5, 4),
        impacts={"Nature": 3},
        decision_taken="Vans.",
    )
    staff, manager = _client(app, org.staff.email), _client(app, org.manager.email)
    theirs, mine = _form(staff, decision.id), _form(manager, decision.id)
    theirs[NATURE] = "2"
    assert staff.post(f"/decisions/{decision.id}/edit", data=theirs).status_code == 302
    mine["title"] = "Electric vans and bikes"
    response = manager.post(f"/decisions/{decision.id}/edit", data=mine)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _nature(app, decision.id) == 2
    with app.app_context():
        assert db.session.get(Decision, decision.id).title == "Electric vans and bikes"


def test_fields_both_changed_are_the_only_conflicts(app, org, make):
    decision = make.decision(
        org.ops,
        org.staff,
        decided_on=date(2026, 5, 4),
        impacts={"Nature": 3},
        decision_taken="Vans.",
    )
    staff, manager = _client(app, org.staff.email), _client(app, org.manager.email)
    theirs, mine = _form(staff, decision.id), _form(manager, decision.id)
    theirs[NATURE], theirs["title"] = "2", "Theirs"
    assert staff.post(f"/decisions/{decision.id}/edit", data=theirs).status_code == 302
    mine["title"], mine["context"] = "Mine", "Only mine"
    response = manager.post(f"/decisions/{decision.id}/edit", data=mine)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert page.count('name="conflict"') == 1 and 'value="title"' in page
    again = dict(form_fields(page, f"/decisions/{decision.id}/edit"))
    assert again[NATURE] == "2"
    assert again["context"].strip() == "Only mine"
    again.update({"conflict": "title", "keep-title": "theirs"})
    assert manager.post(f"/decisions/{decision.id}/edit", data=again).status_code == 302
    assert _nature(app, decision.id) == 2
    with app.app_context():
        saved = db.session.get(Decision, decision.id)
        assert (saved.title, saved.context) == ("Theirs", "Only mine")
