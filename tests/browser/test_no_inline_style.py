"""Every page renders under a CSP without 'unsafe-inline' styles: the browser reports no
violation, charts are drawn, and the pages are looked at wide and narrow."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import CHARTS, example, wait_for_charts  # noqa: F401

pytestmark = pytest.mark.browser

WATCH = """
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', event => {
    window.__violations.push(event.violatedDirective + ' ' + (event.sample || ''));
  });
"""


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_render_without_inline_style(page, example, make, width):  # noqa: F811
    decision = make.decision(
        example.ops,
        example.staff,
        title="Index bar and impacts",
        decided_on=date(2026, 5, 4),
        impacts={"Workers": -2, "Nature": 3, "Owners": 1},
        waste=[("Energy", 10, 200)],
    )
    page.add_init_script(WATCH)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "admin@example.com")
    pages = {
        "dashboard": "/dashboard?quarter=2026Q2",
        "team": f"/teams/{example.ops.slug}?quarter=2026Q2",
        "decision": f"/decisions/{decision.id}",
        "edit": f"/decisions/{decision.id}/edit",
        "log": "/decisions",
    }
    for name, path in pages.items():
        page.goto(path)
        page.wait_for_load_state()
        if name == "dashboard":
            wait_for_charts(page)
            assert page.locator(".js-plotly-plot .main-svg").count() >= len(CHARTS)
        if name == "decision":
            bar = page.locator("svg.index-bar rect.index-bar-fill")
            assert float(bar.get_attribute("width")) > 0
            box = page.locator("svg.index-bar").bounding_box()
            assert box["width"] > 100 and box["height"] > 4
        screenshot(page, f"no-inline-style-{name}-{width}")
        assert page.evaluate("window.__violations") == [], name
