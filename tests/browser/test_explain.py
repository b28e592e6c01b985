"""Explaining the numbers in Chromium: a KPI card opens its "why" page, a decision from there and
back; the pages fixed for a new user, at 1280 and 390 px, each checked with axe-core; and the
screenshots of the dashboard, a "why" page and How scores work, on the demo organisation."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import example, wait_for_charts  # noqa: F401

pytestmark = pytest.mark.browser
WIDTHS = (1280, 390)


def test_a_kpi_card_explains_itself_down_to_a_decision_and_back(page, example):  # noqa: F811
    sign_in(page, example.admin.email)
    page.goto("/dashboard?quarter=2026Q1")
    wait_for_charts(page)
    page.click("[data-kpi='Harm %'] [data-why]")
    page.wait_for_url(re.compile(r"/why/harm\?quarter=2026Q1"))
    assert page.locator("h1").inner_text().startswith("Why Harm % is")
    first = page.locator("tr[data-decision] a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/decisions/\d+$"))
    assert page.locator("h1").inner_text() == title
    assert "counts as harm" in page.locator("[data-reason=harm]").inner_text()
    page.go_back()
    page.wait_for_url(re.compile(r"/why/harm"))
    page.click("text=Back to the dashboard")
    page.wait_for_url(re.compile(r"/dashboard\?quarter=2026Q1"))
    # The card's own link lists the harmful decisions, as many as the card counts.
    page.click("[data-kpi='Harm %'] [data-log]")
    page.wait_for_url(re.compile(r"harm=yes"))
    # 2026Q1: OPS-2 rates Workers −2, and Sales rated Nature −2.
    assert re.search(r"\b2 decisions match", page.locator(".page-head").inner_text())


def _fits(page, selector: str) -> bool:
    return page.evaluate(
        "s => { const e = document.querySelector(s); return e.scrollWidth <= e.clientWidth + 1 }",
        selector,
    )


def test_the_dashboard_on_a_phone(page, example):  # noqa: F811
    sign_in(page, example.admin.email)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/dashboard?quarter=2026Q2")
    wait_for_charts(page)
    # The Teams table shows every column, badges whole, with nothing behind a hidden scroll.
    assert _fits(page, "#teams .table-responsive")
    header = page.locator("#teams thead th").all_inner_texts()
    assert any(h.strip().upper().startswith("DEC") for h in header), header
    assert page.locator("#teams tbody tr .status-badge").first.is_visible()
    # The composite chart's quarter labels stay clear of its legend.
    boxes = page.evaluate(
        """() => {
          const chart = document.querySelector('[data-chart=composite]');
          const ticks = [...chart.querySelectorAll('.xtick text')].map(t => t.getBoundingClientRect());
          const legend = chart.querySelector('.legend');
          return {ticks: ticks.map(r => [r.top, r.bottom]),
                  legend: legend ? [legend.getBoundingClientRect().top] : null};
        }"""
    )
    if boxes["legend"]:
        assert all(bottom <= boxes["legend"][0] for _, bottom in boxes["ticks"])
    screenshot(page, "dashboard-phone-fixes", 390)


def test_a_hover_label_stays_inside_its_chart(page, example):  # noqa: F811
    sign_in(page, example.admin.email)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/dashboard?quarter=2026Q2")
        wait_for_charts(page)
        for name in ("composite", "waste", "shared", "changes"):
            # The last point of the first trace: the one nearest the right edge.
            inside = page.evaluate(
                """name => {
                  const chart = document.querySelector(`[data-chart=${name}]`);
                  const trace = chart.data[0];
                  const last = (trace.x || trace.y).length - 1;
                  window.Plotly.Fx.hover(chart, [{curveNumber: 0, pointNumber: last}]);
                  const box = chart.getBoundingClientRect();
                  return [...chart.querySelectorAll('.hoverlayer .hovertext')].map(label => {
                    const r = label.getBoundingClientRect();
                    return r.left >= box.left - 1 && r.right <= box.right + 1;
                  });
                }""",
                name,
            )
            assert inside and all(inside), (name, width)


def test_dates_and_money_as_people_write_them(page, example, make):  # noqa: F811
    sign_in(page, example.admin.email)
    page.goto("/dashboard")
    for time in page.locator("#due time").all_inner_texts():
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", time), time
    page.goto("/dashboard?quarter=2026Q1")
    value = page.locator("[data-kpi='Net waste avoided'] .kpi-value").inner_text()
    assert value.startswith("$") or value.startswith("-$"), value
    screenshot(page, "dashboard-money", 1280)


def test_the_heat_map_reads_the_same_way_on_both_pages(page, example):  # noqa: F811
    sign_in(page, example.admin.email)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        orientations = []
        for address in ("/dashboard?quarter=2026Q2", "/teams/operations?quarter=2026Q2"):
            page.goto(address)
            wait_for_charts(page, ("impact",))
            orientations.append(
                page.evaluate(
                    """() => { const c = document.querySelector('[data-chart=impact]');
                      const x = [...c.querySelectorAll('.xtick text')].map(t => t.textContent);
                      const y = [...c.querySelectorAll('.ytick text')].map(t => t.textContent);
                      return [x[x.length - 1], y[0]]; }"""
                )
            )
            name = address.split("?")[0].strip("/").replace("/", "-")
            screenshot(page, f"heatmap-{name}-{width}")
        assert orientations[0] == orientations[1], width
        quarters_across = orientations[0][0] == "2026Q2"
        assert quarters_across == (width >= 576), width


def test_the_scorecards_page_offers_quarters_with_data(page, example):  # noqa: F811
    sign_in(page, example.manager.email)
    page.goto("/exports")
    offered = page.locator("select[name=quarter] option").all_inner_texts()
    assert offered[-1].startswith("2025Q4"), offered  # the first decision is of 2025Q4
    assert "in progress, day" in offered[0]
    selected = page.locator("select[name=quarter]").input_value()
    assert offered[1].startswith(selected)  # the last complete quarter
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"scorecards-{width}")


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_screenshots_of_the_demo(page, demo):
    page.goto("/login")
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", "do-better-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/dashboard")
        wait_for_charts(page)
        screenshot(page, f"dashboard-{width}")
        page.click("[data-kpi='Harm %'] [data-why]")
        page.wait_for_load_state()
        screenshot(page, f"why-harm-{width}")
        page.goto("/how-scores-work")
        screenshot(page, f"how-scores-work-{width}")
