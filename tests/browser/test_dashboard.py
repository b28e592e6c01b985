"""The dashboard in Chromium: charts drawn with data, the quarter picker, clicks through to the log."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.worked_example_orm import store_worked_example

pytestmark = pytest.mark.browser

CHARTS = ("composite", "changes", "impact", "waste", "shared")


@pytest.fixture
def example(app, make, org):
    store_worked_example(app)
    product = make.team("Product")
    make.user("lead@example.com", "manager", teams=(org.ops, product), manages=(org.ops, product))
    plans = [
        (org.sales, date(2025, 11, 3), {"Customers": 2, "Owners": 1}),
        (org.sales, date(2026, 2, 9), {"Customers": 1, "Nature": -2, "Owners": 2}),
        (org.sales, date(2026, 5, 21), {"Customers": 2, "Communities": 1, "Owners": 1}),
        (product, date(2026, 1, 15), {"Workers": 2, "Customers": 2, "Owners": 1}),
        (product, date(2026, 4, 28), {"Workers": -1, "Customers": 1, "Owners": 1}),
    ]
    for team, day, impacts in plans:
        make.decision(
            team,
            title=f"{team.name} decision of {day}",
            decided_on=day,
            impacts=impacts,
            consulted=tuple(list(impacts)[:1]),
            waste=[("Energy", 0, 800), ("Materials", 50, 0)],
        )
    return org


def wait_for_charts(page, names=CHARTS) -> None:
    for name in names:
        page.wait_for_selector(f"[data-chart={name}][data-drawn=true]")


def query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def click_at(page, x: float, y: float) -> None:
    """Hover first, as a person would: plotly finds the point under the pointer on hover."""
    page.mouse.move(x, y)
    page.wait_for_selector(".hoverlayer .hovertext")
    page.mouse.click(x, y)


def click_centre(page, locator) -> None:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None
    click_at(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_charts_are_drawn_with_data(page, example, backend):
    sign_in(page, "admin@example.com")
    page.goto("/dashboard?quarter=2026Q2")
    wait_for_charts(page)
    # One line for all teams together and one per team, a marker per quarter with a composite.
    assert page.locator("[data-chart=composite] .scatterlayer .trace").count() == 4
    assert page.locator("[data-chart=composite] .scatterlayer .trace .points path").count() >= 6
    lines = page.locator("[data-chart=composite] .scatterlayer path.js-line")
    assert all(len(lines.nth(i).get_attribute("d") or "") > 10 for i in range(lines.count()))
    # Bars with a real size; the heatmap's cells are painted as an image.
    for name in ("changes", "waste", "shared"):
        bars = page.locator(f"[data-chart={name}] .barlayer .point path")
        assert bars.count() > 0, name
        assert any(
            (bars.nth(i).bounding_box() or {}).get("width", 0) > 2 for i in range(bars.count())
        )
    assert page.locator("[data-chart=impact] .hm image").count() == 1
    assert page.locator("[data-chart=impact] .heatmap-label").count() >= 5
    if backend == "sqlite":
        screenshot(page, "dashboard-desktop")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        wait_for_charts(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "dashboard-phone", width=390)


def test_quarter_picker_changes_the_figures(page, example):
    sign_in(page, "manager@example.com")
    page.goto("/dashboard?quarter=2026Q2")
    composite = page.locator("[data-kpi=Composite] .kpi-value")
    assert composite.inner_text() == "69.3"
    page.select_option("#quarter-select", "2026Q1")
    page.wait_for_url("**/dashboard?quarter=2026Q1")
    assert composite.inner_text() == "40.0"
    assert (
        page.locator(
            "[data-kpi=Composite] [data-status], [data-kpi=Composite]"
        ).first.get_attribute("data-status")
        == "new"
    )
    page.click("a[rel=next]")
    page.wait_for_url("**/dashboard?quarter=2026Q2")
    assert composite.inner_text() == "69.3"
    wait_for_charts(page, ("composite",))


def test_a_click_on_a_chart_opens_the_decisions_behind_it(app, page, example):
    sign_in(page, "manager@example.com")
    page.goto("/dashboard?quarter=2026Q2")
    wait_for_charts(page)
    # The last point of the Operations line: its composite in 2026Q2.
    point = page.locator("[data-chart=composite] .scatterlayer .trace .points path").last
    click_centre(page, point)
    page.wait_for_url("**/decisions?**")
    ops = str(example.ops.id)
    assert query(page.url) == ("/decisions", {"team": ops, "scored": "1", "quarter": "2026Q2"})
    log = page.locator("main").inner_text()
    assert "Worked example OPS-3" in log
    assert "Worked example OPS-1" not in log  # decided in 2026Q1

    page.go_back()
    wait_for_charts(page)
    # The heatmap cell of Nature in 2026Q2: the mean over every decision of the quarter, listed.
    heatmap = page.locator("[data-chart=impact] .hm image")
    heatmap.scroll_into_view_if_needed()
    box = heatmap.bounding_box()
    assert box is not None
    groups, quarters = 5, 8
    click_at(
        page,
        box["x"] + box["width"] * (quarters - 0.5) / quarters,
        box["y"] + box["height"] * 3.5 / groups,
    )
    page.wait_for_url("**/decisions?**")
    assert query(page.url) == ("/decisions", {"dashboard": "1", "scored": "1", "quarter": "2026Q2"})
    log = page.locator("main").inner_text()
    assert "Worked example OPS-3" in log  # Nature +2
    assert "Worked example OPS-4" in log  # no effect on Nature: counted in the mean all the same
    assert "Worked example OPS-5" not in log  # a draft counts nowhere


def test_the_table_behind_a_chart_links_to_the_same_decisions(page, example):
    sign_in(page, "manager@example.com")
    page.goto("/teams/operations?quarter=2026Q2")
    wait_for_charts(page, ("composite", "impact", "waste", "shared"))
    card = page.locator("#chart-shared")
    card.locator("summary").click()
    card.get_by_role("link", name="2026Q1").click()
    page.wait_for_url("**/decisions?**")
    assert query(page.url) == (
        "/decisions",
        {"team": str(example.ops.id), "scored": "1", "quarter": "2026Q1"},
    )
    assert "Worked example OPS-1" in page.locator("main").inner_text()


def test_team_page_at_desktop_and_phone_width(page, example, backend):
    sign_in(page, "manager@example.com")
    page.goto("/dashboard?quarter=2026Q2")
    page.get_by_role("link", name="Operations").first.click()
    page.wait_for_url("**/teams/operations?quarter=2026Q2")
    wait_for_charts(page, ("composite", "impact", "waste", "shared"))
    assert page.locator("[data-team-status]").get_attribute("data-team-status") == "improving"
    if backend == "sqlite":
        screenshot(page, "team-desktop")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        wait_for_charts(page, ("composite", "impact", "waste", "shared"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "team-phone", width=390)
