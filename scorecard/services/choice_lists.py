"""The lists the log's filter bar offers, kept per process under the database's choice-lists
version.

Teams, people, stakeholder groups and the quarters that hold decisions change rarely, yet the
log offers all of them on every page: reading them costs more than the rest of the page's
queries together. Each process keeps them by reader's visible teams, under the number of the
`choice_lists_version` row that triggers change in the transaction of every write that may
change a list (migration 0013). A request reads that one number; the lists are read again only
when it has changed, in the request's own snapshot, so a list is never older than the number it
is kept under.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.domain.quarters import Quarter
from scorecard.models import ChoiceListsVersion, Team, User
from scorecard.services import accounts, decision_log, reference
from scorecard.services.decision_log import Named

KEPT = 256  # sets of visible teams per database; a process seldom sees more than a few


@dataclass(frozen=True)
class LogChoices:
    teams: tuple[Named, ...]
    quarters: tuple[Quarter, ...]  # newest first
    groups: tuple[Named, ...]
    authors: tuple[Named, ...]


# Per database engine, as the dashboard's figures are: another database never shares them.
_Kept = OrderedDict[permissions.Teams, tuple[int, LogChoices]]  # by visible teams: (version, lists)
_kept: weakref.WeakKeyDictionary[sa.Engine, _Kept] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


_VERSION = ChoiceListsVersion.__table__
_READ_VERSION = sa.select(_VERSION.c.version).where(_VERSION.c.id == 1)


def version(session: Session) -> int | None:
    """The number the lists are kept under; None where the row is missing (not kept then).
    A plain statement built once: it runs on every page of the log."""
    return session.scalar(_READ_VERSION)


def ensure_version(session: Session) -> None:
    """Put the row back on a database emptied of it, with a number no process keeps."""
    if version(session) is None:
        session.add(ChoiceListsVersion(id=1, version=secrets.randbits(63)))
        session.flush()


def log_choices(session: Session, user: User, *, today: date) -> LogChoices:
    """The log's lists for this reader: from the process's copy when the version still names
    it, else read afresh (and kept). Where the teams hold no decision yet, the quarters are
    today's alone."""
    lists = _kept_or_read(session, user)
    if lists.quarters:
        return lists
    return dataclasses.replace(lists, quarters=(Quarter.of(today),))


def _kept_or_read(session: Session, user: User) -> LogChoices:
    teams = permissions.visible_teams(session, user)
    current = version(session)
    with _lock:
        kept = _kept.setdefault(session.get_bind(), OrderedDict())
        found = kept.get(teams)
        if found is not None and current is not None and found[0] == current:
            kept.move_to_end(teams)
            return found[1]
    lists = _read(session, user)
    if current is not None:
        with _lock:
            kept = _kept.setdefault(session.get_bind(), OrderedDict())
            kept[teams] = (current, lists)
            kept.move_to_end(teams)
            while len(kept) > KEPT:
                kept.popitem(last=False)
    return lists


def forget() -> None:
    """Drop every kept list (the tests that count statements start without any)."""
    with _lock:
        _kept.clear()


def _read(session: Session, user: User) -> LogChoices:
    teams: list[Team] = accounts.teams_of(session, user)
    return LogChoices(
        teams=tuple(Named(t.id, t.name) for t in teams),
        quarters=tuple(decision_log.quarters(session, user)),
        groups=tuple(Named(g.id, g.name) for g in reference.active_groups(session)),
        authors=tuple(Named(i, name) for i, name in decision_log.authors(session, user)),
    )
