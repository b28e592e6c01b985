"""How can we do better? in a real browser: a staff member proposes, a colleague supports, the
manager accepts, the proposer is told and opens the draft decision made from it; a declined
suggestion shows its reason to its supporters; the survey and its results."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from scorecard.domain.survey import Response
from scorecard.extensions import db
from scorecard.models import User
from scorecard.services import suggestions, surveys
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.browser

TITLE = "Collect coffee grounds for the community garden"


@pytest.fixture
def people(make, org):
    org.tess = make.user("tess@example.com", "staff", teams=(org.ops,), name="Tess Teammate")
    return org


def test_a_suggestion_from_proposal_to_draft_decision(page, people, backend):
    shots = backend == "sqlite"
    sign_in(page, people.staff.email)
    page.get_by_role("link", name="Suggestions").first.click()
    page.wait_for_url("**/suggestions")
    page.get_by_role("link", name="Propose an improvement").first.click()
    page.select_option("#team", label="Operations")
    page.fill("#title", TITLE)
    page.fill("#body", "We throw away 20 kg of grounds a week; the garden next door wants them.")
    page.get_by_label("Communities").check()
    page.get_by_label("Nature").check()
    page.fill("#waste-0-avoided", "1000")
    assert_accessible(page, "the suggestion form")
    if shots:
        screenshot(page, "suggestion-form-1280")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_url(re.compile(r".*/suggestions/\d+$"))
    suggestion_url = page.url
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    # A colleague supports it from the board.
    sign_in(page, people.tess.email)
    page.goto("/suggestions")
    page.get_by_role("button", name=f"Support “{TITLE}”").click()
    page.wait_for_url("**/suggestions")
    expect(
        page.get_by_role("button", name=f"Supported: withdraw my support for “{TITLE}”")
    ).to_be_visible()
    if shots:
        screenshot(page, "suggestions-board-1280", 1280)
        screenshot(page, "suggestions-board-390", 390)
        page.set_viewport_size({"width": 1280, "height": 900})

    # The manager accepts it.
    sign_in(page, people.manager.email)
    page.goto(suggestion_url)
    page.get_by_label("Accept — make it a draft decision").check()
    if shots:
        screenshot(page, "suggestion-answer-1280")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Accepted: a draft decision is made from it")).to_be_visible()

    # The proposer is told, and opens the draft decision linked to it.
    sign_in(page, people.staff.email)
    bell = page.locator("a.nav-bell")
    expect(bell).to_have_attribute("aria-label", re.compile(r"Notifications, \d+ unread"))
    bell.click()
    page.wait_for_url("**/notifications")
    page.get_by_role("link", name=re.compile("Your suggestion .* is accepted")).click()
    page.wait_for_url(re.compile(r".*/decisions/\d+$"))
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    credit = page.locator(".from-suggestion")
    assert "proposed by Staff" in credit.inner_text()
    assert_accessible(page, "the draft decision made from the suggestion")
    credit.get_by_role("link").click()
    page.wait_for_url(suggestion_url)
    if shots:
        screenshot(page, "suggestion-accepted-1280")
        screenshot(page, "suggestion-accepted-390", 390)


def test_a_declined_suggestion_shows_its_reason_to_its_supporters(page, app, people):
    with app.app_context(), db.writing() as session:
        made = suggestions.create(
            session,
            session.get(User, people.staff.id),
            suggestions.SuggestionInput(people.ops.id, "Close the office on Fridays", ""),
        )
        suggestions.support(session, session.get(User, people.tess.id), made)
        suggestions.answer(
            session,
            session.get(User, people.manager.id),
            made,
            suggestions.Answer(
                "declined", "Customers call on Fridays; we will try flexible hours."
            ),
        )
    sign_in(page, people.tess.email)
    page.goto(f"/suggestions/{made.id}")
    answer = page.locator("#answer")
    assert "you supported it; here is why" in answer.inner_text()
    assert "we will try flexible hours" in answer.inner_text()


def test_the_survey_and_its_results(page, app, make, people, backend):
    colleagues = [make.user(f"ops{n}@example.com", "staff", teams=(people.ops,)) for n in range(5)]
    with app.app_context(), db.writing() as session:
        survey = surveys.open_round(
            session,
            session.get(User, people.admin.id),
            surveys.RoundInput(
                "What matters to us, winter",
                date.today(),
                date.today() + timedelta(days=10),
                (people.ops.id,),
            ),
        )
        for n, person in enumerate(colleagues):
            surveys.submit(
                session,
                app.config["SECRET_KEY"],
                session.get(User, person.id),
                survey,
                Response(
                    groups={1: 5, 2: 4, 3: n % 5 + 1, 4: 4, 5: None if n == 0 else 2},
                    categories={c: (n + c) % 5 + 1 for c in range(1, 7)},
                    comment="More time with customers" if n == 1 else "",
                ),
                date.today(),
            )
    sign_in(page, people.staff.email)
    page.get_by_role("link", name="Answer the survey").first.click()
    page.wait_for_url(f"**/surveys/{survey.id}")
    expect(page.get_by_text("What your answers are for")).to_be_visible()
    for row in page.locator(".rating-row").all():
        row.locator("label", has_text="4").first.click()
    page.locator(".rating-row").first.get_by_text("Not relevant").click()
    if backend == "sqlite":
        screenshot(page, "survey-answer-1280", 1280)
        screenshot(page, "survey-answer-390", 390)
        page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("your answer is counted, without your name")).to_be_visible()
    page.get_by_role("link", name="See the results").click()
    expect(page.locator("[data-respondents='6']").first).to_be_visible()
    if backend == "sqlite":
        screenshot(page, "survey-results-1280", 1280)
        screenshot(page, "survey-results-390", 390)
        page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, people.admin.email)
    page.goto(f"/surveys/{survey.id}/weights")
    expect(page.get_by_role("heading", name=re.compile("composite"))).to_be_visible()
    if backend == "sqlite":
        screenshot(page, "survey-weights-1280", 1280)
