"""Who may see and act on suggestions and survey rounds. Every view and service asks here.

- A team's suggestion is seen by the people of that team (and admins); one for the whole
  organisation by everyone signed in. Anyone who sees it may comment; anyone but its
  proposer may support it while it is open or in progress.
- Anyone proposes for one of their teams or for the whole organisation (admins: any team).
- A manager of the team answers its suggestions (in progress, accept, decline); admins answer
  any, and alone those for the whole organisation.
- Admins open survey rounds and adopt the weights they propose. Invited people answer while a
  round is open. Results are aggregates only: admins see every scope; managers the
  organisation's and their managed teams'; invited people the organisation's and their own
  teams'. No aggregate of fewer than 5 respondents is ever made (domain.survey), and no
  individual answer is shown to anyone.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain.suggestions import TRANSITIONS, SuggestionStatus
from scorecard.models import User
from scorecard.models_suggestions import Suggestion
from scorecard.models_surveys import SurveyInvitation, SurveyRound, SurveyRoundTeam
from scorecard.services.accounts import managed_team_ids, visible_team_ids


def _cached(session: Session, kind: str, user: User) -> set[int] | None:
    """The user's visible or managed team ids, asked once per session (that is, per request)."""
    key = ("participation", kind, user.id)
    if key not in session.info:
        lookup = visible_team_ids if kind == "visible" else managed_team_ids
        session.info[key] = lookup(session, user)
    return session.info[key]


def visible_teams(session: Session, user: User) -> set[int] | None:
    return _cached(session, "visible", user)


def managed_teams(session: Session, user: User) -> set[int] | None:
    return _cached(session, "managed", user)


# Suggestions -----------------------------------------------------------------------------------


def suggestion_scope(session: Session, user: User) -> sa.ColumnElement[bool]:
    """The condition on suggestions that the user may see."""
    teams = visible_teams(session, user)
    if teams is None:
        return sa.true()
    return sa.or_(Suggestion.team_id.is_(None), Suggestion.team_id.in_(sorted(teams)))


def can_see_suggestion(session: Session, user: User, suggestion: Suggestion) -> bool:
    teams = visible_teams(session, user)
    return teams is None or suggestion.team_id is None or suggestion.team_id in teams


def can_propose_for(session: Session, user: User, team_id: int | None) -> bool:
    teams = visible_teams(session, user)
    return team_id is None or teams is None or team_id in teams


def can_support(session: Session, user: User, suggestion: Suggestion) -> bool:
    return (
        can_see_suggestion(session, user, suggestion)
        and suggestion.author_id != user.id
        and suggestion.status in (SuggestionStatus.OPEN, SuggestionStatus.IN_PROGRESS)
    )


def can_comment_on(session: Session, user: User, suggestion: Suggestion) -> bool:
    return can_see_suggestion(session, user, suggestion)


def can_answer(session: Session, user: User, suggestion: Suggestion) -> bool:
    """Whether the user may answer it at all (whatever its status)."""
    if user.is_admin:
        return True
    if suggestion.team_id is None:
        return False
    managed = managed_teams(session, user)
    return managed is None or suggestion.team_id in managed


def answers_open_to(session: Session, user: User, suggestion: Suggestion) -> list[str]:
    """The answers the user may give it now."""
    if not can_answer(session, user, suggestion):
        return []
    return [s.value for s in TRANSITIONS[SuggestionStatus(suggestion.status)]]


# Survey rounds ---------------------------------------------------------------------------------


def can_manage_surveys(user: User) -> bool:
    return user.is_admin


def is_invited(session: Session, user: User, survey: SurveyRound) -> bool:
    return session.get(SurveyInvitation, (survey.id, user.id)) is not None


def is_open(survey: SurveyRound, today: date) -> bool:
    return survey.opens_on <= today <= survey.closes_on


def can_answer_survey(session: Session, user: User, survey: SurveyRound, today: date) -> bool:
    return is_open(survey, today) and is_invited(session, user, survey)


def result_teams(
    session: Session, user: User, survey: SurveyRound, round_teams: Collection[int]
) -> set[int] | None:
    """The round's teams whose results the user may see (None: the user may see no result
    of this round at all; an empty set: only the organisation's)."""
    if user.is_admin:
        return set(round_teams)
    managed = managed_teams(session, user) or set()
    visible = visible_teams(session, user) or set()
    invited = is_invited(session, user, survey)
    mine = set(round_teams) & (managed | (visible if invited else set()))
    if not mine and not invited:
        return None
    return mine


def survey_scope(session: Session, user: User) -> sa.ColumnElement[bool]:
    """The rounds the user may see at all: invited to, or covering a team they manage."""
    if user.is_admin:
        return sa.true()
    invited = sa.select(SurveyInvitation.round_id).where(SurveyInvitation.user_id == user.id)
    conditions = [SurveyRound.id.in_(invited)]
    managed = managed_teams(session, user) or set()
    if managed:
        covering = sa.select(SurveyRoundTeam.round_id).where(
            SurveyRoundTeam.team_id.in_(sorted(managed))
        )
        conditions.append(SurveyRound.id.in_(covering))
    return sa.or_(*conditions)
