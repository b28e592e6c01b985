"""Imports can do no more than the forms: an author must be a member of the row's team, text is
cleaned as in forms, and an id that is not the importer's is answered like any unknown one."""

from __future__ import annotations

import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Decision
from tests.web.importing import refused, upload
from tests.web.test_imports import count

HEADER = "external_id,team,title,decided_on,status,question,author_email"


def test_an_author_outside_the_rows_team_is_refused(org, login, app):
    client = login(org.manager)
    for email in ("admin@example.com", "sam@example.com"):
        body = f"{HEADER}\nX-1,Operations,Theirs,2026-05-04,decided,Why?,{email}\n"
        page = upload(client, body).get_data(as_text=True)
        assert refused(page), email
        assert "is not a member of Operations" in page
    assert count(app) == 0


def test_a_member_or_an_unknown_address_is_recorded(org, login, app):
    client = login(org.manager)
    body = (
        f"{HEADER}\nX-1,Operations,Ours,2026-05-04,decided,Why?,staff@example.com\n"
        "X-2,Operations,Old,2026-05-04,decided,Why?,left.long.ago@example.com\n"
    )
    assert "2 created" in upload(client, body).get_data(as_text=True)
    with app.app_context():
        rows = dict(db.session.execute(sa.select(Decision.external_id, Decision.author_id)).all())
        recorded = db.session.scalar(
            sa.select(Decision.author_email).where(Decision.external_id == "X-2")
        )
    assert rows == {"X-1": org.staff.id, "X-2": None}
    assert recorded == "left.long.ago@example.com"


def test_text_is_cleaned_as_in_forms(org, login, app):
    client = login(org.manager)
    body = f"{HEADER}\nX-1,Operations,Clean\x07 title,2026-05-04,decided,\x1b[31m  Why?\x00  ,\n"
    page = upload(client, body.replace("\x00", "\x01")).get_data(as_text=True)
    assert "1 created" in page, page[-1500:]
    with app.app_context():
        decision = db.session.scalars(sa.select(Decision)).one()
    assert decision.title == "Clean title"
    assert decision.question == "[31m  Why?"


def test_another_teams_id_is_answered_like_an_unknown_one(org, login, app, make):
    make.decision(org.sales, title="Sales secret", external_id="SECRET-1")
    client = login(org.manager)
    unknown = upload(
        client, f"{HEADER}\nNEVER-SEEN,Operations,A,2026-05-04,decided,Q,\n", dry_run=True
    )
    theirs = upload(
        client, f"{HEADER}\nSECRET-1,Operations,A,2026-05-04,decided,Q,\n", dry_run=True
    )
    assert theirs.status_code == unknown.status_code == 200
    assert "would create 1, update 0" in theirs.get_data(as_text=True)
    assert "cannot change" not in theirs.get_data(as_text=True)
    page = upload(client, f"{HEADER}\nSECRET-1,Operations,A,2026-05-04,decided,Q,\n").get_data(
        as_text=True
    )
    assert "1 created, 0 updated" in page
    with app.app_context():
        titles = dict(db.session.execute(sa.select(Decision.title, Decision.team_id)).all())
    assert titles == {"Sales secret": org.sales.id, "A": org.ops.id}
