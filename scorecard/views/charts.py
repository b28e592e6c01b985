"""Plotly figures (plain dicts, sent as JSON) for the dashboard charts.

Colours are the Okabe–Ito palette, which colour-blind readers can tell apart; every series
also has its own marker, dash or pattern, and values are written on the chart, so nothing
is said by colour alone. Each point carries the address of the decisions behind it in its
customdata; the page's script follows it on a click.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from markupsafe import escape

Link = Callable[..., str]

BLUE, VERMILLION, GREEN, PURPLE = "#0072B2", "#D55E00", "#009E73", "#CC79A7"
ORANGE, SKY, BLACK, GREY = "#E69F00", "#56B4E9", "#000000", "#8C8C8C"
LINE_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BLACK, GREY)
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

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


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
        "hoverlabel": {"font": {"family": FONT}},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def composite_trend(trends: pd.DataFrame, slugs: dict[str, str], link: Link) -> dict[str, Any]:
    """One line per team: its composite over the quarters (columns of trends)."""
    quarters = [str(q) for q in trends.columns]
    traces = []
    for i, (name, row) in enumerate(trends.iterrows()):
        slug = slugs.get(str(name))
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _label(name),
                "x": quarters,
                "y": _values(row.to_numpy()),
                "connectgaps": False,
                "line": {
                    "color": LINE_COLOURS[i % len(LINE_COLOURS)],
                    "width": 2.5,
                    "dash": DASHES[(i // len(LINE_COLOURS)) % len(DASHES)],
                },
                "marker": {"symbol": MARKERS[i % len(MARKERS)], "size": 9},
                "customdata": [link(team=slug, quarter=q) for q in quarters],
                "hovertemplate": "<b>%{fullData.name}</b><br>%{x}: composite %{y:.1f}"
                "<extra>click for its decisions</extra>",
            }
        )
    return {
        "data": traces,
        "layout": _layout(
            yaxis={"range": [0, 100], "title": {"text": "Composite (0–100)"}},
            xaxis={"type": "category"},
            showlegend=len(traces) > 1,
        ),
    }


def impact_heatmap(groups: pd.DataFrame, link: Link, team: str | None) -> dict[str, Any]:
    """Mean impact on each stakeholder group (rows) per quarter (columns)."""
    quarters = [str(q) for q in groups.index]
    names = [str(g) for g in groups.columns]
    labels = [_label(g) for g in names]
    z = [_values(groups[g].to_numpy()) for g in groups.columns]

    def cell_link(group: str, quarter: str, value: float | None) -> str:
        if value is None or value == 0:
            return link(team=team, quarter=quarter)
        effect = "helped" if value > 0 else "harmed"
        return link(team=team, quarter=quarter, group=group, effect=effect)

    customdata = [
        [cell_link(g, q, v) for q, v in zip(quarters, row, strict=True)]
        for g, row in zip(names, z, strict=True)
    ]
    text = [["" if v is None else _signed(v, 1) for v in row] for row in z]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": quarters,
                "y": labels,
                "z": z,
                "zmin": -IMPACT_RANGE,
                "zmax": IMPACT_RANGE,
                "zmid": 0,
                "colorscale": IMPACT_SCALE,
                "text": text,
                "texttemplate": "%{text}",
                "textfont": {"size": 12},
                "customdata": customdata,
                "xgap": 2,
                "ygap": 2,
                "hoverongaps": False,
                "hovertemplate": "<b>%{y}</b>, %{x}<br>mean impact %{z:+.2f} (−3 to +3)"
                "<extra>click for its decisions</extra>",
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


def waste_bars(waste: pd.Series, link: Link, team: str | None, quarter: str) -> dict[str, Any]:
    """Net money avoided per waste category in one quarter (negative: more waste created)."""
    values = _values(waste.to_numpy())
    names = [_label(c) for c in waste.index]
    colours = [GREEN if (v or 0) >= 0 else VERMILLION for v in values]
    patterns = ["" if (v or 0) >= 0 else "/" for v in values]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Net waste avoided",
                "y": names,
                "x": values,
                "marker": {
                    "color": colours,
                    "pattern": {"shape": patterns, "fgcolor": "#ffffff", "fillmode": "overlay"},
                },
                "text": [_signed_money(v) for v in values],
                "textposition": "auto",
                "cliponaxis": False,
                "customdata": [link(team=team, quarter=quarter) for _ in names],
                "hovertemplate": "<b>%{y}</b><br>net avoided %{x:,.0f}"
                "<extra>click for the quarter's decisions</extra>",
            }
        ],
        "layout": _layout(
            yaxis={"autorange": "reversed", "gridcolor": "rgba(0,0,0,0)"},
            xaxis={
                "zeroline": True,
                "zerolinecolor": "#6b7a75",
                "title": {"text": f"Net money avoided in {quarter}"},
                "gridcolor": "#e3e9e6",
            },
            showlegend=False,
            height=max(220, 40 * len(names) + 80),
        ),
    }


def _signed(value: float, places: int) -> str:
    """+1.5, −0.4, and 0.0 without a sign when it rounds to nothing."""
    text = f"{value:+,.{places}f}"
    return text[1:] if float(text.replace(",", "")) == 0 else text


def _signed_money(value: float | None) -> str:
    return "" if value is None else _signed(value, 0)


def shared_and_harm(counts: pd.DataFrame, link: Link, team: str | None) -> dict[str, Any]:
    """Decisions with shared value and decisions that harm, per quarter, side by side."""
    quarters = [str(q) for q in counts.index]
    decided = counts["Decisions"].to_numpy()
    traces = []
    for column, colour, pattern in (("Shared value", BLUE, ""), ("Harm", VERMILLION, "/")):
        values = counts[column].to_numpy()
        shares = [
            None if n == 0 else 100.0 * float(v) / float(n)
            for v, n in zip(values, decided, strict=True)
        ]
        traces.append(
            {
                "type": "bar",
                "name": f"{column} (decisions)",
                "x": quarters,
                "y": [int(v) for v in values],
                "text": [str(int(v)) for v in values],
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {
                    "color": colour,
                    "pattern": {"shape": pattern, "fgcolor": "#ffffff", "fillmode": "overlay"},
                },
                "customdata": [link(team=team, quarter=q) for q in quarters],
                "hovertext": [
                    "no decisions" if s is None else f"{s:.0f} % of {int(n)} decisions"
                    for s, n in zip(shares, decided, strict=True)
                ],
                "hovertemplate": f"<b>{column}</b>, %{{x}}<br>%{{y}} decisions, %{{hovertext}}"
                "<extra>click for the quarter's decisions</extra>",
            }
        )
    return {
        "data": traces,
        "layout": _layout(
            barmode="group",
            xaxis={"type": "category"},
            yaxis={"title": {"text": "Decisions"}, "rangemode": "tozero"},
            showlegend=True,
        ),
    }


def team_changes(
    rows: pd.DataFrame, slugs: dict[int, str], link: Link, quarter: str
) -> dict[str, Any]:
    """Change of composite against the previous quarter, one bar per team, largest rise on top.

    The status is written beside each team's name, so the bars need no colour to be read.
    """
    teams = rows[rows["Change"].notna()].sort_values("Change", ascending=False)
    changes = _values(teams["Change"].to_numpy())
    statuses = [str(s) for s in teams["Status"]]
    labels = [
        f"<b>{_label(name)}</b><br>{STATUS_ARROWS[status]} {status}"
        for name, status in zip(teams["Team"], statuses, strict=True)
    ]
    reach = max([abs(c) for c in changes if c is not None] + [IMPROVING_AT * 2])
    return {
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
                "text": [f"{c:+.1f}" for c in changes if c is not None],
                "textposition": "outside",
                "cliponaxis": False,
                "customdata": [link(team=slugs.get(int(t)), quarter=quarter) for t in teams.index],
                "hovertemplate": "%{y}<br>change %{x:+.1f} points"
                "<extra>click for its decisions</extra>",
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
                "title": {"text": "Points of composite vs previous quarter"},
                "gridcolor": "#e3e9e6",
            },
            showlegend=False,
            height=max(200, 48 * len(labels) + 90),
        ),
    }
