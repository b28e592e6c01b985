"""Logging, editing, reviewing, discussing and archiving decisions through the web forms."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import AuditEvent, Comment, Decision, DecisionRevision
from scorecard.services import audit
from tests.conftest import PASSWORD
from tests.web.decision_data import RECENTLY, edit_decision, new_decision, review_form


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def events(app, entity: str = "decision") -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
            )
        )


def load(app, decision_id: int) -> Decision:
    with app.app_context():
        decision = db.session.get(Decision, decision_id)
        assert decision is not None
        # Touch what the assertions read, so it is loaded before the session closes.
        _ = (decision.impacts, decision.waste_lines, decision.review, decision.revisions)
        _ = [i.group.name for i in decision.impacts]
        return decision


# New ------------------------------------------------------------------------------------------


def test_new_form_offers_my_teams_and_one_row_per_active_group(org, login):
    client = login(org.manager)
    html = client.get("/decisions/new").get_data(as_text=True)
    assert ">Operations</option>" in html
    assert ">Sales</option>" not in html
    for group in ("Workers", "Customers", "Communities", "Nature", "Owners"):
        assert f'<span class="impact-group">{group}</span>' in html
    assert "−3 · serious harm" in html
    assert "+3 · strong benefit" in html
    assert "0 · no effect" in html
    due = (date.today() + timedelta(days=90)).isoformat()
    assert f'value="{due}"' in html  # review due 90 days after today by default
    assert "Energy (kWh)" in html  # categories show their unit
    assert "<script>" not in html.replace("<script src=", "")  # no inline script


def test_create_a_decision_with_two_waste_lines(app, org, login):
    client = login(org.staff)
    data = new_decision(
        app,
        org.ops.id,
        impacts={"Workers": 1, "Nature": 3, "Owners": 1},
        consulted=("Workers",),
        notes={"Workers": "Asked the night shift."},
        waste=[("Materials", "0", "120.5"), ("Spend", "800", "")],
    )
    response = client.post("/decisions/new", data=data)
    assert response.status_code == 302
    decision_id = int(response.headers["Location"].rsplit("/", 1)[1])
    decision = load(app, decision_id)
    assert decision.author_id == org.staff.id
    assert decision.status == "decided"
    assert decision.review_due == RECENTLY + timedelta(days=90)  # left empty: 90 days later
    assert decision.tags == "facilities, plastic"
    assert {i.group.name: i.impact for i in decision.impacts}["Nature"] == 3
    workers = next(i for i in decision.impacts if i.group.name == "Workers")
    assert workers.consulted
    assert workers.note == "Asked the night shift."
    assert [(w.created, w.avoided) for w in decision.waste_lines] == [(0, 120.5), (800, 0)]
    created = events(app)[-1]
    assert created.action == "create"
    assert created.entity_id == str(decision_id)
    assert json.loads(created.changes)["waste_lines"][0]["avoided"] == 120.5
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "Refill stations instead of bottled water" in page
    assert "Scoring method v1" in page
    assert "Shared value" in page


def test_add_and_remove_waste_lines_without_javascript(app, org, login):
    client = login(org.staff)
    data = new_decision(app, org.ops.id, waste=[("Energy", "0", "10")])
    added = client.post("/decisions/new", data={**data, "add_waste": "1"})
    assert added.status_code == 200
    html = added.get_data(as_text=True)
    assert 'name="waste-1-category_id"' in html  # one line more
    assert 'name="waste-2-category_id"' not in html
    assert 'value="10"' in html  # what was typed is kept
    assert "is-invalid" not in html  # adding a line is not a failed save
    removed = client.post(
        "/decisions/new",
        data={**data, "waste-1-category_id": data["waste-0-category_id"], "remove_waste": "0"},
    )
    assert removed.status_code == 200
    html = removed.get_data(as_text=True)
    assert html.count('name="remove_waste"') == 2  # one line left, plus the script's template
    assert 'value="10"' not in html
    assert count(app, Decision) == 0  # nothing is saved by either button


def test_a_fully_blank_waste_line_is_ignored(app, org, login):
    client = login(org.staff)
    data = new_decision(app, org.ops.id, waste=[("Energy", "", "")])
    assert client.post("/decisions/new", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Decision)).waste_lines == []


INVALID = [
    ({"title": "  "}, "Give the decision a short title."),
    ({"question": ""}, "Say which question this decision answers."),
    ({"decided_on": "14/03/2026"}, "Enter a date as YYYY-MM-DD"),
    ({"decided_on": ""}, "Enter the date of the decision."),
    (
        {"decided_on": (date.today() + timedelta(days=3)).isoformat()},
        "cannot be dated in the future",
    ),
    ({"review_due": (RECENTLY - timedelta(days=1)).isoformat()}, "cannot be due before"),
    ({"decision_taken": ""}, "Say what was decided"),
    ({"status": "reviewed"}, "Not a valid choice"),
    ({"impacts-0-impact": "4"}, "Not a valid choice"),
    ({"impacts-0-impact": "lots"}, "Invalid Choice"),
    ({"waste-0-created": "-5"}, "Enter an amount of 0 or more."),
    ({"waste-0-created": "abc"}, "Enter a number, e.g. 120 or 12.5."),
    ({"waste-0-avoided": "1,5"}, "Use a point for decimals and commas only between thousands"),
    ({"waste-0-avoided": "NaN"}, "Enter a number"),
    ({"waste-0-created": "0", "waste-0-avoided": "0"}, "or remove the line"),
    ({"waste-0-category_id": "999"}, "Not a valid choice"),
    ({"tags": ", ".join(f"tag{i}" for i in range(13))}, "at most 12 tags"),
    ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
]


@pytest.mark.parametrize(("change", "message"), INVALID)
def test_invalid_input_is_refused_beside_the_field_and_kept(app, org, login, change, message):
    client = login(org.staff)
    data = new_decision(
        app, org.ops.id, waste=[("Water", "3", "7")], **{"title": "Keep me", **change}
    )
    response = client.post("/decisions/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert "Please correct the highlighted fields." in html
    assert 'class="invalid-feedback d-block"' in html
    if "title" not in change:
        assert 'value="Keep me"' in html
    assert count(app, Decision) == 0


def test_a_team_the_user_is_not_in_is_refused(app, org, login):
    client = login(org.staff)
    response = client.post("/decisions/new", data=new_decision(app, org.sales.id))
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert count(app, Decision) == 0


# Edit -----------------------------------------------------------------------------------------


def test_the_author_edits_a_draft_without_revisions(app, make, org, login):
    draft = make.decision(org.ops, org.staff, status="draft", impacts={"Workers": 1})
    client = login(org.staff)
    data = edit_decision(app, draft.id, title="Better title", impacts={"Workers": 2})
    assert client.post(f"/decisions/{draft.id}/edit", data=data).status_code == 302
    decision = load(app, draft.id)
    assert decision.title == "Better title"
    assert decision.version == 2
    assert decision.revisions == []  # a draft changes freely
    edit = events(app)[-1]
    assert edit.action == "edit"
    assert json.loads(edit.changes)["title"] == ["Switch courier to electric vans", "Better title"]


def test_only_the_author_edits_a_draft(app, make, org, login):
    draft = make.decision(org.ops, org.staff, status="draft")
    client = login(org.manager)
    assert client.get(f"/decisions/{draft.id}/edit").status_code == 403
    assert client.post(f"/decisions/{draft.id}/edit", data={}).status_code == 403
    assert client.get(f"/decisions/{draft.id}").status_code == 200


def test_a_decided_decision_cannot_become_a_draft_again(app, make, org, login):
    decided = make.decision(org.ops, org.staff)
    client = login(org.staff)
    data = edit_decision(app, decided.id, status="draft")
    response = client.post(f"/decisions/{decided.id}/edit", data=data)
    assert response.status_code == 400
    assert load(app, decided.id).status == "decided"


def test_a_reviewed_decision_cannot_be_dated_after_its_review(app, make, org, login):
    reviewed = make.decision(
        org.ops,
        org.staff,
        status="reviewed",
        decided_on=RECENTLY,
        reviewed_on=RECENTLY + timedelta(days=5),
    )
    client = login(org.staff)
    later = (RECENTLY + timedelta(days=6)).isoformat()
    data = edit_decision(app, reviewed.id, decided_on=later, review_due=later)
    response = client.post(f"/decisions/{reviewed.id}/edit", data=data)
    assert response.status_code == 400
    assert "cannot be dated after its review" in response.get_data(as_text=True)
    assert load(app, reviewed.id).decided_on == RECENTLY


def test_editing_a_decided_decision_keeps_a_revision_and_the_first_estimate(app, make, org, login):
    decided = make.decision(
        org.ops, org.staff, impacts={"Workers": 1, "Nature": 2}, waste=[("Energy", 0, 500)]
    )
    client = login(org.manager)  # a manager of the team may edit it once decided
    data = edit_decision(
        app,
        decided.id,
        title="Electric vans for every route",
        impacts={"Workers": -2},
        waste=[("Energy", 0, 300), ("Travel", 0, 1000)],
    )
    assert client.post(f"/decisions/{decided.id}/edit", data=data).status_code == 302
    decision = load(app, decided.id)
    (revision,) = decision.revisions
    assert revision.editor_id == org.manager.id
    changes = revision.changes
    assert changes["title"] == ["Switch courier to electric vans", "Electric vans for every route"]
    workers = next(v for v in changes["impacts"].values() if v["group"] == "Workers")
    assert workers["impact"] == [1, -2]
    old_lines, new_lines = changes["waste_lines"]
    assert [line["avoided"] for line in old_lines] == [500]
    assert [line["category"] for line in new_lines] == ["Energy", "Travel"]
    page = client.get(f"/decisions/{decided.id}").get_data(as_text=True)
    assert "<strong>Manager</strong>" in page
    assert "changed it on" in page
    assert "Workers: impact" in page
    assert "slight benefit (+1)" in page
    assert "harm (-2)" in page
    assert "First estimate" in page  # the original estimate stays visible
    assert "Waste lines as first decided" in page
    assert json.loads(events(app)[-1].changes) == changes


def test_staff_of_the_team_who_did_not_write_it_cannot_edit(app, make, org, login):
    decided = make.decision(org.ops, org.manager)
    client = login(org.staff)
    assert client.get(f"/decisions/{decided.id}/edit").status_code == 403
    assert client.get(f"/decisions/{decided.id}/review").status_code == 403


def test_a_stale_edit_answers_409_keeps_the_input_and_overwrites_nothing(app, make, org, login):
    decided = make.decision(org.ops, org.staff, title="The original title")
    stale = edit_decision(app, decided.id, title="My stale title")
    fresh = edit_decision(app, decided.id, context="Somebody else's context")
    client = login(org.staff)
    assert client.post(f"/decisions/{decided.id}/edit", data=fresh).status_code == 302
    response = client.post(f"/decisions/{decided.id}/edit", data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved this decision while you were editing" in html
    assert 'value="My stale title"' in html  # the user's input is still in the form
    assert "Somebody else&#39;s context" in html  # and they see what the other person saved
    assert 'name="version" type="hidden" value="2"' in html
    decision = load(app, decided.id)
    assert decision.title == "The original title"
    assert decision.context == "Somebody else's context"
    assert decision.version == 2
    # Saving again from the conflict page is a deliberate choice, and works.
    again = {**stale, "version": 2}
    assert client.post(f"/decisions/{decided.id}/edit", data=again).status_code == 302
    assert load(app, decided.id).title == "My stale title"


def test_a_form_without_its_version_is_refused(app, make, org, login):
    decided = make.decision(org.ops, org.staff)
    client = login(org.staff)
    data = edit_decision(app, decided.id, title="New")
    del data["version"]
    response = client.post(f"/decisions/{decided.id}/edit", data=data)
    assert response.status_code == 400
    assert "lost its version" in response.get_data(as_text=True)


# Review ---------------------------------------------------------------------------------------


def test_review_records_actuals_and_shows_them_beside_the_estimates(app, make, org, login):
    decided = make.decision(
        org.ops,
        org.staff,
        decided_on=date.today() - timedelta(days=100),
        impacts={"Workers": 2, "Owners": 1},
        waste=[("Energy", 0, 500)],
    )
    client = login(org.staff)
    page = client.get(f"/decisions/{decided.id}/review").get_data(as_text=True)
    assert "Not assessed" in page
    assert "Estimated" in page
    data = review_form(
        app,
        decided.id,
        actuals={"Workers": 3, "Owners": -1},
        waste=[("0", "450")],
        what_happened="Drivers liked it.\nCustomers did not notice.",
    )
    response = client.post(f"/decisions/{decided.id}/review", data=data)
    assert response.status_code == 302
    decision = load(app, decided.id)
    assert decision.status == "reviewed"
    assert decision.review.reviewer_id == org.staff.id
    assert decision.review.reviewed_on == date.today()
    actual = {i.group.name: i.actual for i in decision.impacts}
    assert actual == {
        "Workers": 3,
        "Customers": None,
        "Communities": None,
        "Nature": None,
        "Owners": -1,
    }
    assert (decision.waste_lines[0].actual_created, decision.waste_lines[0].actual_avoided) == (
        0,
        450,
    )
    assert events(app)[-1].action == "review"
    html = client.get(f"/decisions/{decided.id}").get_data(as_text=True)
    assert "Drivers liked it.<br>Customers did not notice." in html
    assert ">Actual</th>" in html  # estimates beside actuals
    assert "not assessed" in html


def test_a_review_before_the_decision_is_refused(app, make, org, login):
    decided = make.decision(org.ops, org.staff, decided_on=RECENTLY)
    client = login(org.staff)
    data = review_form(app, decided.id, reviewed_on=(RECENTLY - timedelta(days=1)).isoformat())
    response = client.post(f"/decisions/{decided.id}/review", data=data)
    assert response.status_code == 400
    assert "cannot come before the decision" in response.get_data(as_text=True)
    assert load(app, decided.id).status == "decided"


def test_a_second_review_is_kept_as_a_revision(app, make, org, login):
    decided = make.decision(org.ops, org.staff, impacts={"Workers": 1})
    client = login(org.manager)
    first = review_form(app, decided.id, actuals={"Workers": 1})
    assert client.post(f"/decisions/{decided.id}/review", data=first).status_code == 302
    second = review_form(app, decided.id, actuals={"Workers": -1}, lessons="Look closer.")
    assert client.post(f"/decisions/{decided.id}/review", data=second).status_code == 302
    (revision,) = load(app, decided.id).revisions
    assert revision.changes["lessons"] == ["Ask earlier.", "Look closer."]
    html = client.get(f"/decisions/{decided.id}").get_data(as_text=True)
    assert "Workers: actual impact" in html


def test_a_draft_cannot_be_reviewed(app, make, org, login):
    draft = make.decision(org.ops, org.staff, status="draft")
    client = login(org.staff)
    response = client.get(f"/decisions/{draft.id}/review")
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_stale_review_answers_409(app, make, org, login):
    decided = make.decision(org.ops, org.staff)
    stale = review_form(app, decided.id)
    client = login(org.staff)
    assert (
        client.post(
            f"/decisions/{decided.id}/edit", data=edit_decision(app, decided.id, title="Moved on")
        ).status_code
        == 302
    )
    response = client.post(f"/decisions/{decided.id}/review", data=stale)
    assert response.status_code == 409
    assert "It went as planned." in response.get_data(as_text=True)
    assert load(app, decided.id).status == "decided"


# Comments -------------------------------------------------------------------------------------


def test_comments_are_plain_text_escaped_with_line_breaks(app, make, org, login):
    decision = make.decision(org.ops, org.manager)
    client = login(org.staff)
    body = "Why not trains?\n<script>alert(1)</script> & more"
    response = client.post(f"/decisions/{decision.id}/comments", data={"body": body})
    assert response.status_code == 302
    assert "#comment-" in response.headers["Location"]
    html = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Why not trains?<br>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<script>alert(1)</script>" not in html
    (event,) = events(app, "comment")
    assert json.loads(event.changes) == {"decision_id": decision.id, "body": body}


def test_an_empty_comment_is_refused(app, make, org, login):
    decision = make.decision(org.ops, org.manager)
    client = login(org.staff)
    response = client.post(f"/decisions/{decision.id}/comments", data={"body": "   "})
    assert response.status_code == 400
    assert "Write something first." in response.get_data(as_text=True)
    assert count(app, Comment) == 0


def test_staff_of_another_team_cannot_comment_or_see(app, make, org, login):
    decision = make.decision(org.ops, org.manager)
    client = login(org.other_staff)
    assert client.get(f"/decisions/{decision.id}").status_code == 404
    response = client.post(f"/decisions/{decision.id}/comments", data={"body": "hi"})
    assert response.status_code == 404
    assert count(app, Comment) == 0


# Archive and restore --------------------------------------------------------------------------


def test_a_manager_archives_and_restores(app, make, org, login):
    decision = make.decision(
        org.ops,
        org.staff,
        title="Archive me",
        review_due=date.today() - timedelta(days=1),
        decided_on=date.today() - timedelta(days=2),
    )
    client = login(org.manager)
    assert "Archive me" in client.get("/decisions").get_data(as_text=True)
    assert "Archive me" in client.get("/decisions/due").get_data(as_text=True)
    response = client.post(f"/decisions/{decision.id}/archive")
    assert response.status_code == 302
    assert load(app, decision.id).archived
    log = client.get("/decisions").get_data(as_text=True)
    assert "Archive me" not in log  # hidden from lists
    assert "Archive me" not in client.get("/decisions/due").get_data(as_text=True)
    assert "due for review" not in log  # and from the navigation count
    assert "Archive me" in client.get("/decisions?archived=y").get_data(as_text=True)
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Archived</strong> by manager@example.com" in page  # kept, and says so
    assert client.get(f"/decisions/{decision.id}/edit").status_code == 403
    assert client.post(f"/decisions/{decision.id}/restore").status_code == 302
    assert not load(app, decision.id).archived
    assert [e.action for e in events(app)][-2:] == ["archive", "restore"]


def test_staff_cannot_archive_nor_list_archived(app, make, org, login):
    decision = make.decision(org.ops, org.staff, title="Still here")
    hidden = make.decision(org.ops, org.staff, title="Gone quietly", archived=True)
    client = login(org.staff)
    assert client.post(f"/decisions/{decision.id}/archive").status_code == 403
    assert not load(app, decision.id).archived
    log = client.get("/decisions?archived=y").get_data(as_text=True)
    assert "Still here" in log
    assert "Gone quietly" not in log
    assert "Show archived" not in log
    assert client.post(f"/decisions/{hidden.id}/restore").status_code == 403


# Audit ---------------------------------------------------------------------------------------


def test_every_write_extends_an_intact_audit_chain(app, make, org, login):
    client = login(org.staff)
    response = client.post("/decisions/new", data=new_decision(app, org.ops.id))
    decision_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/decisions/{decision_id}/edit", data=edit_decision(app, decision_id, title="T2"))
    client.post(f"/decisions/{decision_id}/review", data=review_form(app, decision_id))
    client.post(f"/decisions/{decision_id}/comments", data={"body": "Done."})
    client.post("/logout")
    manager = login(org.manager)
    manager.post(f"/decisions/{decision_id}/archive")
    manager.post(f"/decisions/{decision_id}/restore")
    actions = [(e.entity, e.action) for e in events(app, "decision") + events(app, "comment")]
    for expected in ("create", "edit", "review", "archive", "restore"):
        assert ("decision", expected) in actions
    assert ("comment", "create") in actions
    with app.app_context():
        report = audit.verify_chain(db.session)
        assert report.ok
        assert report.checked == db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(DecisionRevision.id))) == 1


def test_the_stored_scores_follow_every_write_of_the_forms(app, make, org, login):
    from scorecard.services import scores
    from tests.web.test_stored_sums import assert_stored_sums_exact

    def read_scores() -> None:  # build the stored sums, so that each write must change them
        with app.app_context():
            scores.teams_table(db.session, Quarter.of(date.today()))

    make.decision(org.ops, org.staff, decided_on=RECENTLY, impacts={"Nature": 2})
    read_scores()
    client = login(org.manager)
    data = new_decision(app, org.ops.id, impacts={"Workers": -2}, waste=[("Energy", 0, 90)])
    decision_id = int(client.post("/decisions/new", data=data).headers["Location"].split("/")[-1])
    read_scores()
    earlier = (RECENTLY - timedelta(days=120)).isoformat()
    edit = edit_decision(app, decision_id, impacts={"Workers": 1}, decided_on=earlier)
    assert client.post(f"/decisions/{decision_id}/edit", data=edit).status_code == 302
    read_scores()
    review = review_form(app, decision_id, actuals={"Workers": 2}, waste=[(0, 40)])
    assert client.post(f"/decisions/{decision_id}/review", data=review).status_code == 302
    read_scores()
    assert client.post(f"/decisions/{decision_id}/archive").status_code == 302
    assert_stored_sums_exact(app)
    assert client.post(f"/decisions/{decision_id}/restore").status_code == 302
    assert_stored_sums_exact(app)


def test_the_forms_carry_their_csrf_token(app_config, make, org):
    import re

    from scorecard import create_app

    def token(html: str) -> str:
        found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
        assert found is not None
        return found.group(1)

    guarded = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    try:
        client = guarded.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        client.post(
            "/login",
            data={"email": org.staff.email, "password": PASSWORD, "csrf_token": token(login_page)},
        )
        data = new_decision(guarded, org.ops.id)
        assert client.post("/decisions/new", data=data).status_code == 400  # no token
        form = client.get("/decisions/new").get_data(as_text=True)
        response = client.post("/decisions/new", data={**data, "csrf_token": token(form)})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        comment = {"body": "With a token.", "csrf_token": token(page)}
        assert (
            client.post(response.headers["Location"] + "/comments", data=comment).status_code == 302
        )
    finally:
        guarded.extensions["database"].engine.dispose()


def test_a_waste_amount_takes_commas_between_thousands(app, org, login):
    client = login(org.staff)
    data = new_decision(
        app, org.ops.id, waste=[("Materials", "0", "8,500"), ("Spend", "1,200.5", "")]
    )
    response = client.post("/decisions/new", data=data)
    assert response.status_code == 302
    decision = load(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert [(w.created, w.avoided) for w in decision.waste_lines] == [(0, 8500), (1200.5, 0)]
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "$1,200.50" in page  # money in the organisation's currency, as its locale writes it
    refused = client.post("/decisions/new", data={**data, "waste-0-avoided": "85,00"}).get_data(
        as_text=True
    )
    assert "commas only between thousands" in refused
