"""The pages of the integrations in a real browser, checked with axe-core at desktop and phone
widths: personal access tokens, webhooks and the API's documentation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_make_use_and_revoke_a_token(page, org, backend):
    sign_in(page, org.staff.email)
    page.goto("/account")
    page.get_by_label("Token name").fill("Monthly report")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").input_value()
    assert token.startswith("dbt_")
    if backend == "sqlite":
        screenshot(page, "token-created-desktop")
        screenshot(page, "token-created-phone", width=390)
        page.set_viewport_size({"width": 1280, "height": 900})
    answer = page.request.get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200
    page.get_by_role("link", name="Back to my account").click()
    row = page.locator("tr", has_text="Monthly report")
    assert "Never" not in row.inner_text()  # it was used just now
    if backend == "sqlite":
        screenshot(page, "tokens-desktop")
        screenshot(page, "tokens-phone", width=390)
        page.set_viewport_size({"width": 1280, "height": 900})
    row.get_by_role("button", name="Revoke").click()
    assert page.get_by_text("Token revoked").is_visible()
    answer = page.request.get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 401


def test_the_webhooks_pages(page, org, backend):
    sign_in(page, org.admin.email)
    page.goto("/admin/webhooks")
    page.get_by_role("button", name="Register endpoint").click()
    assert page.get_by_text("Choose at least one event.").is_visible()
    page.get_by_label("Endpoint address").fill("http://10.0.0.5/hook")
    page.get_by_label("A comment is added to a decision").check()
    page.get_by_role("button", name="Register endpoint").click()
    assert page.get_by_text("an internal address").is_visible()
    if backend == "sqlite":
        screenshot(page, "webhooks-refused-desktop")
        screenshot(page, "webhooks-refused-phone", width=390)


def test_the_api_documentation_page(page, org, backend):
    page.goto("/api/v1/docs")
    assert page.get_by_role("heading", name="Do Better API").is_visible()
    page.get_by_role("link", name="Create a decision").click()
    assert page.get_by_role("heading", name="POST /api/v1/decisions", exact=True).is_visible()
    if backend == "sqlite":
        screenshot(page, "api-docs-desktop")
        screenshot(page, "api-docs-phone", width=390)
