"""Consultations: the author asks a group, stakeholders answer without an account, and the
answers sit beside the estimate; links expire and are revoked; abuse is bounded."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Answer, AuditEvent, Consultation
from scorecard.services.consultation_links import COOKIE
from tests.conftest import sign_in
from tests.web.voice_helpers import answer, consult, form_token


@pytest.fixture
def decision(make, org):
    return make.decision(
        org.ops,
        org.staff,
        title="Reusable crates for deliveries",
        decided_on=date.today(),
        impacts={"Customers": 2, "Workers": 1},
    )


def _answers(app, consultation_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(Answer).where(Answer.consultation_id == consultation_id).order_by(Answer.id)
        ).all()


def _events(app, action):
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def test_the_author_creates_a_consultation_and_gets_a_link_and_a_qr_code(
    app, client, org, decision
):
    sign_in(client, org.staff.email)
    form = client.get(f"/decisions/{decision.id}/consultations/new")
    assert form.status_code == 200
    assert "How would this decision affect you?" in form.get_data(as_text=True)
    customers = 2  # the default groups: Workers 1, Customers 2, …
    created = client.post(
        f"/decisions/{decision.id}/consultations/new",
        data={
            "group_id": customers,
            "question": "Would crates work for you?",
            "description": "Drivers would take the crate back on the next delivery.",
            "ends_on": (date.today() + timedelta(days=14)).isoformat(),
            "max_answers": "50",
        },
    )
    assert created.status_code == 302
    page = client.get(created.headers["Location"])
    text = page.get_data(as_text=True)
    assert "Would crates work for you?" in text
    assert 'class="qr-code"' in text and "<path" in text
    assert "/c/" in text
    poster = client.get(created.headers["Location"] + "/poster")
    assert poster.status_code == 200 and "<svg" in poster.get_data(as_text=True)
    (event,) = _events(app, "create")[-1:]
    assert event.entity == "consultation"
    assert json.loads(event.changes)["group"] == "Customers"


def test_bad_consultation_input_is_named_and_nothing_is_saved(app, client, org, decision):
    sign_in(client, org.staff.email)
    refused = client.post(
        f"/decisions/{decision.id}/consultations/new",
        data={
            "group_id": 2,
            "question": " ",
            "ends_on": (date.today() - timedelta(days=1)).isoformat(),
            "max_answers": "0",
        },
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Write the question the stakeholders will answer." in text
    assert "The last day cannot be in the past." in text
    assert "Number must be between 1 and 10000." in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Consultation.id))) == 0


def test_only_the_author_or_a_manager_may_ask(app, client, make, org, decision):
    make.user("tess@example.com", "staff", teams=(org.ops,))
    sign_in(client, "tess@example.com")
    assert client.get(f"/decisions/{decision.id}/consultations/new").status_code == 403
    client.post("/logout")
    sign_in(client, org.other_staff.email)
    assert client.get(f"/decisions/{decision.id}/consultations/new").status_code == 404
    client.post("/logout")
    sign_in(client, org.manager.email)
    assert client.get(f"/decisions/{decision.id}/consultations/new").status_code == 200


def test_the_public_page_shows_the_question_and_nothing_of_the_organisation(app, org, decision):
    _, path = consult(app, decision, org.staff, description="Crates instead of boxes.")
    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "How would this affect you?" in text and "Crates instead of boxes." in text
    for private in ("Reusable crates for deliveries", "Operations", org.staff.email, "Staff"):
        assert private not in text
    assert "<script" not in text
    assert "Do Better" not in text
    cookie = browser.get_cookie(COOKIE, path="/c/")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert browser.get_cookie("session") is None


def test_an_answer_is_stored_once_per_browser_without_personal_data(app, org, decision):
    consultation_id, path = consult(app, decision, org.staff)
    browser = app.test_client()
    sent = answer(browser, path, 1, comment="Good\u202e idea\x00, if the crates are clean.")
    assert sent.status_code == 303
    thanks = browser.get(path)
    assert thanks.status_code == 200 and "Thank you" in thanks.get_data(as_text=True)
    again = browser.post(path, data={"form_token": "x", "rating": "3"})
    assert again.status_code in (303, 400)
    (stored,) = _answers(app, consultation_id)
    assert stored.rating == 1
    assert stored.comment == "Good idea, if the crates are clean."
    assert stored.contact == ""
    row = " ".join(str(v) for v in vars(stored).values())
    assert "127.0.0.1" not in row
    second = answer(app.test_client(), path, -2, contact="ana@example.org")
    assert second.status_code == 303
    assert [a.contact for a in _answers(app, consultation_id)] == ["", "ana@example.org"]


def test_a_refused_answer_names_what_is_wrong(app, org, decision):
    _, path = consult(app, decision, org.staff)
    browser = app.test_client()
    no_rating = answer(browser, path, None)
    assert no_rating.status_code == 400
    assert "Choose how it would affect you" in no_rating.get_data(as_text=True)
    too_long = answer(browser, path, 1, comment="x" * 1001)
    assert too_long.status_code == 400
    assert "Field cannot be longer than 1000 characters." in too_long.get_data(as_text=True)
    page = browser.get(path).get_data(as_text=True)
    huge = browser.post(
        path, data={"form_token": form_token(page), "rating": "1", "comment": "x" * 20000}
    )
    assert huge.status_code == 413
    forged = browser.post(path, data={"form_token": "not-ours", "rating": "1"})
    assert forged.status_code == 400 and "The form had expired" in forged.get_data(as_text=True)
    no_cookie = app.test_client().post(path, data={"form_token": form_token(page), "rating": "1"})
    assert no_cookie.status_code == 400 and "cookie" in no_cookie.get_data(as_text=True)


def test_a_tampered_link_is_not_found(app, org, decision):
    _, path = consult(app, decision, org.staff)
    assert app.test_client().get(path[:-2] + "xy").status_code == 404
    assert app.test_client().get("/c/nothing-here").status_code == 404


def test_revoked_closed_expired_and_full_links_answer_410(app, client, org, decision):
    revoked_id, revoked = consult(app, decision, org.staff)
    closed_id, closed = consult(app, decision, org.staff)
    _, full = consult(app, decision, org.staff, max_answers=1)
    expired_id, expired = consult(app, decision, org.staff)
    sign_in(client, org.staff.email)
    base = f"/decisions/{decision.id}/consultations"
    assert client.post(f"{base}/{revoked_id}/revoke").status_code == 302
    assert client.post(f"{base}/{closed_id}/close").status_code == 302
    assert answer(app.test_client(), full, 0).status_code == 303
    with app.app_context(), db.writing() as session:
        session.get(Consultation, expired_id).ends_on = date.today() - timedelta(days=1)
    for path, words in (
        (revoked, "This link no longer works"),
        (closed, "This question is closed"),
        (full, "This question has all its answers"),
        (expired, "This question has ended"),
    ):
        browser = app.test_client()
        page = browser.get(path)
        assert page.status_code == 410, path
        assert words in page.get_data(as_text=True)
        assert browser.post(path, data={"rating": "1"}).status_code == 410
    assert [e.entity_id for e in _events(app, "revoke")] == [str(revoked_id)]
    assert [e.entity_id for e in _events(app, "close")] == [str(closed_id)]


def test_an_answer_after_revocation_is_refused_even_with_an_open_form(app, client, org, decision):
    consultation_id, path = consult(app, decision, org.staff)
    browser = app.test_client()
    token = form_token(browser.get(path).get_data(as_text=True))
    sign_in(client, org.manager.email)
    client.post(f"/decisions/{decision.id}/consultations/{consultation_id}/revoke")
    late = browser.post(path, data={"form_token": token, "rating": "2"})
    assert late.status_code == 410
    assert _answers(app, consultation_id) == []


def test_two_hundred_answers_from_one_address_are_refused_past_the_limit(app, org, decision):
    consultation_id, path = consult(app, decision, org.staff, max_answers=1000)
    per_hour = int(app.config["CONSULTATION_ADDRESS_LIMIT"].split(" per ")[0])
    statuses = [answer(app.test_client(), path, 1).status_code for _ in range(200)]
    assert statuses[:per_hour] == [303] * per_hour
    assert set(statuses[per_hour:]) == {429}
    assert len(_answers(app, consultation_id)) == per_hour
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert answer(other_address, path, 1).status_code == 303


def test_the_decision_page_shows_answers_beside_the_estimate(app, client, org, decision):
    _, path = consult(app, decision, org.staff)
    for rating, comment in ((1, "Fine by me."), (3, ""), (-1, "Crates are heavy.")):
        assert answer(app.test_client(), path, rating, comment=comment).status_code == 303
    sign_in(client, org.staff.email)
    text = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "consulted: 3 answers from customers" in text
    assert 'mean <span class="voice-mean">+1.0</span>' in text
    assert "Fine by me." in text and "Crates are heavy." in text
    assert "Hide this comment" not in text  # the author is no manager


def test_answers_after_the_decision_are_heard_but_not_consulted(app, client, make, org):
    earlier = make.decision(
        org.ops, org.staff, decided_on=date.today() - timedelta(days=5), impacts={"Customers": 1}
    )
    _, path = consult(app, earlier, org.staff)
    assert answer(app.test_client(), path, 2).status_code == 303
    sign_in(client, org.staff.email)
    text = client.get(f"/decisions/{earlier.id}").get_data(as_text=True)
    assert "not consulted · 1 answer from customers since the decision" in text


def _consultation_pct(runner, quarter):
    result = runner.invoke(args=["scores", "--quarter", str(quarter), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["teams"][-1]["Consultation %"]


def test_answers_before_deciding_count_as_consulted_in_the_figures(app, runner, org, decision):
    quarter = Quarter.of(date.today())
    assert _consultation_pct(runner, quarter) == 0
    _, path = consult(app, decision, org.staff)
    assert answer(app.test_client(), path, 1).status_code == 303
    # Customers of the two affected groups (Customers, Workers) now count as consulted.
    assert _consultation_pct(runner, quarter) == 50


def test_a_manager_hides_an_abusive_comment_and_it_is_audited(app, client, make, org, decision):
    consultation_id, path = consult(app, decision, org.staff)
    answer(app.test_client(), path, -3, comment="You are all idiots.")
    (stored,) = _answers(app, consultation_id)
    hide = f"/decisions/{decision.id}/consultations/{consultation_id}/answers/{stored.id}/hide"
    sign_in(client, org.staff.email)
    assert client.post(hide).status_code == 403  # the author is no manager
    client.post("/logout")
    sign_in(client, org.manager.email)
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "You are all idiots." in page and "Hide this comment" in page
    assert client.post(hide).status_code == 302
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "You are all idiots." not in page
    assert "Comment hidden by a manager." in page
    assert "1 answer" in page  # the rating still counts
    (event,) = _events(app, "hide_comment")
    assert event.actor_email == org.manager.email
    assert "idiots" not in event.changes


def test_a_draft_is_consulted_before_it_is_decided(app, client, make, org):
    draft = make.decision(
        org.ops,
        org.staff,
        status="draft",
        decided_on=date.today() + timedelta(days=20),
        impacts={"Communities": -1},
    )
    _, path = consult(app, draft, org.staff, group="Communities")
    assert (
        answer(app.test_client(), path, -2, comment="The lorries pass the school.").status_code
        == 303
    )
    sign_in(client, org.staff.email)
    text = client.get(f"/decisions/{draft.id}").get_data(as_text=True)
    assert "consulted: 1 answer from communities" in text


def test_an_archived_decision_takes_no_answers_and_no_new_consultation(app, client, make, org):
    decision = make.decision(org.ops, org.staff, impacts={"Customers": 1})
    _, path = consult(app, decision, org.staff)
    sign_in(client, org.manager.email)
    assert client.post(f"/decisions/{decision.id}/archive").status_code == 302
    assert app.test_client().get(path).status_code == 410
    refused = client.get(f"/decisions/{decision.id}/consultations/new")
    assert refused.status_code == 302
