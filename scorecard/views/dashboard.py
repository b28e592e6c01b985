"""The managers' dashboard: the teams' scorecard for a quarter, and one team's page.

Every figure comes from the scores service; the page makes a fixed handful of calls to it
whatever the number of decisions. Charts are drawn in the browser by the plotly.js that the
plotly package ships, served from here, from JSON that this view writes into the page.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from pathlib import Path
from typing import Any

import pandas as pd
import plotly
from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from scorecard import clock, permissions
from scorecard.domain import explanations, scoring
from scorecard.domain.dashboard import CARD_KPIS, kpi_cards, kpi_history, rank_movers
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.services import dashboard as service
from scorecard.services import reference, scores, suggestions
from scorecard.services.accounts import team_by_slug
from scorecard.views import beside, charts

bp = Blueprint("dashboard", __name__)

TREND_QUARTERS = 8
PICKER_QUARTERS = 12
DUE_SHOWN = 6


# --- plotly.js, served by the application -------------------------------------------------


PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@functools.cache
def _plotly_digest() -> str:
    return hashlib.sha256(PLOTLY_JS.read_bytes()).hexdigest()[:16]


@functools.cache
def _plotly_gzipped() -> bytes:
    return gzip.compress(PLOTLY_JS.read_bytes(), 6)


@functools.cache
def plotly_style_ids() -> tuple[str, ...]:
    """The ids of the <style> elements plotly.js would create; a page that holds them first,
    with the response's nonce, keeps inline style refused (plotly.js fills them via the CSSOM,
    or skips the bundled map styles, which no chart here uses)."""
    bundle = PLOTLY_JS.read_text(encoding="utf-8", errors="replace")
    found = re.findall(
        r'getElementById\("([\w.-]+)"\)\)\{var \w+=document\.createElement\("style"\)', bundle
    )
    return ("plotly.js-style-global", *dict.fromkeys(found))


def plotly_url() -> str:
    """The address of plotly.min.js, which changes with the file."""
    return url_for("dashboard.plotly_js", digest=_plotly_digest())


@bp.get("/assets/plotly.<digest>.min.js")
def plotly_js(digest: str) -> Response:
    current = _plotly_digest()
    if digest != current:
        abort(404)
    gzipped = request.accept_encodings["gzip"] > 0
    response = Response(
        _plotly_gzipped() if gzipped else PLOTLY_JS.read_bytes(), mimetype="text/javascript"
    )
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    # The address changes with the file, so it may be kept for a year.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(current + ("-gz" if gzipped else ""))
    return response.make_conditional(request)


# --- pages ---------------------------------------------------------------------------------


def _quarter() -> tuple[Quarter, Quarter]:
    """The quarter asked for (default: the current one), and the current one."""
    today = Quarter.of(clock.today())
    text = request.args.get("quarter", "").strip()
    if not text:
        return today, today
    try:
        return Quarter.parse(text), today
    except ValueError:
        abort(400)


def log_links() -> charts.LogLinks:
    """Addresses of the decision log, filtered by team (id), quarter, group (id) + effect, due, q."""
    return charts.LogLinks(url_for("decisions.index"))


def card_links(
    links: charts.LogLinks, quarter: Quarter, team_id: int | None, slug: str | None
) -> dict[str, dict[str, str]]:
    """Each KPI card's addresses: the decisions it counts, why it is what it is, its method."""
    return {
        kpi: {
            "url": links.counted(kpi, quarter, team_id),
            "why": url_for(
                "explain.why", kpi=explanations.KPI_SLUGS[kpi], quarter=str(quarter), team=slug
            ),
            "info": url_for("explain.method", _anchor=f"kpi-{explanations.KPI_SLUGS[kpi]}"),
        }
        for kpi in CARD_KPIS
    }


def _picker(quarter: Quarter, today: Quarter) -> dict[str, Any]:
    choices = list(reversed(today.last_n(PICKER_QUARTERS)))
    if quarter not in choices:
        choices = sorted({*choices, quarter}, reverse=True)
    return {
        "quarter": quarter,
        "current": today,
        "last_complete": today.prev(),
        "choices": choices,
        "previous": quarter.prev(),
        "next": quarter.next() if quarter < today else None,
    }


def _records(table: scores.TeamsTable) -> list[dict[str, Any]]:
    """The Teams table's rows as plain dicts: its headers as keys, unrounded figures, empty
    figures as None; with the team's id and slug (None on All teams)."""
    records = []
    ids = table.rows.index
    for team_id, row in zip(ids, table.rows.to_dict("records"), strict=True):
        record: dict[str, Any] = {}
        for column in scoring.TEAMS_COLUMNS:
            value = row[column]
            if column in ("Team", "Status"):
                record[column] = str(value)
            elif column in ("Decisions", "Improving streak"):
                record[column] = int(value)
            else:
                record[column] = charts.figure_value(value)
        record["id"] = None if pd.isna(team_id) else int(team_id)
        record["slug"] = None if record["id"] is None else table.slugs.get(record["id"])
        records.append(record)
    return records


def page_json(value: Any) -> Markup:
    """JSON for a data block of the page: keys kept in order, safe inside <script>, no NaN."""
    return htmlsafe_json_dumps(value, allow_nan=False)


def _group_ids(session: Any) -> dict[str, int]:
    """Stakeholder groups by name: the log filters a group by its id."""
    return {g.name: g.id for g in reference.all_groups(session)}


def _organisation_panels(
    figures: service.Figures,
    teams: list[Any],
    changed: list[dict[str, Any]],
    links: charts.LogLinks,
    q: str,
) -> dict[str, Any]:
    """The charts of the organisation's dashboard; the trend draws the biggest movers first."""
    trends, series, parts = figures.trends, figures.series, figures.breakdown
    first = [m["Team"] for m in changed[:3] + changed[-3:]]
    return {
        "changes": charts.team_changes(changed, links, q),
        "composite": charts.composite_trend(
            trends,
            {t.name: t.id for t in teams},
            links,
            everyone=series["Composite"] if len(teams) > 1 else None,
            first=first,
        ),
        "impact": charts.impact_heatmap(parts.groups, _group_ids(db.session), links, None),
        "waste": charts.waste_bars(
            parts.waste.loc[q],
            parts.co2e.loc[q],
            links,
            None,
            q,
            int(parts.counts.at[q, "Decisions"]),
        ),
        "shared": charts.shared_and_harm(parts.counts, links, None),
    }


@bp.get("/dashboard")
@login_required
def index() -> str:
    quarter, today = _quarter()
    session = db.session
    allowed = permissions.dashboard_teams(session, current_user)
    team_ids = allowed.filter
    teams = service.teams_in(session, team_ids)
    links = log_links()
    context: dict[str, Any] = {
        "picker": _picker(quarter, today),
        "quarter": quarter,
        "teams": teams,
        "scope": "all" if allowed.every else ("managed" if current_user.is_manager else "own"),
        "log_url": links,
    }
    if not teams:
        return render_template("dashboard/index.html", empty=True, **context)

    quarters = quarter.last_n(TREND_QUARTERS)
    day = clock.today()
    figures = service.organisation_figures(session, quarter, quarters, team_ids, today=day)
    table, series = figures.table, figures.series
    due = service.reviews_due(session, team_ids, day, DUE_SHOWN + 1)

    q = str(quarter)
    records = _records(table)
    team_rows, everyone = records[:-1], records[-1]
    movers = rank_movers(team_rows)
    panels = _organisation_panels(figures, teams, movers["changed"], links, q)
    return render_template(
        "dashboard/index.html",
        empty=False,
        quarters=[str(x) for x in quarters],
        method_version=table.method_version,
        cards=kpi_cards(
            everyone, figures.previous.to_dict(), card_links(links, quarter, None, None)
        ),
        progress=table.progress,
        team_rows=team_rows,
        movers=movers,
        history=kpi_history(series),
        panels=panels,
        due=due[:DUE_SHOWN],
        more_due=len(due) > DUE_SHOWN,
        suggestions=suggestions.quarter_figures(session, quarter, team_ids),
        charts_json=page_json({name: panel.figure for name, panel in panels.items()}),
        scores_json=page_json(
            {
                "quarter": q,
                "method_version": table.method_version,
                "teams": [{c: r[c] for c in scoring.TEAMS_COLUMNS} for r in records],
            }
        ),
        **beside.beside_context(session, quarter, team_ids),
        **context,
    )


@bp.get("/teams/<slug>")
@login_required
def team(slug: str) -> str:
    quarter, today = _quarter()
    session = db.session
    found = team_by_slug(session, slug)
    if found is None or not permissions.can_see_team(session, current_user, found):
        abort(404)
    quarters = quarter.last_n(TREND_QUARTERS)
    day = clock.today()
    series = scores.team_series(session, found.id, quarters, today=day)
    parts = scores.breakdown(session, quarters, found.id, today=day)
    previous = scores.compared_with(session, quarter, found.id, today=day)
    due = service.reviews_due(session, [found.id], day, DUE_SHOWN + 1)

    q = str(quarter)
    links = log_links()
    current = series.loc[q]
    trend = pd.DataFrame([series["Composite"].to_numpy()], index=[found.name], columns=series.index)
    panels = {
        "composite": charts.composite_trend(trend, {found.name: found.id}, links),
        "impact": charts.impact_heatmap(parts.groups, _group_ids(session), links, found.id),
        "waste": charts.waste_bars(
            parts.waste.loc[q],
            parts.co2e.loc[q],
            links,
            found.id,
            q,
            int(parts.counts.at[q, "Decisions"]),
        ),
        "shared": charts.shared_and_harm(parts.counts, links, found.id),
    }
    return render_template(
        "dashboard/team.html",
        team=found,
        picker=_picker(quarter, today),
        quarter=quarter,
        quarters=[str(x) for x in quarters],
        method_version=parts.method_version,
        cards=kpi_cards(
            current.to_dict(), previous.to_dict(), card_links(links, quarter, found.id, found.slug)
        ),
        progress=scores.progress_of(quarter, day),
        current=current,
        history=kpi_history(series),
        panels=panels,
        due=due[:DUE_SHOWN],
        more_due=len(due) > DUE_SHOWN,
        suggestions=suggestions.quarter_figures(session, quarter, {found.id}),
        charts_json=page_json({name: panel.figure for name, panel in panels.items()}),
        log_url=links,
        **beside.beside_context(session, quarter, [found.id]),
    )


@bp.context_processor
def chart_library() -> dict[str, Any]:
    return {"plotly_url": plotly_url, "plotly_style_ids": plotly_style_ids}


@bp.app_template_filter("delta")
def delta(value: Any, places: int = 1) -> str:
    """A change for display: +1.5, -0.4, 0.0 without a sign, and a dash when empty."""
    number = charts.figure_value(value)
    return "—" if number is None else charts.signed_text(number, places)
