"""Explaining the numbers: "why this number" for a KPI of a team-quarter, and How scores work."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from scorecard import clock, permissions
from scorecard.domain import explanations, scoring
from scorecard.domain.dashboard import KPI_HELP, KPI_PLACES
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.services import explain, reference, scores
from scorecard.services.accounts import team_by_slug

bp = Blueprint("explain", __name__)

# The worked example of the method, as its page shows it (SCORING.md).
WORKED_EXAMPLE = (
    ("Decisions", "2", "2"),
    ("Impact index", "26.667", "23.333"),
    ("Shared value %", "0", "100"),
    ("Harm %", "50", "0"),
    ("Waste-neutral %", "50", "50"),
    ("Net waste avoided", "1720", "−150"),
    ("Net CO2e avoided (kg)", "1520", "450"),
    ("Consultation %", "20", "75"),
    ("Review %", "empty", "33.333"),
    ("Calibration error", "empty", "0.6"),
    ("Composite", "40.000", "69.333"),
    ("Change", "empty", "+29.333"),
    ("Status", "new", "improving"),
)


def why_url(kpi: str, quarter: Quarter | str, team_slug: str | None = None) -> str:
    """The address of the "why" page of a KPI of a team (None: all the dashboard's teams)."""
    return url_for(
        "explain.why", kpi=explanations.KPI_SLUGS[kpi], quarter=str(quarter), team=team_slug
    )


def log_query(counted: scoring.Counted, team_id: int | None) -> dict[str, str]:
    """The decision log's filters listing exactly what a figure counts."""
    query = scoring.as_query(counted)
    if team_id is None:
        query["dashboard"] = "1"
    else:
        query["team"] = str(team_id)
    return query


@bp.get("/why/<kpi>")
@login_required
def why(kpi: str) -> str:
    name = explanations.KPI_BY_SLUG.get(kpi)
    if name is None:
        abort(404)
    try:
        quarter = Quarter.parse(request.args.get("quarter", ""))
    except ValueError:
        quarter = Quarter.of(clock.today())
    session = db.session
    slug = request.args.get("team", "").strip()
    team = None
    if slug:
        team = team_by_slug(session, slug)
        if team is None or not permissions.can_see_team(session, current_user, team):
            abort(404)
        team_ids = {team.id}
    else:
        team_ids = permissions.dashboard_teams(session, current_user).filter
    found = explain.why(session, name, quarter, team_ids, today=clock.today())
    team_id = None if team is None else team.id
    return render_template(
        "explain/why.html",
        why=found,
        team=team,
        definition=explanations.KPI_DEFINITIONS[name],
        help=KPI_HELP[name],
        places=KPI_PLACES.get(name, 1),
        log_args=log_query(found.counted, team_id),
        all_args=log_query(scoring.averaged_over(name, quarter.index), team_id),
        kpi_url=lambda other: why_url(other, quarter, slug or None),
        back_url=url_for("dashboard.team", slug=team.slug, quarter=quarter)
        if team
        else url_for("dashboard.index", quarter=quarter),
    )


@bp.get("/how-scores-work")
@login_required
def method() -> str:
    session = db.session
    current = scores.current_method(session)
    return render_template(
        "explain/method.html",
        method=current,
        groups=current.groups,
        categories=current.categories,
        weights=[(key, kpi, current.weights[key]) for key, kpi in scoring.WEIGHED_KPIS.items()],
        definitions=explanations.KPI_DEFINITIONS,
        slugs=explanations.KPI_SLUGS,
        example=WORKED_EXAMPLE,
        version=reference.current_version(session),
        today_progress=scores.progress_of(Quarter.of(clock.today()), clock.today()),
    )
