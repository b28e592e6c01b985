"""A consultation's link opens its public page and nothing else: its cookie, sent to every URL
rule of the application, gets no more than a visitor with no cookie at all."""

from __future__ import annotations

from flask import Flask

from scorecard.services.consultation_links import COOKIE
from tests.web.test_routes_by_role import _url, routes, world  # noqa: F401  (world: a fixture)
from tests.web.voice_helpers import answer

# What a visitor with no account may open: signing in, the health check, static files, and
# the public pages of consultations (by their signed link).
# Open to anyone by design: signing in, the health check, static files and the API's
# documentation (the OpenAPI document and its page say nothing of the organisation).
PUBLIC = {
    "auth.login",
    "main.health",
    "static",
    "bootstrap.static",
    "dashboard.plotly_js",
    "api-docs.openapi_json",
    "api_docs.page",
}
PUBLIC_PREFIX = "answering."


def _endpoint(app: Flask, method: str, rule: str) -> str:
    return next(
        r.endpoint for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods
    )


def _ask(app: Flask, method: str, path: str, cookie: str | None):
    client = app.test_client(use_cookies=False)
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    return client.open(path, method=method, headers=headers, data={} if method == "POST" else None)


def test_the_link_cookie_reaches_nothing_but_public_pages(app, world):  # noqa: F811
    public_path = f"/c/{world.values['token']}"
    browser = app.test_client()
    (set_cookie,) = browser.get(public_path).headers.getlist("Set-Cookie")
    assert set_cookie.startswith(f"{COOKIE}=") and "Path=/c/" in set_cookie
    sent = answer(browser, public_path, 1)
    assert sent.status_code == 303 and not sent.headers.getlist("Set-Cookie")
    cookie = browser.get_cookie(COOKIE, path="/c/").value

    reached = {}
    for method, rule in sorted(routes(app)):
        path = _url(app, rule, world.values)
        endpoint = _endpoint(app, method, rule)
        with_cookie = _ask(app, method, path, cookie)
        without = _ask(app, method, path, None)
        same = (with_cookie.status_code, with_cookie.headers.get("Location")) == (
            without.status_code,
            without.headers.get("Location"),
        )
        assert same, f"{method} {rule}: the cookie changed the answer"
        if endpoint in PUBLIC or endpoint.startswith(PUBLIC_PREFIX):
            continue
        reached[f"{method} {rule}"] = with_cookie.status_code
        body = with_cookie.get_data(as_text=True)
        assert "Checked by role" not in body, f"{method} {rule} shows the decision"
    opened = {route: status for route, status in reached.items() if status < 300}
    assert not opened, f"opened with only the link's cookie: {opened}"
    # Every other rule sends to sign-in (the API answers 401), or is not found or not allowed.
    assert set(reached.values()) <= {302, 401, 404, 405}
    for route, status in reached.items():
        if status == 302:
            method, rule = route.split(" ", 1)
            location = _ask(app, method, _url(app, rule, world.values), cookie).headers["Location"]
            assert location.startswith("/login"), f"{route} sends to {location}"
