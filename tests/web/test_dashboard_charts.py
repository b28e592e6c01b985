"""The dashboard's panels on many teams: the charts stay readable, the tables keep every team."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scorecard.views import charts

QUARTERS = [f"2026Q{q}" for q in (1, 2, 3, 4)]
links = charts.LogLinks("/decisions")


def test_log_links_leave_out_empty_filters_and_encode_the_rest():
    assert links() == "/decisions"
    assert links(team=3, quarter="2026Q2", group=None) == "/decisions?team=3&quarter=2026Q2"
    assert links(q="R&D + ops", due=1) == "/decisions?q=R%26D+%2B+ops&due=1"


def test_with_many_teams_the_trend_draws_the_movers_and_keeps_the_rest_in_the_legend():
    names = [f"Team {i:02d}" for i in range(30)]
    trends = pd.DataFrame(np.linspace(40, 70, 30 * 4).reshape(30, 4), index=names, columns=QUARTERS)
    trends.iloc[5, 0] = math.nan
    everyone = pd.Series([50.0, 51.0, 52.0, math.nan], index=QUARTERS)
    panel = charts.composite_trend(
        trends,
        {name: i for i, name in enumerate(names)},
        links,
        everyone=everyone,
        first=["Team 03", "Team 07"],
    )
    traces = panel.figure["data"]
    assert traces[0]["name"] == "All teams in view"
    assert traces[0]["y"][-1] is None
    drawn = [t["name"] for t in traces[1:] if t["visible"] is True]
    assert drawn == ["Team 03", "Team 07"]
    assert sum(t.get("visible") == "legendonly" for t in traces) == 28
    assert panel.hidden == 28
    assert len(panel.rows) == 30  # the table behind the chart has every team
    team_5 = next(r for r in panel.rows if r.name == "Team 05")
    assert team_5.cells[0].value is None
    assert team_5.cells[1].url == "/decisions?team=5&scored=1&quarter=2026Q2"
    low, high = panel.figure["layout"]["yaxis"]["range"]
    assert low <= 40 and high >= 70 and high - low >= 40


def test_with_many_teams_the_change_chart_keeps_the_largest_rises_and_falls():
    changed = [
        {"Team": f"Team {i:02d}", "id": i, "Change": 10.0 - i, "Status": "steady"}
        for i in range(20)
    ]
    panel = charts.team_changes(changed, links, "2026Q3")
    bars = panel.figure["data"][0]
    assert len(bars["x"]) == 2 * charts.MOVERS_SHOWN
    assert bars["x"][0] == 10.0 and bars["x"][-1] == -9.0
    assert bars["customdata"][0] == "/decisions?team=0&scored=1&quarter=2026Q3"
    assert len(panel.rows) == 20
    assert panel.hidden == 20 - 2 * charts.MOVERS_SHOWN


def test_names_are_text_on_the_charts():
    trends = pd.DataFrame([[50.0, 60.0, 55.0, 58.0]], index=["R&D <b>"], columns=QUARTERS)
    panel = charts.composite_trend(trends, {"R&D <b>": 1}, links)
    assert panel.figure["data"][0]["name"] == "R&amp;D &lt;b&gt;"
    assert panel.figure["layout"]["showlegend"] is False
