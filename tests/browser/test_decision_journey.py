"""A decision's life in a real browser: logged with two waste lines, found in the log, edited
with JavaScript on and off, edited by two people at once, reviewed and discussed."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

TITLE = "Reusable crates for deliveries"


def save(page) -> None:
    page.get_by_role("button", name="Save decision").click()


def waste_lines(page):
    return page.locator("[data-waste-lines] [data-waste-line]")


def test_a_decision_from_first_draft_to_review(page, browser, live_server, org, backend):
    shots = backend == "sqlite"  # one set of pictures is enough
    sign_in(page, "staff@example.com")

    # Log it, with two waste lines added by the page's script.
    page.get_by_role("link", name="Log a decision").first.click()
    page.wait_for_url("**/decisions/new")
    page.fill("#title", TITLE)
    page.fill("#question", "How do we stop throwing away a tonne of cardboard a quarter?")
    page.fill("#context", "Our customers return boxes we cannot reuse.\nThe bins fill weekly.")
    page.fill("#alternatives", "Recycled cardboard; a deposit on boxes.")
    page.fill("#decision_taken", "Deliver in plastic crates that drivers bring back.")
    page.select_option("#impacts-0-impact", "2")
    page.check("#impacts-0-consulted")
    page.fill("#impacts-0-note", "Drivers tried the crates for a week.")
    page.select_option("#impacts-1-impact", "1")
    page.select_option("#impacts-3-impact", "3")
    page.select_option("#impacts-4-impact", "1")
    assert page.locator("#impacts-3-impact").get_attribute("data-value") == "3"
    page.get_by_role("button", name="Add a waste line").click()
    page.get_by_role("button", name="Add a waste line").click()
    assert waste_lines(page).count() == 2
    first, second = waste_lines(page).nth(0), waste_lines(page).nth(1)
    first.locator("select").select_option(label="Materials (kg)")
    assert first.locator("[data-unit]").first.inner_text() == "kg"
    first.locator("input[name$='-avoided']").fill("1000")
    first.locator("input[name$='-note']").fill("cardboard no longer thrown away")
    second.locator("select").select_option(label="Spend ($)")
    assert second.locator("[data-unit]").first.inner_text() == "$"
    second.locator("input[name$='-created']").fill("800")
    if shots:
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the save bar at rest
        screenshot(page, "decision-form-desktop")
        screenshot(page, "decision-form-phone", width=390)
        page.set_viewport_size({"width": 1280, "height": 900})
    save(page)
    page.wait_for_url(re.compile(r".*/decisions/\d+$"))
    decision_url = page.url
    decision_path = "/" + decision_url.split("/", 3)[3]
    assert page.get_by_role("heading", name=TITLE).is_visible()
    assert page.get_by_text("Decision saved.").is_visible()
    assert page.locator(".waste-table tbody tr").count() == 2

    # Find it in the log by searching.
    page.goto("/decisions")
    page.fill("#q", "crates")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/decisions?*q=crates*")
    assert page.locator("a.decision-title").count() == 1
    assert page.locator("a.decision-title mark").first.inner_text().lower() == "crates"
    if shots:
        screenshot(page, "decision-log-search-desktop")
        screenshot(page, "decision-log-search-phone", width=390)
        page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("a.decision-title", has_text=TITLE).click()
    page.wait_for_url(decision_url)

    # Edit with JavaScript on: a line goes without a round trip.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_url(f"{decision_url}/edit")
    waste_lines(page).nth(1).locator("[data-remove-line]").click()
    assert waste_lines(page).count() == 1
    page.fill("#title", TITLE + " and bags")
    save(page)
    page.wait_for_url(decision_url)
    assert page.get_by_text("kept in the decision's history").is_visible()
    history = page.locator("#history")
    assert "Waste lines" in history.inner_text()
    assert TITLE + " and bags" in history.inner_text()

    # Edit with JavaScript off: the same buttons ask the server.
    quiet = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    manager = quiet.new_page()
    try:
        sign_in(manager, "manager@example.com")
        manager.goto(f"{decision_path}/edit")
        assert waste_lines(manager).count() == 1
        manager.get_by_role("button", name="Add a waste line").click()
        manager.wait_for_load_state()
        assert waste_lines(manager).count() == 2
        added = waste_lines(manager).nth(1)
        added.locator("select").select_option(label="Water (m3)")
        added.locator("input[name$='-avoided']").fill("40")
        save(manager)
        manager.wait_for_url(decision_url)
        assert "Water" in manager.locator(".waste-table").inner_text()

        # Two people edit at once: the second to save is told, and keeps what they typed.
        manager.goto(f"{decision_path}/edit")
        page.goto(f"{decision_path}/edit")
        page.fill("#title", "Crates, agreed with the drivers")
        save(page)
        page.wait_for_url(decision_url)
        manager.fill("#title", "Crates for every route")
        save(manager)
        assert manager.get_by_text(
            "Someone else saved this decision while you were editing"
        ).is_visible()
        assert manager.input_value("#title") == "Crates for every route"
        assert "Crates, agreed with the drivers" in manager.locator("#conflict").inner_text()
        if shots:
            screenshot(manager, "decision-conflict-desktop")
    finally:
        quiet.close()
    page.reload()
    assert page.get_by_role("heading", name="Crates, agreed with the drivers").is_visible()

    # Review it.
    page.get_by_role("link", name="Review", exact=True).click()
    page.wait_for_url(f"{decision_url}/review")
    page.select_option("#actuals-0-actual", "3")
    page.select_option("#actuals-3-actual", "2")
    page.fill("#waste-0-actual_avoided", "900")
    page.fill("#what_happened", "Drivers bring the crates back; two went missing.")
    page.fill("#lessons", "Count crates every Friday.")
    page.get_by_role("button", name="Save review").click()
    page.wait_for_url(f"{decision_url}#review")
    assert page.locator(".decision-head .status-reviewed").is_visible()
    assert "actual" in page.locator(".impact-table thead").inner_text().lower()

    # And discuss it.
    page.fill("#body", "Could we do the same for returns?\nThey come back in boxes too.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r".*#comment-\d+$"))
    comment = page.locator(".comment").last
    assert "Could we do the same for returns?" in comment.inner_text()
    assert comment.locator(".prose br").count() == 1
    if shots:
        screenshot(page, "decision-page-desktop")
        screenshot(page, "decision-page-phone", width=390)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/decisions")
        screenshot(page, "decision-log-desktop")
        screenshot(page, "decision-log-phone", width=390)
