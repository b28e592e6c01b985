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
- Teams: `can_see_team`, `can_set_purpose` (its managers write what it works to achieve).
- People: `decision_audience(decision)` (an SQL condition on User: who can see the decision,
  so who may be told of it or mentioned on it), `reviewable_decisions(session, user)` (an
  SQL condition on Decision: the reviews the user may record), `reviewers_of_teams(session,
  team_ids)` (the managers who may record any review of each team), `can_see_person`.
- Consultations of stakeholders: `can_consult` (ask, close, revoke), `can_moderate` (hide a
  comment); their public pages need no account (a signed link, `views/answering.py`).
- Files: `can_import`, `import_teams`, `can_export`, `export_teams` (raises `Forbidden` or
  `NotFound`), `exportable_teams`, `download_teams` (a stored export is downloadable when
  `download_teams(...).covers(its team ids)`).
- Jobs: `can_see_job` (its page, status and result).
- Personal access tokens: `can_manage_token`.
- Administration: `can_administer`.
- Suggestions: `suggestion_scope` (an SQL condition for the board), `can_see_suggestion`,
  `can_propose_for`, `can_support`, `can_comment_on_suggestion`, `can_answer_suggestion`,
  `answers_open_to`, `suggestion_viewers` (the people who may be told of one).
- Survey rounds: `can_manage_surveys`, `is_invited`, `survey_is_open`, `can_answer_survey`,
  `survey_result_teams`, `survey_scope`. Results are aggregates only, and no aggregate of
  fewer than 5 respondents is ever made (`scorecard.domain.survey`): no individual answer is
  shown to anyone.

`user=None` means the command line: it may do everything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain.suggestions import TRANSITIONS, SuggestionStatus
from scorecard.models import Decision, Job, Membership, Role, Status, Team, User
from scorecard.models_suggestions import Suggestion
from scorecard.models_surveys import SurveyInvitation, SurveyRound, SurveyRoundTeam


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


def can_set_purpose(session: Session, user: User, team: Team) -> bool:
    """A team's purpose is written by its managers, and admins."""
    return team.id in managed_teams(session, user)


# --- people: who is told, who records a review, whose profile one sees -------------------------


def decision_audience(decision: Decision) -> sa.ColumnElement[bool]:
    """An SQL condition on User: the people who can see the decision (the members of its team,
    and admins), so the only ones who may be told of it or mentioned on it."""
    members = sa.select(Membership.user_id).where(Membership.team_id == decision.team_id)
    return sa.or_(User.role == Role.ADMIN, User.id.in_(members))


def reviewable_decisions(session: Session, user: User) -> sa.ColumnElement[bool]:
    """An SQL condition on Decision: those whose review the user may record (see can_review)."""
    managed = managed_teams(session, user)
    if managed.every:
        return sa.true()
    return sa.or_(Decision.author_id == user.id, managed.where(Decision.team_id))


def reviewers_of_teams(session: Session, team_ids: Collection[int]) -> dict[int, set[int]]:
    """For each team, the active managers who may record any review of it (admins aside)."""
    rows = session.execute(
        sa.select(Membership.team_id, Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.team_id.in_(sorted(team_ids)),
            Membership.manages,
            User.role == Role.MANAGER,
            User.active,
        )
    )
    reviewers: dict[int, set[int]] = {}
    for team_id, user_id in rows:
        reviewers.setdefault(team_id, set()).add(user_id)
    return reviewers


def can_see_person(session: Session, user: User, person: User) -> bool:
    """A profile is open to the people of the person's teams, to the person, and to admins."""
    if user.is_admin or user.id == person.id:
        return True
    theirs = sa.select(Membership.team_id).where(Membership.user_id == person.id)
    return bool(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.user_id == user.id, Membership.team_id.in_(theirs))
        )
    )


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


# --- consultations of stakeholders --------------------------------------------------------------


def can_consult(session: Session, user: User, decision: Decision) -> bool:
    """Ask a decision's stakeholders, close or revoke the question: the decision's author or a
    manager of its team; admins. Whoever may see the decision sees its consultations."""
    if not can_see(session, user, decision):
        return False
    return decision.author_id == user.id or _manages(session, user, decision.team_id)


def can_moderate(session: Session, user: User, decision: Decision) -> bool:
    """Hide a stakeholder's comment on a decision: a manager of its team; admins."""
    return can_see(session, user, decision) and _manages(session, user, decision.team_id)


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


# --- jobs -------------------------------------------------------------------------------------


def can_see_job(session: Session, user: User, job: Job) -> bool:
    """The person who started a job sees it, admins every job; whoever may download an export
    of its teams sees an export job (a second start of the same export joins the first)."""
    if user.is_admin or (job.user_id is not None and job.user_id == user.id):
        return True
    if job.kind == "export" and "team_ids" in job.params:
        return download_teams(session, user).covers(job.params["team_ids"])
    return False


# --- personal access tokens ---------------------------------------------------------------------


def can_manage_token(user: User, token: Any) -> bool:
    """A personal access token is listed and revoked by its owner alone (not even an admin:
    deactivating the user ends all of them at once)."""
    return token.user_id == user.id


# --- administration -----------------------------------------------------------------------------


def can_administer(user: User | None) -> bool:
    """Accounts, teams, reference data, backups: admins only (and the CLI)."""
    return user is None or user.is_admin


# --- suggestions ---------------------------------------------------------------------------------
# A team's suggestion is seen by the people of that team (and admins); one for the whole
# organisation by everyone signed in. Whoever sees it may comment; anyone but its proposer may
# support it while it is open or in progress. A manager of the team answers it; admins answer
# any, and alone those for the whole organisation.


def suggestion_scope(session: Session, user: User) -> sa.ColumnElement[bool]:
    """An SQL condition on Suggestion: the suggestions the user may see."""
    teams = visible_teams(session, user)
    if teams.every:
        return sa.true()
    return sa.or_(Suggestion.team_id.is_(None), teams.where(Suggestion.team_id))


def can_see_suggestion(session: Session, user: User, suggestion: Suggestion) -> bool:
    return suggestion.team_id is None or suggestion.team_id in visible_teams(session, user)


def can_propose_for(session: Session, user: User, team_id: int | None) -> bool:
    """For one of the user's teams (any team for admins), or for the whole organisation."""
    return team_id is None or team_id in visible_teams(session, user)


def can_support(session: Session, user: User, suggestion: Suggestion) -> bool:
    return (
        can_see_suggestion(session, user, suggestion)
        and suggestion.author_id != user.id
        and suggestion.status in (SuggestionStatus.OPEN, SuggestionStatus.IN_PROGRESS)
    )


def can_comment_on_suggestion(session: Session, user: User, suggestion: Suggestion) -> bool:
    return can_see_suggestion(session, user, suggestion)


def can_answer_suggestion(session: Session, user: User, suggestion: Suggestion) -> bool:
    """Whether the user may answer it at all (whatever its status)."""
    if user.is_admin:
        return True
    return suggestion.team_id is not None and _manages(session, user, suggestion.team_id)


def answers_open_to(session: Session, user: User, suggestion: Suggestion) -> list[str]:
    """The answers the user may give it now."""
    if not can_answer_suggestion(session, user, suggestion):
        return []
    return [s.value for s in TRANSITIONS[SuggestionStatus(suggestion.status)]]


def suggestion_viewers(suggestion: Suggestion) -> sa.Select:
    """The ids of the active people who may see the suggestion (who may be told of it)."""
    query = sa.select(User.id).where(User.active)
    if suggestion.team_id is None:
        return query
    members = sa.select(Membership.user_id).where(Membership.team_id == suggestion.team_id)
    return query.where(sa.or_(User.role == Role.ADMIN.value, User.id.in_(members)))


# --- survey rounds -------------------------------------------------------------------------------
# Admins open rounds and adopt the weights they propose. Invited people answer while a round is
# open. Results: admins see every scope; managers the organisation's and their managed teams';
# invited people the organisation's and their own teams'.


def can_manage_surveys(user: User) -> bool:
    return user.is_admin


def is_invited(session: Session, user: User, survey: SurveyRound) -> bool:
    return session.get(SurveyInvitation, (survey.id, user.id)) is not None


def survey_is_open(survey: SurveyRound, today: date) -> bool:
    return survey.opens_on <= today <= survey.closes_on


def can_answer_survey(session: Session, user: User, survey: SurveyRound, today: date) -> bool:
    return survey_is_open(survey, today) and is_invited(session, user, survey)


def survey_result_teams(
    session: Session, user: User, survey: SurveyRound, round_teams: Collection[int]
) -> set[int] | None:
    """The round's teams whose results the user may see (None: no result of this round at
    all; an empty set: only the organisation's)."""
    if user.is_admin:
        return set(round_teams)
    invited = is_invited(session, user, survey)
    managed = managed_teams(session, user)
    visible = visible_teams(session, user)
    mine = {t for t in round_teams if t in managed or (invited and t in visible)}
    if not mine and not invited:
        return None
    return mine


def survey_scope(session: Session, user: User) -> sa.ColumnElement[bool]:
    """An SQL condition on SurveyRound: the rounds the user may see at all (invited to, or
    covering a team they manage)."""
    if user.is_admin:
        return sa.true()
    invited = sa.select(SurveyInvitation.round_id).where(SurveyInvitation.user_id == user.id)
    covering = sa.select(SurveyRoundTeam.round_id).where(
        managed_teams(session, user).where(SurveyRoundTeam.team_id)
    )
    return sa.or_(SurveyRound.id.in_(invited), SurveyRound.id.in_(covering))
