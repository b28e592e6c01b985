"""Who and what an export covers: the teams (asked of `scorecard.permissions`), how the scope
is named, and the quarters on offer."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.domain.quarters import Quarter
from scorecard.models import (
    Decision,
    User,
)
from scorecard.permissions import Teams
from scorecard.services import accounts


class ExportNotFound(LookupError):
    """No such team or export, or not one the user may see (shown as 404)."""


class ExportForbidden(PermissionError):
    """The user's role does not allow this export (shown as 403)."""


# --- who may export what ----------------------------------------------------------------------


def export_scope(session: Session, actor: User | None, team_slug: str | None = None) -> Teams:
    """The teams an export covers: one team, or all the actor may export (every team for
    admins and the command line, the managed teams for a manager); the rule lives in
    `scorecard.permissions`."""
    if not permissions.can_export(actor):
        raise ExportForbidden("only managers and admins export scorecards")
    team = None
    if team_slug:
        team = accounts.team_by_slug(session, team_slug)
        if team is None:
            raise ExportNotFound(f"no team has the slug {team_slug!r}")
    try:
        return permissions.export_teams(session, actor, team)
    except permissions.NotFound as refused:
        raise ExportNotFound(str(refused)) from None
    except permissions.Forbidden as refused:
        raise ExportForbidden(str(refused)) from None


def scope_name(session: Session, teams: Teams) -> tuple[str, str]:
    """How an export of these teams is labelled and named: (label, slug)."""
    if teams.every:
        return "All teams", "all-teams"
    named = [t for t in accounts.all_teams(session) if t.id in teams]
    if len(named) == 1:
        return named[0].name, named[0].slug
    return ", ".join(t.name for t in named), f"{len(named)}-teams"


def quarters_to_offer(session: Session, latest: Quarter, at_most: int = 40) -> list[Quarter]:
    """The quarters to choose from, newest first: from the first decision's (none before any
    data) to `latest`, at most `at_most` of them."""
    first_day = session.scalar(sa.select(sa.func.min(Decision.decided_on)))
    first = latest if first_day is None else Quarter.of(first_day)
    first = max(min(first, latest), latest.last_n(at_most)[0])
    return list(reversed(Quarter.range(first, latest)))


# --- gathering the figures --------------------------------------------------------------------


# --- files ------------------------------------------------------------------------------------
