"""A live server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, unavailable

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, the level the pages promise; best practices are left to review.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        unavailable(
            f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("browser tests need the playwright package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        unavailable(
            "browser tests need axe-core from the npm registry (make test runs "
            "npm ci in tests/browser; it needs Node.js and npm)"
        )
    return _axe_script()


@functools.cache
def _axe_script() -> str:
    return AXE.read_text(encoding="utf-8")


def assert_accessible(page, label: str = "") -> None:
    """Run axe-core on the page as it is now and fail on any serious or critical finding.

    The checker is evaluated through the DevTools protocol, so the page's CSP (which allows
    no inline script) stays as strict as it is for users."""
    if not _scripts_run(page):
        _check_copy_with_scripts(page, label or page.url)
        return
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_script() + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            f"{node['target'][0] if node['target'] else '?'}: {node.get('failureSummary', '')}"
            for node in v["nodes"][:5]
        )
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    where = label or page.url
    assert serious == [], f"accessibility findings on {where}: {serious}"


def _scripts_run(page) -> bool:
    """False in a context opened with JavaScript off, where axe's timers would never fire."""
    page.evaluate(
        "() => { window.__axeTimer = false; setTimeout(() => { window.__axeTimer = true }, 0) }"
    )
    page.wait_for_timeout(100)
    return page.evaluate("() => window.__axeTimer === true")


def _check_copy_with_scripts(page, label: str) -> None:
    """Check a page shown with JavaScript off: the same document, in a page where axe can run."""
    html = page.content()
    size = page.viewport_size or {"width": 1280, "height": 900}
    origin = "/".join(page.url.split("/", 3)[:3])
    context = page.context.browser.new_context(viewport=size)
    try:
        copy = context.new_page()
        address = f"{origin}/accessibility-check-copy"
        copy.route(address, lambda route: route.fulfill(body=html, content_type="text/html"))
        copy.goto(address)
        assert_accessible(copy, f"{label}, checked as a copy (the page ran without JavaScript)")
    finally:
        context.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _is_error(message) -> bool:
    # A refused form answers 400 or 409 on purpose; Chromium logs that document load too.
    expected = ("status of 400", "status of 409")
    return message.type == "error" and not any(text in message.text for text in expected)


@pytest.fixture
def page(browser, live_server, axe_source):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)  # a shared CI machine can be slow
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if _is_error(msg) else None)
    yield page
    try:
        if not page.is_closed() and page.url.startswith(live_server):
            assert_accessible(page, f"the last page of the test ({page.url})")
    finally:
        context.close()
    assert errors == [], f"the browser reported errors: {errors}"


def screenshot(page, name: str, width: int | None = None) -> Path:
    """Save a full-page screenshot under test-artifacts/ to look at, after checking the page
    with axe-core at that width."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if width:
        page.set_viewport_size({"width": width, "height": 900})
    assert_accessible(page, f"{name} ({page.url})")
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in on the sign-in page as a person would, as `email`, whoever was signed in before.

    The page is left first, and the cookies cleared; a response still under way when they are
    cleared (the browser's own favicon request is not stopped by leaving the page) can set the
    session cookie again, and then the sign-in page sends the old person on. So the sign-in form
    is awaited, and the clearing done again if it is not there; then it waits until the sign-in
    page sends the new person on."""
    for _ in range(5):
        page.goto("about:blank")
        page.context.clear_cookies()
        page.goto("/login")
        if "/login" in page.url:
            break
    else:
        raise AssertionError(f"the sign-in page kept sending the browser on, to {page.url}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state()
