"""The dashboard and a team's page: who sees what, the worked example's figures, the links."""

from __future__ import annotations

import gzip
from datetime import date

import pytest

from scorecard.domain.quarters import Quarter
from scorecard.views import dashboard as dashboard_view
from tests.conftest import PASSWORD
from tests.web.dashboard_page import Page, json_block
from tests.worked_example_orm import store_worked_example


@pytest.fixture
def example(app, make, org):
    store_worked_example(app)
    make.decision(
        org.sales,
        org.other_staff,
        title="Local supplier for printing",
        decided_on=date(2026, 5, 5),
        impacts={"Communities": 2, "Owners": 1},
        consulted=("Communities",),
        waste=[("Travel", 0, 300)],
    )
    return org


def test_anonymous_is_sent_to_sign_in(client):
    for path in ("/dashboard", "/teams/operations"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_team_page_shows_the_worked_example(login, example):
    html = login(example.manager).get("/teams/operations?quarter=2026Q2").get_data(as_text=True)
    cards = Page(html).cards
    assert float(cards["Composite"]["data-value"]) == pytest.approx(69.333, abs=1e-3)
    assert float(cards["Composite"]["data-previous"]) == pytest.approx(40.0)
    assert cards["Composite"]["data-status"] == "improving"
    assert float(cards["Review %"]["data-value"]) == pytest.approx(33.333, abs=1e-3)
    assert cards["Review %"]["data-previous"] == "null"
    assert cards["Review %"]["data-status"] == "new"
    assert float(cards["Calibration error"]["data-value"]) == pytest.approx(0.6)
    assert float(cards["Net waste avoided"]["data-value"]) == pytest.approx(-150)
    assert float(cards["Harm %"]["data-previous"]) == pytest.approx(50)
    assert cards["Harm %"]["data-status"] == "improving"  # 50 % → 0 %: less harm
    assert cards["Decisions"]["data-status"] == ""
    assert "+29.3 vs 2026Q1" in html
    assert "scoring method version 1" in html
    # The table of the last 8 quarters, newest first; an empty figure is a dash, never 0.
    history = html[html.index('id="history"') :]
    assert (
        history.index(">2026Q2</a>") < history.index(">2026Q1</a>") < history.index(">2025Q3</a>")
    )
    assert '<td class="text-end">—</td>' in history


def test_dashboard_shows_the_teams_of_the_user(login, example):
    def teams(user):
        client = login(user)
        data = json_block(
            client.get("/dashboard?quarter=2026Q2").get_data(as_text=True), "dashboard-scores"
        )
        client.post("/logout")
        return [row["Team"] for row in data["teams"]]

    assert teams(example.admin) == ["Operations", "Sales", "All teams"]
    assert teams(example.manager) == ["Operations", "All teams"]
    assert teams(example.staff) == ["Operations", "All teams"]
    assert teams(example.other_staff) == ["Sales", "All teams"]


def test_a_manager_sees_the_teams_they_manage_not_those_they_only_belong_to(make, login, example):
    boss = make.user(
        "boss@example.com", "manager", teams=(example.ops, example.sales), manages=(example.sales,)
    )
    client = login(boss)
    data = json_block(
        client.get("/dashboard?quarter=2026Q2").get_data(as_text=True), "dashboard-scores"
    )
    assert [row["Team"] for row in data["teams"]] == ["Sales", "All teams"]
    # Operations is still a team of theirs: its page opens.
    assert client.get("/teams/operations").status_code == 200


def test_a_team_you_may_not_see_is_not_found(login, example):
    client = login(example.other_staff)
    assert client.get("/teams/operations").status_code == 404
    assert client.get("/teams/no-such-team").status_code == 404
    assert client.get("/teams/sales").status_code == 200
    client.post("/logout")
    client = login(example.manager)
    assert client.get("/teams/sales").status_code == 404
    client.post("/logout")
    assert login(example.admin).get("/teams/sales").status_code == 200


def test_a_user_without_a_team_sees_an_empty_dashboard(make, login, org):
    loner = make.user("loner@example.com", "staff")
    response = login(loner).get("/dashboard")
    assert response.status_code == 200
    assert "There is no team on your dashboard yet." in response.get_data(as_text=True)


def test_the_quarter_is_the_current_one_unless_chosen(login, example):
    client = login(example.manager)
    today = Quarter.of(date.today())
    html = client.get("/dashboard").get_data(as_text=True)
    assert f"<title>Dashboard {today} · Do Better</title>" in html
    assert f"Last complete quarter, {today.prev()}" in html
    assert f"/dashboard?quarter={today.prev()}" in html
    html = client.get("/dashboard?quarter=2026q2").get_data(as_text=True)
    assert "<title>Dashboard 2026Q2 · Do Better</title>" in html
    assert client.get("/dashboard?quarter=2026Q5").status_code == 400
    assert client.get("/teams/operations?quarter=last").status_code == 400


def test_every_card_and_chart_leads_to_its_decisions(app, login, example):
    html = login(example.admin).get("/dashboard?quarter=2026Q2").get_data(as_text=True)
    page = Page(html)
    filters = page.log_filters()
    every = {"dashboard": "1", "scored": "1"}
    assert {**every, "quarter": "2026Q2"} in filters  # the organisation's KPI cards
    ops, sales = str(example.ops.id), str(example.sales.id)
    assert {"team": ops, "scored": "1", "quarter": "2026Q2"} in filters  # a team's row, point
    assert {"team": ops, "scored": "1", "quarter": "2026Q1"} in filters  # a point of the trend
    assert {"team": sales, "scored": "1", "quarter": "2026Q1"} not in filters  # no figure
    assert {"due": "1"} in filters
    # Each card opens exactly what its KPI counts, says why, and how it is computed.
    cards = page.cards
    assert cards["Harm %"]["href"] == "/decisions?dashboard=1&scored=1&quarter=2026Q2&harm=yes"
    assert cards["Shared value %"]["href"].endswith("&shared=yes")
    assert cards["Waste-neutral %"]["href"].endswith("&neutral=yes")
    assert cards["Consultation %"]["href"].endswith("&consultation=defined")
    assert cards["Review %"]["href"] == "/decisions?dashboard=1&scored=1&due_in=2026Q2"
    assert (
        cards["Calibration error"]["href"] == "/decisions?dashboard=1&scored=1&reviewed_in=2026Q2"
    )
    assert cards["Harm %"]["why"] == "/why/harm?quarter=2026Q2"
    assert cards["Harm %"]["info"] == "/how-scores-work#kpi-harm"

    charts = json_block(html, "dashboard-charts")
    assert set(charts) == {"composite", "changes", "impact", "waste", "shared"}
    for name, figure in charts.items():
        assert figure["data"], f"{name} has no trace"
        for trace in figure["data"]:
            points = trace["customdata"]
            flat = [p for row in points for p in row] if trace["type"] == "heatmap" else points
            assert flat, f"{name} has no points"
            assert all(p.startswith("/decisions?") for p in flat), name
    lines = {t["name"]: t for t in charts["composite"]["data"]}
    assert set(lines) == {"All teams in view", "Operations", "Sales"}
    assert lines["All teams in view"]["customdata"][-1] == (
        "/decisions?dashboard=1&scored=1&quarter=2026Q2"
    )
    ops = lines["Operations"]
    assert ops["x"][-2:] == ["2026Q1", "2026Q2"]
    assert ops["y"][-2:] == [pytest.approx(40.0), pytest.approx(69.333, abs=1e-3)]
    assert ops["y"][0] is None  # no decision yet: an empty point, not 0
    assert ops["customdata"][-1] == f"/decisions?team={example.ops.id}&scored=1&quarter=2026Q2"
    bars = {t["name"]: t for t in charts["shared"]["data"]}
    assert bars["Harm (decisions)"]["customdata"][-1].endswith("&quarter=2026Q2&harm=yes")


def test_team_page_links_carry_the_team(app, login, example):
    html = login(example.staff).get("/teams/operations?quarter=2026Q2").get_data(as_text=True)
    page = Page(html)
    filters = page.log_filters()
    ops = str(example.ops.id)
    assert {"team": ops, "scored": "1", "quarter": "2026Q2"} in filters
    assert {"team": ops, "scored": "1", "quarter": "2026Q2", "harm": "yes"} in filters
    assert {"team": ops, "due": "1"} in filters
    assert page.cards["Review %"]["href"] == f"/decisions?team={ops}&scored=1&due_in=2026Q2"
    assert page.cards["Composite"]["why"] == "/why/composite?quarter=2026Q2&team=operations"
    charts = json_block(html, "dashboard-charts")
    assert set(charts) == {"composite", "impact", "waste", "shared"}


def test_reviews_due_are_listed_most_overdue_first(make, login, example):
    make.decision(
        example.ops, title="Older one", decided_on=date(2025, 1, 2), review_due=date(2025, 2, 1)
    )
    make.decision(
        example.ops,
        title="Reviewed one",
        decided_on=date(2025, 1, 1),
        review_due=date(2025, 1, 15),
        status="reviewed",
        reviewed_on=date(2025, 1, 20),
    )
    make.decision(
        example.sales, title="Sales one", decided_on=date(2025, 1, 1), review_due=date(2025, 1, 10)
    )
    html = login(example.manager).get("/dashboard").get_data(as_text=True)
    due = html[html.index('id="due-title"') :]
    assert "Older one" in due
    assert due.index("Older one") < due.index("Worked example OPS-2")
    assert "Reviewed one" not in due
    assert "Sales one" not in due


def test_no_inline_script(login, example):
    for path in ("/dashboard", "/teams/operations"):
        html = login(example.admin).get(path).get_data(as_text=True)
        for script in Page(html).scripts:
            assert script.get("src") or script.get("type") == "application/json", script


def test_plotly_is_served_by_the_application(client, login, example):
    html = login(example.admin).get("/dashboard").get_data(as_text=True)
    src = next(
        s["src"] for s in Page(html).scripts if s.get("src", "").startswith("/assets/plotly")
    )
    plain = client.get(src, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.mimetype == "text/javascript"
    assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"plotly.js v" in plain.data[:200]
    packed = client.get(src, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    again = client.get(
        src, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.get("/assets/plotly.0123456789abcdef.min.js").status_code == 404


def test_the_page_asks_the_scores_service_a_fixed_handful_of_times(login, example, monkeypatch):
    calls: list[str] = []
    for name in ("teams_table", "team_series", "composite_trends", "breakdown"):
        original = getattr(dashboard_view.scores, name)

        def counted(*args, __name=name, __original=original, **kwargs):
            calls.append(__name)
            return __original(*args, **kwargs)

        monkeypatch.setattr(dashboard_view.scores, name, counted)
    client = login(example.admin)
    assert client.get("/dashboard?quarter=2026Q2").status_code == 200
    assert sorted(calls) == ["breakdown", "composite_trends", "team_series", "teams_table"]
    calls.clear()
    assert client.get("/teams/operations?quarter=2026Q2").status_code == 200
    assert sorted(calls) == ["breakdown", "team_series"]


def test_the_dashboard_keeps_its_figures_until_a_write_changes_them(
    login, make, example, monkeypatch
):
    calls: list[str] = []
    original = dashboard_view.scores.teams_table

    def counted(*args, **kwargs):
        calls.append("teams_table")
        return original(*args, **kwargs)

    monkeypatch.setattr(dashboard_view.scores, "teams_table", counted)
    client = login(example.manager)

    def composite() -> float:
        html = client.get("/dashboard?quarter=2026Q2").get_data(as_text=True)
        return float(Page(html).cards["Composite"]["data-value"])

    # The first request brings the stored sums up to date, the second keeps what it computed,
    # the third is answered from it.
    for _ in range(3):
        assert composite() == pytest.approx(69.333, abs=1e-3)
    assert len(calls) == 2
    # A decision of another team leaves the manager's figures as they were.
    make.decision(example.sales, decided_on=date(2026, 5, 2), impacts={"Owners": 1})
    composite()
    assert len(calls) == 2
    # A decision of Operations in 2026Q2 changes them at once.
    make.decision(
        example.ops, decided_on=date(2026, 5, 2), impacts={"Workers": -3}, waste=[("Spend", 900, 0)]
    )
    assert composite() < 60
    assert len(calls) == 3
    # Another quarter is other figures.
    assert composite_of(client, "2026Q1") == pytest.approx(40.0)


def composite_of(client, quarter: str) -> float:
    html = client.get(f"/dashboard?quarter={quarter}").get_data(as_text=True)
    return float(Page(html).cards["Composite"]["data-value"])


def test_a_quarter_without_decisions_shows_dashes(login, example):
    html = login(example.manager).get("/dashboard?quarter=2024Q1").get_data(as_text=True)
    cards = Page(html).cards
    assert cards["Composite"]["data-value"] == "null"
    assert float(cards["Decisions"]["data-value"]) == 0
    assert "No team has a scored decision up to 2024Q1." in html


def test_managers_and_admins_land_on_the_dashboard(client, org):
    for user, landing in (
        (org.manager, "/dashboard"),
        (org.admin, "/dashboard"),
        (org.staff, "/decisions"),
    ):
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert client.get(response.headers["Location"]).headers["Location"] == landing
        client.post("/logout")
