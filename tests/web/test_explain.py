"""Explaining the numbers: the "why" page of a KPI, How scores work, the flags' reasons, and the
log's filters of what the scores count."""

from __future__ import annotations

import re

import pytest

from scorecard.extensions import db
from scorecard.services import reference
from tests.worked_example_orm import store_worked_example

ROW = re.compile(r'<tr data-decision="(\d+)">.*?</tr>', re.S)


@pytest.fixture
def example(app, org):
    return store_worked_example(app), org


def _listed(html: str) -> list[str]:
    return re.findall(r'href="/decisions/\d+">([^<]+)<', html)


def test_why_harm_lists_the_decisions_and_their_parts(login, example):
    ids, org = example
    html = login(org.manager).get("/why/harm?quarter=2026Q1&team=operations").get_data(as_text=True)
    assert "Why Harm % is" in html and ">50.0<" in html
    # Both decisions of the quarter make it up: OPS-2 gives all 50 points, OPS-1 none.
    parts = re.findall(
        r'<tr data-decision="(\d+)">.*?<td class="text-end">([^<]*)</td>\s*'
        r'<td class="text-end">([^<]*)</td>',
        html,
        re.S,
    )
    assert {(int(i), own, part) for i, own, part in parts} >= {
        (ids["OPS-2"], "harm", "50.00"),
        (ids["OPS-1"], "no", "0.00"),
    }
    counted = re.search(r'href="(/decisions\?[^"]+)" data-counted-link', html).group(1)
    assert set(counted.replace("&amp;", "&").split("?")[1].split("&")) == {
        "scored=1",
        "quarter=2026Q1",
        "harm=yes",
        f"team={org.ops.id}",
    }
    assert "How scores work" in html


def test_why_shows_the_composite_parts_and_the_movers(login, example):
    _ids, org = example
    html = (
        login(org.manager)
        .get("/why/composite?quarter=2026Q2&team=operations")
        .get_data(as_text=True)
    )
    assert "What each KPI gives the composite" in html
    assert 'class="why-value" data-value="69.33' in html
    assert 'data-kpi="Review %"' in html
    review = login(org.manager).get("/why/review?quarter=2026Q2&team=operations")
    text = review.get_data(as_text=True)
    assert review.status_code == 200 and "Why Review % is <span" in text
    assert len(ROW.findall(text)) == 3  # OPS-1, OPS-2 and OPS-3 are due in 2026Q2


def test_why_of_a_team_you_may_not_see_is_not_found(login, example):
    _, org = example
    client = login(org.other_staff)
    assert client.get("/why/harm?quarter=2026Q1&team=operations").status_code == 404
    assert client.get("/why/no-such-kpi?quarter=2026Q1").status_code == 404


def test_how_scores_work_shows_the_current_method(app, login, example):
    _, org = example
    html = login(org.staff).get("/how-scores-work").get_data(as_text=True)
    assert "Scoring method version 1" in html
    assert 'id="kpi-harm"' in html and "−2 (harm) or −3 (serious harm)" in html
    assert re.search(r'data-weight="impact"><th scope="row">Impact index</th><td[^>]*>30<', html)
    assert "OPS-1" in html and "33.333" in html
    with app.app_context(), db.writing() as session:
        weights = {**reference.current_weights(session), "impact": 45.0}
        admin = session.get(type(org.admin), org.admin.id)
        reference.save_weights(session, admin, weights, "more impact")
    html = login(org.staff).get("/how-scores-work").get_data(as_text=True)
    assert "Scoring method version 2" in html
    assert re.search(r'data-weight="impact"><th scope="row">Impact index</th><td[^>]*>45<', html)


def test_each_flag_says_why(login, example):
    ids, org = example
    html = login(org.staff).get(f"/decisions/{ids['OPS-2']}").get_data(as_text=True)
    assert "Harm: Workers is rated −2 (harm); −2 or lower counts as harm." in html
    assert "No shared value: it has a group rated −2 (harm) or −3 (serious harm)." in html
    html = login(org.staff).get(f"/decisions/{ids['OPS-1']}").get_data(as_text=True)
    assert "No harm: no group is rated −2 or lower." in html
    assert "No shared value: the business index is −33.3; both must be above 0." in html
    assert "Consultation 40 %: 2 of the 5 affected groups were asked" in html


def test_the_log_filters_what_the_scores_count(login, example, make):
    _ids, org = example
    client = login(org.manager)
    team = org.ops.id

    def titles(query: str) -> set[str]:
        return set(_listed(client.get(f"/decisions?team={team}&{query}").get_data(as_text=True)))

    assert titles("scored=1&quarter=2026Q1&harm=yes") == {"Worked example OPS-2"}
    assert titles("scored=1&quarter=2026Q2&shared=yes") == {
        "Worked example OPS-3",
        "Worked example OPS-4",
    }
    assert titles("neutral=no&quarter=2026Q1") == {"Worked example OPS-2"}
    assert titles("due_in=2026Q2") == {
        "Worked example OPS-1",
        "Worked example OPS-2",
        "Worked example OPS-3",
    }
    assert titles("due_in=2026Q2&in_time=yes") == {"Worked example OPS-1"}
    assert titles("reviewed_in=2026Q2") == {"Worked example OPS-1"}
    assert titles("consultation=full") == {"Worked example OPS-3"}
    assert titles("consultation=partial&quarter=2026Q2") == {"Worked example OPS-4"}
    assert titles("consultation=none&quarter=2026Q1") == {"Worked example OPS-2"}
    # Drafts never count: OPS-5 is a draft of 2026Q2.
    assert "Worked example OPS-5" not in titles("scored=1&quarter=2026Q2")
    make.decision(org.ops, org.staff, title="Tagged one", tags="Packaging, supply chain")
    assert titles("tag=supply%20chain") == {"Tagged one"}
    assert titles("tag=packaging") == {"Tagged one"}
    assert titles(f"author_email={org.staff.email.upper()}") == {"Tagged one"}
    bad = client.get(f"/decisions?team={team}&due_in=2026Q9")
    assert bad.status_code == 200 and "quarter must look like 2026Q3" in bad.get_data(as_text=True)
