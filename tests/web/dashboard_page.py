"""Reading the dashboard's pages: links, KPI cards, scripts and the JSON data blocks."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Page(HTMLParser):
    """Links, KPI cards and script tags of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.cards: dict[str, dict[str, str]] = {}
        self.scripts: list[dict[str, str | None]] = []
        self._card: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if "data-kpi" in values:
            self._card = values["data-kpi"] or ""
            self.cards[self._card] = {k: v or "" for k, v in values.items()}
        if tag == "a" and self._card is not None:
            # A card's links: its decisions in the log, its "why" page, its method.
            card = self.cards[self._card]
            if "data-log" in values:
                card["href"] = values["href"] or ""
            elif "data-why" in values:
                card["why"] = values["href"] or ""
            elif "kpi-info" in (values.get("class") or ""):
                card["info"] = values["href"] or ""
        if tag == "script":
            self.scripts.append(values)

    def log_filters(self) -> list[dict[str, str]]:
        """The query of every link to the decision log, as plain dicts."""
        found = []
        for link in self.links:
            parts = urlsplit(link)
            if parts.path == "/decisions":
                found.append({k: v[0] for k, v in parse_qs(parts.query).items()})
        return found


def json_block(html: str, block_id: str) -> Any:
    """The JSON data block of the page with this id, read strictly (no NaN)."""
    match = re.search(
        rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.DOTALL
    )
    assert match, f"no JSON block {block_id}"

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(match.group(1), parse_constant=refuse)


def group_ids(app: Any) -> dict[str, str]:
    """Stakeholder group ids by name, as the log's `group` filter takes them."""
    from scorecard.extensions import db
    from scorecard.services import reference

    with app.app_context():
        return {g.name: str(g.id) for g in reference.all_groups(db.session)}
