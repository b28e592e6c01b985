"""A team's purpose: what it is working to achieve, written by its managers
(`permissions.can_set_purpose`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import Team, User
from scorecard.services import audit


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
