"""The worked example of SCORING.md as decisions in the database, and a reader of the page's JSON."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from typing import Any

from tests.domain.worked_example import WORKED_EXAMPLE

GROUPS = ("Workers", "Customers", "Communities", "Nature", "Owners")
CATEGORIES = ("Materials", "Energy", "Water", "Travel", "Staff time", "Spend")


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def add_worked_example(make: Any, team: Any, author: Any = None) -> None:
    """OPS-1..OPS-5 of the worked example, in `team`."""
    with WORKED_EXAMPLE.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            decided_on = _day(row["decided_on"])
            make.decision(
                team,
                author,
                title=row["title"],
                decided_on=decided_on,
                status=row["status"],
                impacts={g: int(row[f"impact: {g}"]) for g in GROUPS if row[f"impact: {g}"]},
                consulted=tuple(g for g in GROUPS if row[f"consulted: {g}"].lower() == "yes"),
                actuals={g: int(row[f"actual: {g}"]) for g in GROUPS if row[f"actual: {g}"]},
                waste=[
                    (c, float(row[f"created: {c}"] or 0), float(row[f"avoided: {c}"] or 0))
                    for c in CATEGORIES
                    if row[f"created: {c}"] or row[f"avoided: {c}"]
                ],
                # Without a review date, one far away keeps the example's review counts.
                review_due=_day(row["review_due"]) or date(2030, 1, 1),
                reviewed_on=_day(row["reviewed_on"]),
                external_id=row["external_id"],
            )


def json_block(html: str, block_id: str) -> Any:
    """The JSON data block of the page with this id, read strictly (no NaN)."""
    match = re.search(
        rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.DOTALL
    )
    assert match, f"no JSON block {block_id}"

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(match.group(1), parse_constant=refuse)
