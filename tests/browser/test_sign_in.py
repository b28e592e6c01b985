"""Signing in and out in a real browser."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_and_out(page, org, backend):
    page.goto("/decisions")
    assert "/login" in page.url
    page.fill("input[name=email]", "manager@example.com")
    page.fill("input[name=password]", "a wrong password")
    page.click("button[type=submit]")
    assert (
        page.locator(".invalid-feedback").inner_text() == "The email or the password is not right."
    )
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/decisions")  # back where the visitor was going
    assert page.get_by_role("heading", name="Decisions").is_visible()
    if backend == "sqlite":
        screenshot(page, "decisions-empty-desktop")
    page.click("nav .dropdown-toggle")  # the account menu
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/login")
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto("/decisions")
    assert "/login" in page.url


def test_sign_in_page_at_phone_width(page, org, backend):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login")
    box = page.locator("button[type=submit]").bounding_box()
    assert box is not None
    assert box["width"] <= 390
    if backend == "sqlite":
        screenshot(page, "sign-in-phone")
