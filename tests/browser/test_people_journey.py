"""A staff member in a real browser: from the bell to the review form and back to an empty
bell; a mention picked from the suggestions; My page; an email as it is read."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
TITLE = "Electric vans for the city round"


@pytest.fixture
def app_config(app_config, mail_config):
    return {**app_config, **mail_config}


def bell(page):
    return page.locator("a.nav-bell")


def history(make, org, today: date) -> None:
    """Reviewed decisions of three quarters, closer each time, for My page's calibration."""
    for quarters_ago, actual in ((3, -1), (2, 0), (1, 1)):
        decided = today - timedelta(days=92 * quarters_ago)
        make.decision(
            org.ops,
            org.staff,
            title=f"Route change {quarters_ago} quarters ago",
            status="reviewed",
            decided_on=decided,
            review_due=decided + timedelta(days=20),
            reviewed_on=decided + timedelta(days=20),
            impacts={"Workers": 2, "Customers": 1, "Nature": 2},
            actuals={"Workers": actual, "Customers": 1, "Nature": min(actual + 1, 3)},
        )


def test_from_the_bell_to_the_review_and_back_to_an_empty_bell(
    page, runner, smtp, make, org, backend
):
    shots = backend == "sqlite"
    today = date.today()  # read when the test runs: a suite may cross midnight before it
    make.user("tess@example.com", "staff", teams=(org.ops,), name="Tess Ray")
    history(make, org, today)
    decision = make.decision(
        org.ops,
        org.staff,
        title=TITLE,
        decided_on=today - timedelta(days=90),
        review_due=today,
        impacts={"Workers": 2, "Nature": 3},
    )
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    [email] = smtp.to(org.staff.email)

    sign_in(page, org.staff.email)
    assert bell(page).get_attribute("aria-label") == "Notifications, 1 unread"
    if shots:
        for width in (1280, 390):
            screenshot(page, f"people-bell-{width}", width)
        page.set_viewport_size({"width": 1280, "height": 900})
    bell(page).click()
    page.wait_for_url("**/notifications")
    item = page.get_by_role("link", name=f"Your review of “{TITLE}” is due today")
    if shots:
        for width in (1280, 390):
            screenshot(page, f"people-notifications-{width}", width)
        page.set_viewport_size({"width": 1280, "height": 900})
    item.click()
    page.wait_for_url(f"**/decisions/{decision.id}/review")
    page.fill("#what_happened", "The drivers like the vans; two chargers were not enough.")
    page.get_by_role("button", name="Save review").click()
    page.wait_for_url(f"**/decisions/{decision.id}#review")
    assert bell(page).get_attribute("aria-label") == "Notifications, none unread"
    assert bell(page).locator(".bell-count").count() == 0

    # A mention picked from the suggestions, with the keyboard.
    box = page.locator("#body")
    box.fill("Thanks for the idea, ")
    box.press("End")
    box.type("@te")
    option = page.get_by_role("option", name=re.compile("Tess Ray"))
    option.wait_for()
    box.press("Enter")
    assert box.input_value() == "Thanks for the idea, @tess "
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r".*#comment-\d+"))
    assert page.locator("a.mention", has_text="@tess").count() == 1

    page.goto("/me")
    assert page.get_by_text("Improving 2 quarters in a row").is_visible()
    page.locator("[data-chart=calibration][data-drawn=true]").wait_for()
    if shots:
        for width in (1280, 390):
            screenshot(page, f"people-my-page-{width}", width)

        # The email as a mail client shows it, away from the application's pages (a page of its
        # own: about:blank after an application page would keep that page's CSP).
        mail = page.context.new_page()
        mail.set_content(email.body("html"))
        for width in (1280, 390):
            screenshot(mail, f"people-email-{width}", width)
        mail.close()
        page.goto("/me")
