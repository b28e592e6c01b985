"""Stakeholders' own voice in a real browser: the author asks Customers, a stranger on a phone
answers through the link without an account, the author sees the answer beside the estimate,
and a revoked link answers 410."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.browser.conftest import ARTIFACTS, assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_customers_answer_on_a_phone_and_the_author_sees_it(
    page, browser, live_server, make, org, backend
):
    shots = backend == "sqlite"  # one set of pictures is enough
    decision = make.decision(
        org.ops,
        org.staff,
        title="Reusable crates for deliveries",
        decided_on=date.today(),
        impacts={"Customers": 2, "Workers": 1, "Nature": 3},
    )
    sign_in(page, org.staff.email)
    page.goto(f"/decisions/{decision.id}")
    page.get_by_role("link", name="Ask stakeholders").click()
    page.wait_for_url(re.compile(r".*/consultations/new$"))
    assert_accessible(page, "the new consultation form")
    page.select_option("#group_id", label="Customers")
    assert page.input_value("#question") == "How would this decision affect you?"
    page.fill("#description", "We would deliver in crates that drivers take back next time.")
    page.get_by_role("button", name="Create the link").click()
    page.wait_for_url(re.compile(r".*/consultations/\d+$"))
    assert page.locator(".qr-code").is_visible()
    link = page.input_value("#public-link")
    assert link.startswith(live_server + "/c/")
    assert_accessible(page, "the consultation's page")
    if shots:
        screenshot(page, "consultation-share-desktop")
        screenshot(page, "consultation-share-phone", width=390)
        page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Printable poster").click()
    assert page.get_by_role("img", name="QR code: scan it to answer").is_visible()
    assert link in page.locator(".poster-url").inner_text()
    assert_accessible(page, "the poster")
    if shots:
        screenshot(page, "consultation-poster")

    # A stranger opens the link on a phone: no account, no cookie of the organisation.
    stranger = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        phone = stranger.new_page()
        phone.set_default_timeout(30_000)
        opened = phone.goto(link)
        assert opened.status == 200
        assert phone.get_by_role("heading", name="How would this decision affect you?").is_visible()
        assert phone.get_by_text("Reusable crates").count() == 0
        scroll_width = phone.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], "the public page scrolls sideways on a phone"
        assert_accessible(phone, "the public answer page")
        if shots:
            screenshot(phone, "consultation-answer-phone")
        phone.get_by_label("Slight benefit").check()
        phone.fill("#comment", "Fine, if the crates are clean.")
        phone.get_by_role("button", name="Send my answer").click()
        phone.wait_for_load_state()
        assert phone.get_by_role("heading", name="Thank you").is_visible()
        assert_accessible(phone, "the thank-you page")
        if shots:
            screenshot(phone, "consultation-thanks-phone")
        assert [c["name"] for c in stranger.cookies()] == ["dobetter_answering"]

        # The author sees the answer beside the estimate.
        page.goto(f"/decisions/{decision.id}")
        row = page.locator(".impact-table tbody tr", has_text="Customers")
        assert "consulted: 1 answer from customers" in row.inner_text()
        assert "1 answer" in row.locator("td.voice-cell").inner_text()
        assert page.get_by_text("Fine, if the crates are clean.").is_visible()
        assert_accessible(page, "the decision page with answers")
        if shots:
            screenshot(page, "decision-with-answers-desktop")
            screenshot(page, "decision-with-answers-phone", width=390)
            for part, selector in (("who", "[aria-labelledby=h-who]"), ("voice", "#voice")):
                page.locator(selector).screenshot(
                    path=str(ARTIFACTS / f"decision-with-answers-phone-{part}.png")
                )
            page.set_viewport_size({"width": 1280, "height": 900})

        # Revoked: the same link answers 410 with a plain message.
        page.goto(f"/decisions/{decision.id}")
        page.get_by_role("link", name=re.compile("^Customers: ")).click()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Revoke the link").click()
        page.wait_for_load_state()
        assert page.get_by_text("Revoked: the link no longer works").is_visible()
        gone = stranger.new_page()
        response = gone.goto(link)
        assert response.status == 410
        assert gone.get_by_role("heading", name="This link no longer works").is_visible()
        assert_accessible(gone, "the page of a revoked link")
        if shots:
            screenshot(gone, "consultation-revoked-phone")
    finally:
        stranger.close()
