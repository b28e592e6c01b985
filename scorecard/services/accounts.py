"""Users, teams and memberships. Who may see or manage which team is decided in
`scorecard.permissions`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.models import Membership, Role, Team, User
from scorecard.passwords import hash_password
from scorecard.services import audit


class AccountError(ValueError):
    """A request that would make accounts or teams inconsistent, with a message for the user."""


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64]


SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def team_by_slug(session: Session, slug: str) -> Team | None:
    return session.scalar(sa.select(Team).where(Team.slug == slug))


def team_by_name_or_slug(session: Session, value: str) -> Team | None:
    value = value.strip()
    return session.scalar(
        sa.select(Team).where(
            sa.or_(Team.slug == value.lower(), sa.func.lower(Team.name) == value.lower())
        )
    )


def all_teams(session: Session) -> list[Team]:
    return list(session.scalars(sa.select(Team).order_by(Team.name)))


def create_team(
    session: Session, actor: User | None, name: str, slug: str | None = None, description: str = ""
) -> Team:
    name = name.strip()
    if not name:
        raise AccountError("a team needs a name")
    slug = (slug or slugify(name)).strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise AccountError(
            f"slug {slug!r} must be lower-case letters and digits separated by single hyphens"
        )
    if session.scalar(sa.select(Team.id).where(Team.slug == slug)) is not None:
        raise AccountError(f"a team with the slug {slug!r} already exists")
    if session.scalar(sa.select(Team.id).where(sa.func.lower(Team.name) == name.lower())):
        raise AccountError(f"a team named {name!r} already exists")
    team = Team(name=name, slug=slug, description=description.strip())
    session.add(team)
    session.flush()
    audit.record(session, actor, "team", team.id, "create", {"name": name, "slug": slug})
    return team


def update_team(session: Session, actor: User, team: Team, name: str, description: str) -> Team:
    name = name.strip()
    clash = session.scalar(
        sa.select(Team.id).where(sa.func.lower(Team.name) == name.lower(), Team.id != team.id)
    )
    if clash is not None:
        raise AccountError(f"a team named {name!r} already exists")
    changes = {}
    if team.name != name:
        changes["name"] = [team.name, name]
    if team.description != description.strip():
        changes["description"] = [team.description, description.strip()]
    team.name, team.description = name, description.strip()
    if changes:
        audit.record(session, actor, "team", team.id, "update", changes)
    return team


def create_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    display_name: str,
    password: str,
    role: str,
    teams: Iterable[Team] = (),
    manages: Iterable[Team] = (),
) -> User:
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise AccountError(f"role must be staff, manager or admin, not {role!r}")
    if not display_name.strip():
        raise AccountError("a user needs a name")
    if find_user(session, email) is not None:
        raise AccountError(f"a user with the email {email} already exists")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
    )
    session.add(user)
    session.flush()
    managed = {t.id for t in manages}
    for team in {t.id: t for t in [*teams, *manages]}.values():
        session.add(Membership(user_id=user.id, team_id=team.id, manages=team.id in managed))
    session.flush()
    permissions.forget(session)
    audit.record(
        session,
        actor,
        "user",
        user.id,
        "create",
        {
            "email": email,
            "role": role,
            "teams": sorted(t.slug for t in teams),
            "manages": sorted(t.slug for t in manages),
        },
    )
    return user


def set_memberships(
    session: Session, actor: User, user: User, team_ids: set[int], managed_ids: set[int]
) -> None:
    """Make the user's memberships exactly these teams (managing those in managed_ids)."""
    team_ids = team_ids | managed_ids
    before = {m.team_id: m.manages for m in user.memberships}
    after = {tid: tid in managed_ids for tid in team_ids}
    if before == after:
        return
    for membership in list(user.memberships):
        if membership.team_id not in after:
            user.memberships.remove(membership)
        else:
            membership.manages = after[membership.team_id]
    for tid in after.keys() - before.keys():
        user.memberships.append(Membership(team_id=tid, manages=after[tid]))
    session.flush()
    permissions.forget(session)
    audit.record(
        session,
        actor,
        "user",
        user.id,
        "memberships",
        {
            "before": {str(k): v for k, v in sorted(before.items())},
            "after": {str(k): v for k, v in sorted(after.items())},
        },
    )


def update_user(
    session: Session, actor: User, user: User, *, display_name: str, role: str, active: bool
) -> None:
    if role not in {r.value for r in Role}:
        raise AccountError(f"role must be staff, manager or admin, not {role!r}")
    if user.id == actor.id and (role != Role.ADMIN or not active):
        raise AccountError("you cannot remove your own admin role or deactivate yourself")
    changes = {}
    for field, value in (
        ("display_name", display_name.strip()),
        ("role", role),
        ("active", active),
    ):
        if getattr(user, field) != value:
            changes[field] = [getattr(user, field), value]
            setattr(user, field, value)
    if "active" in changes and not active:
        user.session_generation += 1  # a deactivated user's sessions end at once
    if changes:
        permissions.forget(session)
        audit.record(session, actor, "user", user.id, "update", changes)


def set_password(session: Session, actor: User | None, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_generation += 1
    audit.record(session, actor, "user", user.id, "password", {})


def record_login(user: User) -> None:
    user.last_login_at = datetime.now(UTC)


def teams_of(session: Session, user: User) -> list[Team]:
    """The teams the user belongs to (every team for admins), by name."""
    query = sa.select(Team).order_by(Team.name)
    query = query.where(permissions.visible_teams(session, user).where(Team.id))
    return list(session.scalars(query))


def users(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.display_name)))
