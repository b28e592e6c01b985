"""Who may do what: the one module that decides every permission of Do Better.

Views, services, exports and commands ask here; nothing else compares roles or team ids.

The public API (use it for every new feature):

- `Teams`: the teams a user may see or manage. `Teams.EVERY` stands for every team (admins,
  and the command line, which runs as the operator); otherwise `ids` lists them.
  `team_id in teams`, `teams.covers(ids)`, `teams.empty`, `teams.where(column)` (an SQL
  condition), `teams.filter` (`None` for every team, else the ids: what the score queries take).
- `visible_teams(session, user)`, `managed_teams(session, user)`, `dashboard_teams(session,
  user)`: a user's teams, asked once per session (that is, once per request).
- Decisions: `can_see`, `can_edit`, `can_review`, `can_comment`, `can_archive`,
  `can_see_archived`, and `visible_decisions(session, user)` (an SQL condition for lists).
- Teams: `can_see_team`.
- Files: `can_import`, `import_teams`, `can_export`, `export_teams` (raises `Forbidden` or
  `NotFound`), `exportable_teams`, `download_teams` (a stored export is downloadable when
  `download_teams(...).covers(its team ids)`).
- Administration: `can_administer`.

`user=None` means the command line: it may do everything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import Decision, Membership, Role, Status, Team, User


class Forbidden(Exception):
    """The user may not do this (shown as 403)."""


class NotFound(Exception):
    """The thing does not exist, or the user may not even know that it does (shown as 404)."""


@dataclass(frozen=True)
class Teams:
    """A set of teams a user may see or manage; `every` stands for all teams, present and
    future, without listing them."""

    ids: frozenset[int] = frozenset()
    every: bool = False

    EVERY: ClassVar[Teams]

    @classmethod
    def of(cls, ids: Iterable[int]) -> Teams:
        return cls(frozenset(int(i) for i in ids))

    def __contains__(self, team_id: object) -> bool:
        return self.every or team_id in self.ids

    @property
    def empty(self) -> bool:
        return not self.every and not self.ids

    def covers(self, team_ids: Collection[int] | None) -> bool:
        """Whether every one of these teams is in the set (None: every team)."""
        if self.every:
            return True
        return team_ids is not None and set(team_ids) <= self.ids

    @property
    def filter(self) -> frozenset[int] | None:
        """The team filter the score and export queries take: None for every team."""
        return None if self.every else self.ids

    def where(self, column: Any) -> sa.ColumnElement[bool]:
        """An SQL condition: `column` (a team id) is one of these teams."""
        if self.every:
            return sa.true()
        return column.in_(sorted(self.ids)) if self.ids else sa.false()


Teams.EVERY = Teams(every=True)


# --- a user's teams -----------------------------------------------------------------------------


def _memo(session: Session, user: User, kind: str, lookup: Any) -> Teams:
    """Asked once per session, that is, once per request or command."""
    key = ("permissions", kind, user.id)
    if key not in session.info:
        session.info[key] = lookup(session, user)
    return session.info[key]


def _visible(session: Session, user: User) -> Teams:
    if user.is_admin:
        return Teams.EVERY
    return Teams.of(
        session.scalars(sa.select(Membership.team_id).where(Membership.user_id == user.id))
    )


def _managed(session: Session, user: User) -> Teams:
    if user.is_admin:
        return Teams.EVERY
    if not user.is_manager:
        return Teams()
    query = sa.select(Membership.team_id).where(Membership.user_id == user.id, Membership.manages)
    return Teams.of(session.scalars(query))


def visible_teams(session: Session, user: User | None) -> Teams:
    """The teams whose decisions the user may see: their own teams; every team for admins."""
    return Teams.EVERY if user is None else _memo(session, user, "visible", _visible)


def managed_teams(session: Session, user: User | None) -> Teams:
    """The teams the user manages: none for staff, every team for admins."""
    return Teams.EVERY if user is None else _memo(session, user, "managed", _managed)


def dashboard_teams(session: Session, user: User) -> Teams:
    """The teams on the user's dashboard: all for admins, the managed ones for managers (their
    own teams if they manage none), their own teams for staff."""
    if user.is_manager:
        managed = managed_teams(session, user)
        if not managed.empty:
            return managed
    return visible_teams(session, user)


def forget(session: Session) -> None:
    """Drop the remembered teams (after memberships change within one session)."""
    for key in [k for k in session.info if isinstance(k, tuple) and k[:1] == ("permissions",)]:
        del session.info[key]


# --- decisions and teams ------------------------------------------------------------------------


def can_see(session: Session, user: User, decision: Decision) -> bool:
    return decision.team_id in visible_teams(session, user)


def can_see_team(session: Session, user: User, team: Team) -> bool:
    """A team's page is open to whoever may see its decisions."""
    return team.id in visible_teams(session, user)


def visible_decisions(session: Session, user: User) -> sa.ColumnElement[bool]:
    """An SQL condition on Decision: the decisions the user may see."""
    return visible_teams(session, user).where(Decision.team_id)


def _manages(session: Session, user: User, team_id: int) -> bool:
    return team_id in managed_teams(session, user)


def can_edit(session: Session, user: User, decision: Decision) -> bool:
    """The author while it is a draft; the author or a manager of the team afterwards; admins."""
    if user.is_admin:
        return True
    if not can_see(session, user, decision):
        return False
    if decision.author_id == user.id:
        return True
    return decision.status != Status.DRAFT and _manages(session, user, decision.team_id)


def can_review(session: Session, user: User, decision: Decision) -> bool:
    """The author or a manager of the team; admins."""
    if user.is_admin:
        return True
    if not can_see(session, user, decision):
        return False
    return decision.author_id == user.id or _manages(session, user, decision.team_id)


def can_comment(session: Session, user: User, decision: Decision) -> bool:
    """Whoever may see a decision may comment on it."""
    return can_see(session, user, decision)


def can_archive(session: Session, user: User, decision: Decision) -> bool:
    """A manager of the team; admins. Restoring is the same permission."""
    return user.is_admin or (
        can_see(session, user, decision) and _manages(session, user, decision.team_id)
    )


def can_see_archived(session: Session, user: User) -> bool:
    """Whether the log may offer to show archived decisions: to those who manage a team."""
    return not managed_teams(session, user).empty


def archived_visible(session: Session, user: User) -> sa.ColumnElement[bool]:
    """An SQL condition on Decision: archived decisions show only in teams the user manages."""
    managed = managed_teams(session, user)
    if managed.every:
        return sa.true()
    if managed.empty:
        return ~Decision.archived
    return sa.or_(~Decision.archived, managed.where(Decision.team_id))


# --- files: imports, exports, downloads ---------------------------------------------------------


def can_import(user: User | None) -> bool:
    """Managers and admins import decisions (into the teams they manage); so does the CLI."""
    return user is None or user.role in (Role.ADMIN, Role.MANAGER)


def import_teams(session: Session, user: User | None) -> Teams:
    """The teams an import may write to."""
    return managed_teams(session, user)


def import_authors(session: Session, user_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (user, team) pairs an import may record as a decision's author: a member of the
    decision's team, as a decision logged through the form is by a member of its team."""
    pairs: set[tuple[int, int]] = set()
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 1000):
        rows = session.execute(
            sa.select(Membership.user_id, Membership.team_id).where(
                Membership.user_id.in_(ids[start : start + 1000])
            )
        )
        pairs.update((user_id, team_id) for user_id, team_id in rows)
    return pairs


def can_export(user: User | None) -> bool:
    """Managers and admins export scorecards; so does the CLI."""
    return user is None or user.role in (Role.ADMIN, Role.MANAGER)


def exportable_teams(session: Session, user: User | None) -> list[Team]:
    """The teams the user may choose from when exporting, by name."""
    managed = managed_teams(session, user)
    return [t for t in session.scalars(sa.select(Team).order_by(Team.name)) if t.id in managed]


def export_teams(session: Session, user: User | None, team: Team | None = None) -> Teams:
    """The teams an export covers: `team`, or all the user may export. Raises Forbidden when
    the user may not export them, NotFound when the user may not even see the team."""
    if not can_export(user):
        raise Forbidden("only managers and admins export scorecards")
    managed = managed_teams(session, user)
    if team is not None:
        if team.id not in managed:
            if team.id not in visible_teams(session, user):
                raise NotFound(f"no team has the slug {team.slug!r}")
            raise Forbidden(f"you do not manage {team.name}")
        return Teams.of([team.id])
    if managed.empty:
        raise Forbidden("you manage no team")
    return managed


def download_teams(session: Session, user: User | None) -> Teams:
    """Stored exports are listed and downloaded by whoever manages every team they cover:
    admins (and the CLI) all of them, a manager those of the teams they manage."""
    return managed_teams(session, user)


# --- administration -----------------------------------------------------------------------------


def can_administer(user: User | None) -> bool:
    """Accounts, teams, reference data, backups: admins only (and the CLI)."""
    return user is None or user.is_admin
