"""A team's purpose: what it is working to achieve, set by its managers."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import Team, User
from scorecard.services import audit
from scorecard.services.accounts import managed_team_ids, visible_team_ids


def can_see_team(session: Session, user: User, team: Team) -> bool:
    teams = visible_team_ids(session, user)
    return teams is None or team.id in teams


def can_set_purpose(session: Session, user: User, team: Team) -> bool:
    """Its managers, and admins."""
    managed = managed_team_ids(session, user)
    return managed is None or team.id in managed


def set_purpose(session: Session, actor: User, team: Team, purpose: str) -> bool:
    purpose = purpose.strip()
    if purpose == team.purpose:
        return False
    audit.record(session, actor, "team", team.id, "purpose", {"purpose": [team.purpose, purpose]})
    team.purpose = purpose
    return True


def purposes(session: Session) -> dict[str, str]:
    """Each team's purpose by slug, for those that have one."""
    rows = session.execute(sa.select(Team.slug, Team.purpose).where(Team.purpose != ""))
    return {slug: purpose for slug, purpose in rows}
