"""axe-core on a page, for browser tests written before the shared check in conftest."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import unavailable

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(page, label: str = "") -> None:
    """Fail on any serious or critical finding of axe-core on the page as it is now."""
    if not AXE.exists():
        unavailable("browser tests need axe-core: npm ci --prefix tests/browser")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"accessibility findings on {label or page.url}: {serious}"
