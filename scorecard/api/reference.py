"""/api/v1/teams, stakeholder groups, waste categories, and the Teams table of a quarter."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from scorecard import clock, permissions
from scorecard.api import schemas
from scorecard.api.blueprints import api_blueprint
from scorecard.api.problems import ApiProblem
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import StakeholderGroup, Team, WasteCategory
from scorecard.services import accounts, reference, scores

bp = api_blueprint("api_reference", "", "Teams, stakeholder groups, waste categories, scores.")


@bp.get("/teams")
@bp.response(200, schemas.Team(many=True))
def teams() -> list[Team]:
    """List your teams

    Every team for an admin; the teams you belong to otherwise."""
    return accounts.teams_of(db.session, current_user)


@bp.get("/stakeholder-groups")
@bp.response(200, schemas.StakeholderGroup(many=True))
def groups() -> list[StakeholderGroup]:
    """List stakeholder groups

    Retired groups too (`active` false): older decisions may name them."""
    return reference.all_groups(db.session)


@bp.get("/waste-categories")
@bp.response(200, schemas.WasteCategory(many=True))
def categories() -> list[WasteCategory]:
    """List waste categories"""
    return reference.all_categories(db.session)


@bp.get("/quarters/<quarter>/teams-table")
@bp.arguments(schemas.QuarterQuery, location="query")
@bp.response(200, schemas.TeamsTable)
def teams_table(args: dict[str, Any], quarter: str) -> dict[str, Any]:
    """The Teams table of a quarter

    The KPIs of each team you may follow (as on the dashboard: every team for an admin), then
    All teams, with the current scoring method: the figures of `flask scores --json`."""
    try:
        asked = Quarter.parse(quarter)
    except ValueError as error:
        raise ApiProblem(404, f"{quarter!r} is not a quarter: {error}") from error
    session = db.session
    team_ids = permissions.dashboard_teams(session, current_user).filter
    if args.get("team"):
        team = accounts.team_by_slug(session, args["team"])
        if team is None or not permissions.can_see_team(session, current_user, team):
            raise ApiProblem(404, f"There is no team {args['team']!r} that you may see.")
        team_ids = frozenset({team.id})
    table = scores.teams_table(session, asked, team_ids, today=clock.today())
    return scores.table_payload(table)
