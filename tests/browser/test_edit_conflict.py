"""Two people edit one decision: a conflict never silently undoes a colleague's change. Fields
only the other person changed keep their new value, fields only this person changed take
theirs, and only fields both changed are shown, each with "keep theirs / keep mine"."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
NATURE = "impacts-3-impact"  # Workers, Customers, Communities, Nature, Owners


def person(browser, live_server, email):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.fixture
def decision(make, org):
    return make.decision(
        org.ops,
        org.staff,
        title="Switch courier to electric vans",
        decided_on=date(2026, 5, 4),
        impacts={"Nature": 3, "Owners": 1},
        decision_taken="Lease twelve electric vans.",
    )


def test_a_field_only_the_colleague_changed_keeps_their_value(
    browser, live_server, page, org, decision
):
    staff = person(browser, live_server, org.staff.email)
    manager = page
    manager.goto("/login")
    manager.fill("input[name=email]", org.manager.email)
    manager.fill("input[name=password]", PASSWORD)
    manager.click("button[type=submit]")
    edit = f"/decisions/{decision.id}/edit"
    manager.goto(edit)
    staff.goto(edit)

    staff.select_option(f"select[name={NATURE}]", "2")  # staff: Nature from +3 to +2
    staff.get_by_role("button", name="Save decision").click()
    staff.wait_for_url(f"**/decisions/{decision.id}")

    manager.fill("input[name=title]", "Switch couriers to electric vans and bikes")
    manager.get_by_role("button", name="Save decision").click()
    manager.wait_for_url(f"**/decisions/{decision.id}")
    text = manager.locator("main").inner_text()
    assert "Switch couriers to electric vans and bikes" in text
    assert "together with" in text  # the page says the two saves were merged
    manager.goto(edit)
    assert manager.locator(f"select[name={NATURE}]").input_value() == "2"
    staff.context.close()


def test_only_fields_both_changed_are_a_conflict_to_resolve(
    browser, live_server, page, org, decision
):
    staff = person(browser, live_server, org.staff.email)
    manager = page
    manager.goto("/login")
    manager.fill("input[name=email]", org.manager.email)
    manager.fill("input[name=password]", PASSWORD)
    manager.click("button[type=submit]")
    edit = f"/decisions/{decision.id}/edit"
    manager.goto(edit)
    staff.goto(edit)

    staff.select_option(f"select[name={NATURE}]", "2")
    staff.fill("input[name=title]", "Electric vans from July")
    staff.get_by_role("button", name="Save decision").click()
    staff.wait_for_url(f"**/decisions/{decision.id}")

    manager.fill("input[name=title]", "Electric vans and cargo bikes")
    manager.fill("textarea[name=context]", "The city centre closes to diesel vans next year.")
    manager.get_by_role("button", name="Save decision").click()
    conflict = manager.locator("#conflict")
    conflict.wait_for()
    rows = conflict.locator("tbody tr")
    assert rows.count() == 1, conflict.inner_text()
    assert "Title" in rows.first.inner_text()
    assert "Nature" not in conflict.inner_text()
    # The colleague's Nature is in the form, and the manager's own context is kept.
    assert manager.locator(f"select[name={NATURE}]").input_value() == "2"
    assert "diesel" in manager.locator("textarea[name=context]").input_value()
    screenshot(manager, "edit-conflict-1280")
    screenshot(manager, "edit-conflict-390", width=390)
    manager.set_viewport_size({"width": 1280, "height": 900})

    conflict.get_by_label("Keep theirs").check()
    assert_accessible(manager, "the conflict with a choice made")
    manager.get_by_role("button", name="Save decision").click()
    manager.wait_for_url(f"**/decisions/{decision.id}")
    text = manager.locator("main").inner_text()
    assert "Electric vans from July" in text
    assert "Electric vans and cargo bikes" not in text
    assert "diesel" in text
    manager.goto(edit)
    assert manager.locator(f"select[name={NATURE}]").input_value() == "2"
    staff.context.close()
