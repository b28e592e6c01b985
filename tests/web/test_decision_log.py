"""The log at /decisions: filters in the address, search, sorting, pages, figures per row; and
the reviews that are due."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from scorecard.extensions import db
from scorecard.models import Decision
from scorecard.services import choice_lists, reference, scores

LATER = max(date.today(), date(2026, 6, 1)) + timedelta(days=200)


def titles(html: str) -> list[str]:
    """The titles listed, without the marks of a text search."""
    found = re.findall(r'<a class="decision-title" href="/decisions/\d+">(.*?)</a>', html)
    return [re.sub(r"</?mark>", "", title) for title in found]


@pytest.fixture
def log(app, make, org):
    """A few decisions of both teams, each with something to filter on."""
    with app.app_context():
        ids = {g.name: g.id for g in reference.active_groups(db.session)}
    assert (ids["Workers"], ids["Nature"]) == (1, 4)  # the addresses below use these ids
    make.decision(
        org.ops,
        org.staff,
        title="Electric vans",
        decided_on=date(2026, 2, 10),
        review_due=LATER,
        impacts={"Workers": 2, "Nature": 3, "Owners": 1},
        context="Diesel prices 100% up",
    )
    make.decision(
        org.ops,
        org.manager,
        title="Close the night shift",
        decided_on=date(2026, 5, 3),
        review_due=LATER,
        impacts={"Workers": -3, "Owners": 2},
        question="Can we save on overtime?",
    )
    make.decision(
        org.ops,
        org.staff,
        title="Recycled packaging",
        decided_on=date(2026, 5, 20),
        review_due=LATER,
        status="draft",
        impacts={"Nature": 1},
    )
    make.decision(
        org.ops,
        org.staff,
        title="Quarterly supplier audit",
        decided_on=date.today() - timedelta(days=120),
        review_due=date.today() - timedelta(days=5),
        impacts={"Communities": 1},
    )
    make.decision(org.sales, org.other_staff, title="Sales secret", decided_on=date(2026, 2, 1))
    return org


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            {
                "Electric vans",
                "Close the night shift",
                "Recycled packaging",
                "Quarterly supplier audit",
            },
        ),
        ("q=VANS", {"Electric vans"}),
        ("q=overtime", {"Close the night shift"}),  # the question is searched
        ("q=diesel+100%25", {"Electric vans"}),  # the context, with % taken literally
        ("q=elec", {"Electric vans"}),  # the start of a word
        ("q=ectric", set()),  # never the middle of one
        ("q=100_", {"Electric vans"}),  # punctuation separates words, wildcards are none
        ("q=%22vans%22+OR+NOT", set()),  # the index's own operators are words like any
        ("q=night+shift", {"Close the night shift"}),  # every word must appear
        ("quarter=2026Q2", {"Close the night shift", "Recycled packaging"}),
        ("quarter=2026q1", {"Electric vans"}),
        ("status=draft", {"Recycled packaging"}),
        ("due=y", {"Quarterly supplier audit"}),
        ("group=1&effect=harmed", {"Close the night shift"}),
        ("group=1&effect=helped", {"Electric vans"}),
        ("group=4", {"Electric vans", "Recycled packaging"}),
        # Another team is no choice: the filter is refused, and nothing of that team shows.
        (
            "team=2",
            {
                "Electric vans",
                "Close the night shift",
                "Recycled packaging",
                "Quarterly supplier audit",
            },
        ),
    ],
)
def test_filters_live_in_the_address(client, login, log, query, expected):
    client = login(log.staff)
    response = client.get(f"/decisions?{query}")
    assert response.status_code == 200
    assert set(titles(response.get_data(as_text=True))) == expected


def test_a_bad_filter_is_named_and_ignored(client, login, log):
    client = login(log.staff)
    html = client.get("/decisions?quarter=2026Q7&status=bogus").get_data(as_text=True)
    assert "quarter must look like 2026Q3" in html
    assert "Not a valid choice" in html
    assert len(titles(html)) == 4


def test_admins_see_every_team(client, login, log):
    client = login(log.admin)
    html = client.get("/decisions").get_data(as_text=True)
    assert "Sales secret" in titles(html)


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("newest", "Quarterly supplier audit"),
        ("oldest", "Electric vans"),
        ("title", "Close the night shift"),
        ("impact_high", "Electric vans"),
        ("impact_low", "Close the night shift"),
        ("due", "Quarterly supplier audit"),
    ],
)
def test_sorting(client, login, log, sort, first):
    client = login(log.staff)
    assert titles(client.get(f"/decisions?sort={sort}").get_data(as_text=True))[0] == first


def test_each_row_shows_its_impact_index_and_badge(client, login, log):
    client = login(log.staff)
    html = client.get("/decisions?q=vans").get_data(as_text=True)
    # Electric vans: 100·(2+3+1)/15 = 40, societal > 0, business > 0, no harm: shared value.
    assert '<span class="figure figure-pos">+40</span>' in html
    assert "Shared value" in html
    html = client.get("/decisions?q=night").get_data(as_text=True)
    assert '<span class="figure figure-neg">-7</span>' in html  # 100·(−3+2)/15
    assert "Harm" in html


def test_fifty_a_page_with_links_that_keep_the_filters(app, make, org, login):
    for i in range(53):
        make.decision(org.ops, org.staff, title=f"Routine {i:02d}", decided_on=date(2026, 1, 1))
    client = login(org.staff)
    first = client.get("/decisions?q=routine&sort=title").get_data(as_text=True)
    assert len(titles(first)) == 50
    assert "Showing 1–50 of 53" in first
    assert 'href="/decisions?page=2&amp;q=routine&amp;sort=title"' in first
    second = client.get("/decisions?q=routine&sort=title&page=2").get_data(as_text=True)
    assert titles(second) == ["Routine 50", "Routine 51", "Routine 52"]
    beyond = client.get("/decisions?q=routine&sort=title&page=99").get_data(as_text=True)
    assert titles(beyond) == titles(second)  # past the end: the last page


def test_figures_are_loaded_for_the_whole_page_at_once(app, make, org, login, monkeypatch):
    """The number of queries does not grow with the rows, and the scoring module is asked once."""
    calls: list[int] = []
    real = scores.row_figures

    def counting(session, ids, **kwargs):
        calls.append(len(ids))
        return real(session, ids, **kwargs)

    monkeypatch.setattr(scores, "row_figures", counting)
    client = login(org.staff)
    engine = app.extensions["database"].engine
    statements: list[str] = []

    def listen(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for_the_log() -> int:
        statements.clear()
        choice_lists.forget()  # the filter lists are read each time, as on a first visit
        event.listen(engine, "before_cursor_execute", listen)
        try:
            assert client.get("/decisions").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        return len(statements)

    for i in range(3):
        make.decision(org.ops, org.staff, title=f"Few {i}", waste=[("Energy", 0, 1)])
    few = queries_for_the_log()
    for i in range(57):
        make.decision(org.ops, org.staff, title=f"Many {i}", waste=[("Energy", 0, 1)])
    many = queries_for_the_log()
    assert many == few
    assert calls == [3, 50]


def test_the_rows_show_the_figures_of_the_scoring_module(app, log):
    """The log's rows read the impacts alone; their figures are those of every decision's."""
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Decision.id)))
        rows = scores.row_figures(db.session, ids)
        whole = scores.decision_figures(db.session, ids)
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("decision_id")
    assert list(frame.columns) == ["impact_index", "harm", "shared_value"]
    assert sorted(rows) == sorted(ids)
    pd.testing.assert_frame_equal(frame.sort_index(), whole[list(frame.columns)].sort_index())
    assert frame["harm"].any() and frame["shared_value"].any()


def test_the_due_view_and_the_navigation_count_agree(app, make, org, login):
    for days in (1, 10, 40):
        make.decision(
            org.ops,
            org.staff,
            title=f"Due {days} days ago",
            decided_on=date.today() - timedelta(days=100),
            review_due=date.today() - timedelta(days=days),
        )
    make.decision(
        org.ops, org.staff, title="Due next week", review_due=date.today() + timedelta(days=7)
    )
    make.decision(
        org.ops,
        org.staff,
        title="Reviewed already",
        review_due=date.today(),
        reviewed_on=date.today(),
        status="reviewed",
    )
    make.decision(org.ops, org.staff, title="Archived", review_due=date.today(), archived=True)
    make.decision(org.sales, org.other_staff, title="Other team due", review_due=date.today())
    client = login(org.staff)
    html = client.get("/decisions/due").get_data(as_text=True)
    due = titles(html)
    assert due[:3] == ["Due 40 days ago", "Due 10 days ago", "Due 1 days ago"]
    listed_due = due[:3]
    assert "Due next week" in due[3:]  # coming up
    assert "Reviewed already" not in due
    assert "Other team due" not in due
    badge = re.search(r'text-bg-warning ms-1">(\d+)<span class="visually-hidden"> due', html)
    assert badge is not None
    assert int(badge.group(1)) == len(listed_due)
    assert titles(client.get("/decisions?due=y&sort=due").get_data(as_text=True)) == listed_due


def test_the_quarters_offered_are_those_holding_decisions_one_can_see(app, make, log):
    from scorecard.domain.quarters import Quarter
    from scorecard.models import User
    from scorecard.services import decision_log

    make.decision(log.sales, log.other_staff, title="Long ago", decided_on=date(2019, 8, 1))
    with app.app_context():
        session = db.session
        for person in (log.admin, log.staff):
            user = session.get(User, person.id)
            seen = session.scalars(
                sa.select(Decision.decided_on).where(decision_log.visible_clause(session, user))
            )
            expected = sorted({Quarter.of(day) for day in seen}, reverse=True)
            assert decision_log.quarters(session, user) == expected, person.email
            assert decision_log.quarters(session, user, limit=2) == expected[:2]
        admin = session.get(User, log.admin.id)
        assert Quarter(2019, 3) in decision_log.quarters(session, admin)
        staff = session.get(User, log.staff.id)
        assert Quarter(2019, 3) not in decision_log.quarters(session, staff)
