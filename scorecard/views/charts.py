"""The dashboard's panels: a plotly figure (plain dicts, sent as JSON) and the table behind it.

Colours are the Okabe–Ito palette, which colour-blind readers can tell apart; every series
also has its own marker, dash or pattern, and values are written on the chart, so nothing
is said by colour alone. Each point carries the address of the decisions behind it in its
customdata, which the page's script follows on a click; the table rows carry the same
addresses as links, for screen readers, printing and pages without scripts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

import pandas as pd
from markupsafe import escape

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter

BLUE, VERMILLION, GREEN, PURPLE = "#0072B2", "#D55E00", "#009E73", "#CC79A7"
ORANGE, SKY, BLACK, GREY = "#E69F00", "#56B4E9", "#000000", "#8C8C8C"
LINE_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, GREY)
MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "triangle-down", "star")
DASHES = ("solid", "dash", "dot", "dashdot")
STATUS_COLOURS = {"improving": BLUE, "declining": VERMILLION, "steady": GREY, "new": GREY}
STATUS_ARROWS = {"improving": "▲", "declining": "▼", "steady": "►", "new": "•"}
# Harm (vermillion) to no effect (white) to benefit (blue): a diverging scale that stays
# readable with red-green colour blindness.
IMPACT_SCALE = [
    [0.0, VERMILLION],
    [0.25, "#F0A97F"],
    [0.5, "#F7F7F7"],
    [0.75, "#8CC0E0"],
    [1.0, BLUE],
]
IMPACT_RANGE = 2.0
IMPROVING_AT = 2.0
# Beyond this many teams a chart shows those that moved most; the table keeps them all.
MANY_TEAMS = 8
MOVERS_SHOWN = 5
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


class LogLinks:
    """Addresses of the decision log filtered by team (id), quarter, status, group (id) + effect,
    due and q; built by hand because a page holds hundreds of them."""

    def __init__(self, base: str) -> None:
        self.base = base

    def counted(self, kpi: str, quarter: Any, team: int | None = None, **extra: Any) -> str:
        """The log listing exactly the decisions a KPI of a team (None: of the dashboard's
        teams) counts in the quarter, by the scoring module's own definitions."""
        return _counted(self.base, kpi, str(quarter), team, tuple(extra.items()))

    def __call__(self, **filters: Any) -> str:
        return _address(self.base, filters)


def _address(base: str, filters: dict[str, Any]) -> str:
    query = "&".join(
        f"{key}={_query_value(value)}" for key, value in filters.items() if value is not None
    )
    return f"{base}?{query}" if query else base


@lru_cache(maxsize=16_384)  # a dashboard writes hundreds, of a few thousand in all
def _counted(
    base: str, kpi: str, quarter: str, team: int | None, extra: tuple[tuple[str, Any], ...]
) -> str:
    asked = scoring.counted_by(kpi, Quarter.parse(quarter).index)
    query: dict[str, Any] = {"team": team} if team is not None else {"dashboard": 1}
    return _address(base, {**query, **scoring.as_query(asked), **dict(extra)})


def _query_value(value: Any) -> str:
    """Ids and quarters go as they are (most of a page's links); anything else is quoted."""
    text = str(value)
    return text if text.isascii() and text.isalnum() else quote_plus(text)


@dataclass(frozen=True)
class Panel:
    """A chart and the rows of the table behind it; `hidden` counts series left off the chart."""

    figure: dict[str, Any]
    rows: list[Any] = field(default_factory=list)
    hidden: int = 0

    @property
    def has_data(self) -> bool:
        return bool(self.rows)


@dataclass(frozen=True)
class Cell:
    """One figure of a table, with the address of the decisions behind it."""

    value: float | None
    url: str


def figure_value(value: Any) -> float | None:
    """A JSON-ready number: empty (NaN, None, <NA>) becomes null."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _label(name: object) -> str:
    """A name as plotly text, which reads a few HTML tags and entities."""
    return str(escape(str(name)))


def _values(values: Sequence[Any]) -> list[float | None]:
    return [figure_value(v) for v in values]


def signed_text(value: float, places: int) -> str:
    """+1.5, -0.4, and 0.0 without a sign when it rounds to nothing."""
    text = f"{value:+,.{places}f}"
    return text[1:] if float(text.replace(",", "")) == 0 else text


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "margin": {"l": 10, "r": 16, "t": 10, "b": 10},
        "font": {"family": FONT, "size": 13, "color": "#24312c"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "closest",
        "dragmode": False,
        "height": 320,
        "xaxis": {"automargin": True, "fixedrange": True},
        "yaxis": {"automargin": True, "fixedrange": True, "gridcolor": "#e3e9e6"},
        "legend": {"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
        # One box per label, never a second one beside it that can leave the chart.
        "hoverlabel": {"font": {"family": FONT, "size": 12}, "align": "left", "namelength": 0},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


# --- composite over the quarters ---------------------------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    name: str
    team_id: int | None
    cells: list[Cell]


# Long on purpose: one plotly figure, its traces, axes and accessible text in one place.
def composite_trend(
    trends: pd.DataFrame,
    team_ids: dict[str, int],
    link: LogLinks,
    *,
    everyone: pd.Series | None = None,
    first: Sequence[str] = (),
) -> Panel:
    """One line per team (rows of trends) over the quarters (its columns).

    With `everyone`, the composite of all the teams in view is drawn first, in black. With
    more than MANY_TEAMS teams, only those named in `first` are drawn at once; the others
    wait in the legend, one click away.
    """
    # Long on purpose: one declarative Plotly figure, its traces and layout together.
    quarters = [str(q) for q in trends.columns]
    rows = [
        TrendRow(
            str(name),
            team_ids.get(str(name)),
            [
                Cell(v, link.counted("Composite", q, team_ids.get(str(name))))
                for q, v in zip(quarters, _values(values), strict=True)
            ],
        )
        for name, values in zip(trends.index, trends.to_numpy(), strict=True)
    ]
    many = len(rows) > MANY_TEAMS
    shown = set(first) if many else {r.name for r in rows}
    ordered = sorted(rows, key=lambda r: r.name not in shown)
    traces = []
    if everyone is not None:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "All teams in view",
                "x": quarters,
                "y": _values(everyone.to_numpy()),
                "line": {"color": BLACK, "width": 4},
                "marker": {"symbol": "circle-open", "size": 10, "line": {"width": 2}},
                "customdata": [link.counted("Composite", q) for q in quarters],
                "hovertemplate": "All teams in view<br>%{x}: composite %{y:.1f}"
                "<br>click for their decisions<extra></extra>",
            }
        )
    for i, row in enumerate(ordered):
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _label(row.name),
                "x": quarters,
                "y": [c.value for c in row.cells],
                "visible": True if row.name in shown else "legendonly",
                "connectgaps": False,
                "line": {
                    "color": LINE_COLOURS[i % len(LINE_COLOURS)],
                    "width": 2.5,
                    "dash": DASHES[(i // len(LINE_COLOURS)) % len(DASHES)],
                },
                "marker": {"symbol": MARKERS[i % len(MARKERS)], "size": 9},
                "customdata": [c.url for c in row.cells],
                "hovertemplate": "%{fullData.name}<br>%{x}: composite %{y:.1f}"
                "<br>click for its decisions<extra></extra>",
            }
        )
    legend = (
        {"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top", "font": {"size": 12}}
        if many
        else {}
    )
    figure = {
        "data": traces,
        "layout": _layout(
            yaxis={"range": _composite_range(trends), "title": {"text": "Composite (0–100)"}},
            xaxis={"type": "category"},
            showlegend=len(traces) > 1,
            legend=legend,
            height=420 if many else 340,
        ),
    }
    return Panel(figure, rows, hidden=len(rows) - len(shown & {r.name for r in rows}))


def _composite_range(trends: pd.DataFrame) -> list[float]:
    """The composites shown with some room, in whole tens within 0..100, at least 40 high."""
    values = [v for v in _values(trends.to_numpy().ravel()) if v is not None]
    if not values:
        return [0, 100]
    low = max(0.0, math.floor((min(values) - 5) / 10) * 10)
    high = min(100.0, math.ceil((max(values) + 5) / 10) * 10)
    while high - low < 40:
        low = max(0.0, low - 10)
        high = min(100.0, high + 10) if high - low < 40 else high
    return [low, high]


# --- impact on stakeholder groups ----------------------------------------------------------------


def impact_heatmap(
    groups: pd.DataFrame, group_ids: dict[str, int], link: LogLinks, team: int | None
) -> Panel:
    """Mean impact on each stakeholder group (rows) per quarter (columns of the figure)."""
    quarters = [str(q) for q in groups.index]
    names = [str(g) for g in groups.columns]

    def cell(group: str, quarter: str, value: float | None) -> Cell:
        # The mean is over every decision of the quarter: those are the ones listed.
        return Cell(value, link.counted("Impact index", quarter, team))

    rows = [
        (name, [cell(name, q, v) for q, v in zip(quarters, _values(groups[name]), strict=True)])
        for name in names
    ]
    z = [[c.value for c in cells] for _, cells in rows]
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": quarters,
                "y": [_label(g) for g in names],
                "z": z,
                "zmin": -IMPACT_RANGE,
                "zmax": IMPACT_RANGE,
                "zmid": 0,
                "colorscale": IMPACT_SCALE,
                "text": [["" if v is None else signed_text(v, 1) for v in row] for row in z],
                "texttemplate": "%{text}",
                "textfont": {"size": 12},
                "customdata": [[c.url for c in cells] for _, cells in rows],
                "xgap": 2,
                "ygap": 2,
                "hoverongaps": False,
                "hovertemplate": "%{y}, %{x}<br>mean impact %{z:+.2f} (−3 to +3)"
                "<br>click for its decisions<extra></extra>",
                "colorbar": {
                    "title": {"text": "Mean impact", "side": "right"},
                    "tickvals": [-2, -1, 0, 1, 2],
                    "ticktext": ["−2 harm", "−1", "0 none", "+1", "+2 benefit"],
                    "thickness": 12,
                    "len": 1,
                },
            }
        ],
        "layout": _layout(
            xaxis={"type": "category", "side": "bottom"},
            yaxis={"autorange": "reversed", "gridcolor": "rgba(0,0,0,0)"},
            height=max(240, 46 * len(names) + 70),
        ),
    }
    has_data = any(v is not None for row in z for v in row)
    return Panel(figure, rows if has_data else [])


# --- waste by category ---------------------------------------------------------------------------


def waste_bars(
    waste: pd.Series, co2e: pd.Series, link: LogLinks, team: int | None, quarter: str, decided: int
) -> Panel:
    """Net money avoided per waste category in one quarter (negative: more waste created)."""
    values = _values(waste.to_numpy())
    names = [str(c) for c in waste.index]
    url = link.counted("Net waste avoided", quarter, team)
    colours = [GREEN if (v or 0) >= 0 else VERMILLION for v in values]
    patterns = ["" if (v or 0) >= 0 else "/" for v in values]
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Net waste avoided",
                "y": [_label(n) for n in names],
                "x": values,
                "marker": {
                    "color": colours,
                    "pattern": {"shape": patterns, "fgcolor": "#ffffff", "fillmode": "overlay"},
                },
                "text": ["" if v is None else signed_text(v, 0) for v in values],
                "textposition": "outside",
                "cliponaxis": False,
                "customdata": [url for _ in names],
                "hovertemplate": "%{y}<br>net avoided %{x:,.0f}"
                "<br>click for the quarter's decisions<extra></extra>",
            }
        ],
        "layout": _layout(
            yaxis={"autorange": "reversed", "gridcolor": "rgba(0,0,0,0)"},
            xaxis={
                "range": _padded_range(values),
                "zeroline": True,
                "zerolinecolor": "#6b7a75",
                "title": {"text": f"Net money avoided in {quarter}"},
                "gridcolor": "#e3e9e6",
            },
            showlegend=False,
            height=max(220, 40 * len(names) + 80),
        ),
    }
    rows = [
        (name, money, figure_value(kg), url)
        for name, money, kg in zip(names, values, co2e.to_numpy(), strict=True)
    ]
    return Panel(figure, rows if decided else [])


def _padded_range(values: list[float | None]) -> list[float]:
    """An axis range from the values, with room beyond the bars for the figures written there."""
    present = [v for v in values if v is not None] or [0.0]
    low, high = min(0.0, *present), max(0.0, *present)
    room = 0.35 * ((high - low) or 1.0)
    return [low - room if low < 0 else 0.0, high + room if high > 0 or low == 0 else 0.0]


# --- shared value against harm -------------------------------------------------------------------


def shared_and_harm(counts: pd.DataFrame, link: LogLinks, team: int | None) -> Panel:
    """Decisions with shared value and decisions that harm, per quarter, side by side."""
    quarters = [str(q) for q in counts.index]
    decided = [int(n) for n in counts["Decisions"]]
    urls = [link.counted("Decisions", q, team) for q in quarters]
    traces = []
    for column, colour, pattern in (("Shared value", BLUE, ""), ("Harm", VERMILLION, "/")):
        values = [int(v) for v in counts[column]]
        kpi = "Shared value %" if column == "Shared value" else "Harm %"
        traces.append(
            {
                "type": "bar",
                "name": f"{column} (decisions)",
                "x": quarters,
                "y": values,
                "text": [str(v) for v in values],
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {
                    "color": colour,
                    "pattern": {"shape": pattern, "fgcolor": "#ffffff", "fillmode": "overlay"},
                },
                "customdata": [link.counted(kpi, q, team) for q in quarters],
                "hovertext": [
                    "no decisions" if n == 0 else f"{100 * v / n:.0f} % of {n} decisions"
                    for v, n in zip(values, decided, strict=True)
                ],
                "hovertemplate": f"{column}, %{{x}}<br>%{{y}} decisions, %{{hovertext}}"
                "<br>click for the quarter's decisions<extra></extra>",
            }
        )
    figure = {
        "data": traces,
        "layout": _layout(
            barmode="group",
            xaxis={"type": "category"},
            yaxis={"title": {"text": "Decisions"}, "rangemode": "tozero"},
            showlegend=True,
        ),
    }
    rows = [
        (q, n, int(s), int(h), url)
        for q, n, s, h, url in zip(
            quarters, decided, counts["Shared value"], counts["Harm"], urls, strict=True
        )
    ]
    return Panel(figure, rows if any(decided) else [])


# --- teams that moved most -----------------------------------------------------------------------


# Long on purpose: one plotly figure, its bars, labels and links in one place.
def team_changes(changed: list[dict[str, Any]], link: LogLinks, quarter: str) -> Panel:
    """Change of composite against the previous quarter, one bar per team, largest rise on top.

    `changed` holds Teams-table rows (with their id) that have a change, largest first. The
    status is written under each team's name, so the bars need no colour to be read. With many
    teams, the chart keeps the MOVERS_SHOWN that rose most and fell most.
    """
    # Long on purpose: one declarative Plotly figure, its traces and layout together.
    table = [
        (t["Team"], t["id"], t["Change"], t["Status"], link.counted("Composite", quarter, t["id"]))
        for t in changed
    ]
    drawn = table
    if len(table) > 2 * MOVERS_SHOWN:
        drawn = table[:MOVERS_SHOWN] + table[-MOVERS_SHOWN:]
    changes = [change for _, _, change, _, _ in drawn]
    # Plain text: plotly.js would draw <b> as a style attribute, which the CSP refuses.
    labels = [
        f"{_label(name)}<br>{STATUS_ARROWS[status]} {status}" for name, _, _, status, _ in drawn
    ]
    reach = max([abs(c) for c in changes] + [IMPROVING_AT * 2])
    statuses = [status for _, _, _, status, _ in drawn]
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Change of composite",
                "y": labels,
                "x": changes,
                "marker": {
                    "color": [STATUS_COLOURS[s] for s in statuses],
                    "pattern": {
                        "shape": ["/" if s == "declining" else "" for s in statuses],
                        "fgcolor": "#ffffff",
                        "fillmode": "overlay",
                    },
                },
                "text": [signed_text(c, 1) for c in changes],
                "textposition": "outside",
                "cliponaxis": False,
                "customdata": [url for *_, url in drawn],
                "hovertemplate": "%{y}<br>change %{x:+.1f} points"
                "<br>click for its decisions<extra></extra>",
            }
        ],
        "layout": _layout(
            yaxis={"autorange": "reversed", "gridcolor": "rgba(0,0,0,0)"},
            xaxis={
                # Room on both sides for the figures written beyond the bars.
                "range": [-reach * 1.3, reach * 1.3],
                "zeroline": True,
                "zerolinecolor": "#6b7a75",
                "zerolinewidth": 2,
                "title": {"text": "Change in points of composite"},
                "gridcolor": "#e3e9e6",
            },
            showlegend=False,
            height=max(200, 48 * len(drawn) + 90),
        ),
    }
    return Panel(figure, table, hidden=len(table) - len(drawn))
