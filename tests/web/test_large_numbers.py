"""Large numbers never give 500: ids and page numbers out of range are 404, a form's hidden
number out of range is 400. Every URL rule is walked with an id of 2^64 and a page of 2^63."""

from __future__ import annotations

import re
from datetime import date

import pytest
from werkzeug.routing import IntegerConverter

from scorecard.http import LARGEST_NUMBER, digits_at_most
from tests.web.decision_data import new_decision

HUGE_ID = 2**64
HUGE_PAGE = 2**63


def _path(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = HUGE_ID if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_rule_with_a_huge_id_or_page(app, login, org, make):
    make.decision(org.ops, org.staff, decided_on=date(2026, 5, 4))
    client = login(org.admin)
    for rule in app.url_map.iter_rules():
        if "static" in rule.rule or rule.endpoint == "auth.logout":
            continue
        path = _path(rule)
        has_id = any(isinstance(c, IntegerConverter) for c in rule._converters.values())
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for query in ("", f"?page={HUGE_PAGE}", f"?page=-{HUGE_PAGE}"):
                response = client.open(path + query, method=method)
                assert response.status_code < 500, (method, path + query)
                if has_id:
                    assert response.status_code == 404, (method, path, response.status_code)


@pytest.mark.parametrize(
    "path", ["/decisions", "/decisions/due", "/decisions?page=184467440737095516"]
)
def test_log_pages_far_past_the_end(login, org, path):
    client = login(org.staff)
    page = f"{path}?page={HUGE_PAGE}" if "?" not in path else path
    assert client.get(page).status_code == 404
    assert client.get(path.split("?")[0] + "?page=2").status_code == 200  # an empty page is fine


def test_huge_ids_in_the_address(login, org):
    client = login(org.admin)
    for path in ("/decisions/99999999999999999999", "/admin/users/99999999999999999999"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("form", ["edit", "review"])
def test_a_huge_hidden_version_is_refused(app, login, org, make, form):
    decision = make.decision(org.ops, org.staff, decided_on=date(2026, 5, 4))
    client = login(org.staff)
    if form == "edit":
        data = new_decision(app, org.ops.id, version="99999999999999999999")
    else:
        data = {
            "version": "99999999999999999999",
            "reviewed_on": "2026-06-01",
            "what_happened": "As planned.",
        }
    response = client.post(f"/decisions/{decision.id}/{form}", data=data)
    assert response.status_code == 400
    assert "version" in response.get_data(as_text=True).lower()


def test_huge_hidden_ids_in_rows_are_refused(app, login, org, make):
    decision = make.decision(org.ops, org.staff, decided_on=date(2026, 5, 4))
    client = login(org.staff)
    data = new_decision(app, org.ops.id, version="1")
    data["impacts-0-group_id"] = str(HUGE_ID)
    data["waste-0-line_id"] = str(HUGE_ID)
    data["waste-0-category_id"] = str(HUGE_ID)
    data["waste-0-created"] = "1"
    response = client.post(f"/decisions/{decision.id}/edit", data=data)
    assert response.status_code in (302, 400)


def test_a_reply_to_a_comment_out_of_range_is_refused(login, org, make):
    decision = make.decision(org.ops, org.staff, decided_on=date(2026, 5, 4))
    client = login(org.staff)
    response = client.post(
        f"/decisions/{decision.id}/comments",
        data={"body": "A reply", "reply_to": str(HUGE_ID)},
    )
    assert response.status_code == 400
    assert "The comment answered is not on this decision" in response.get_data(as_text=True)


def test_numbers_of_hundreds_of_digits_in_hidden_fields_are_refused(app, login, org, make):
    decision = make.decision(org.ops, org.staff, decided_on=date(2026, 5, 4), decision_taken="x")
    client = login(org.admin)
    huge = "1" + "0" * 400
    data = new_decision(app, org.ops.id, version=huge)
    data["impacts-0-group_id"] = huge
    assert client.post(f"/decisions/{decision.id}/edit", data=data).status_code == 400
    review = {"version": huge, "reviewed_on": "2026-06-01", "what_happened": "x"}
    assert client.post(f"/decisions/{decision.id}/review", data=review).status_code == 400


@pytest.mark.parametrize(
    "number",
    [0, 7, 10**18, 2**63 - 2, 2**63 - 1, 2**63, 10**19 - 1, 2**64, 9_300_000_000_000_000_000],
)
def test_the_address_pattern_takes_exactly_the_numbers_a_column_holds(number):
    pattern = re.compile(digits_at_most(LARGEST_NUMBER))
    assert bool(pattern.fullmatch(str(number))) == (number <= LARGEST_NUMBER)
    assert bool(pattern.fullmatch(f"00{number}")) == (number <= LARGEST_NUMBER)
