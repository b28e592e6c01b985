"""The Content-Security-Policy allows no inline style: styles come from files, and a <style>
element only with the response's nonce. No page relies on a style attribute."""

from __future__ import annotations

import re
from datetime import date

STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b([^>]*)>", re.I)


def _style_src(response) -> str:
    csp = response.headers["Content-Security-Policy"]
    return next(d for d in csp.split(";") if d.strip().startswith("style-src")).strip()


def test_style_src_has_a_fresh_nonce_and_no_unsafe_inline(client, org):
    first, second = client.get("/login"), client.get("/login")
    for response in (first, second):
        assert "'unsafe-inline'" not in _style_src(response)
        assert re.fullmatch(r"style-src 'self' 'nonce-[\w-]{20,}'", _style_src(response))
    assert _style_src(first) != _style_src(second)


def test_no_page_has_inline_style_without_the_nonce(app, login, org, make):
    decision = make.decision(
        org.ops,
        org.staff,
        decided_on=date(2026, 5, 4),
        impacts={"Workers": -2, "Nature": 3},
        waste=[("Energy", 10, 200)],
    )
    client = login(org.admin)
    pages = [
        "/dashboard",
        f"/teams/{org.ops.slug}",
        "/decisions",
        "/decisions/due",
        "/decisions/new",
        f"/decisions/{decision.id}",
        f"/decisions/{decision.id}/edit",
        f"/decisions/{decision.id}/review",
        "/exports",
        "/imports",
        "/account",
        "/admin/users",
        "/admin/teams",
        "/admin/groups",
        "/admin/categories",
        "/admin/weights",
        "/admin/methods",
        "/decisions/424242",
    ]
    for page in pages:
        response = client.get(page)
        html = response.get_data(as_text=True)
        assert not STYLE_ATTRIBUTE.search(html), page
        nonce = re.search(r"'nonce-([\w-]+)'", _style_src(response)).group(1)
        for attributes in STYLE_ELEMENT.findall(html):
            assert f'nonce="{nonce}"' in attributes, page
