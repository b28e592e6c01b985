"""Survey rounds of what matters to us: open a round, answer it (changeable until it closes),
and read its results as aggregates only. Permissions come from participation_access; the
caller commits.

Answers are kept apart from names: a response is found again by a keyed hash of the round and
the person (`respondent_key`), the invitation records only that its person answered, and no
audit event records an answer, so that no answer can be traced to its person.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from scorecard import permissions
from scorecard.domain import survey as rules
from scorecard.domain.survey import Aggregate, Response
from scorecard.models import Membership, Team, User
from scorecard.models_surveys import (
    SurveyInvitation,
    SurveyRating,
    SurveyResponse,
    SurveyResponseTeam,
    SurveyRound,
    SurveyRoundTeam,
)
from scorecard.services import audit, notifications, reference

DEFAULT_PURPOSE = (
    "Your answers tell us which stakeholder groups and which kinds of waste matter most in "
    "your work. Only totals of at least 5 people are ever shown, never one person's answer. "
    "An admin may propose new weights for the stakeholder groups from the totals; adopting "
    "them makes a new version of the scoring method, announced on every scorecard."
)


class SurveyError(ValueError):
    """A round or an answer that cannot be, with a message for the user."""


class SurveyForbidden(PermissionError):
    """The user may not do this with this round."""


@dataclass(frozen=True)
class RoundInput:
    title: str
    opens_on: date
    closes_on: date
    team_ids: tuple[int, ...]
    purpose: str = ""


def reminder_key(survey: SurveyRound) -> str:
    """The key of the one reminder of a round each invited person may get."""
    return f"survey:{survey.id}:reminder"


def respondent_key(secret: str, round_id: int, user_id: int) -> str:
    """The key a person's response is found by: no one can read the person from it."""
    message = f"survey-response:{round_id}:{user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def open_round(session: Session, actor: User, data: RoundInput) -> SurveyRound:
    """A round for these teams, inviting every active member of them."""
    if not permissions.can_manage_surveys(actor):
        raise SurveyForbidden("only admins open survey rounds")
    try:
        rules.check_round(data.title, data.opens_on, data.closes_on, data.team_ids)
    except rules.SurveyRuleError as error:
        raise SurveyError(str(error)) from None
    teams = sorted(set(data.team_ids))
    known = set(session.scalars(sa.select(Team.id).where(Team.id.in_(teams))))
    if known != set(teams):
        raise SurveyError("Choose teams from the list.")
    survey = SurveyRound(
        title=data.title.strip(),
        purpose=data.purpose.strip() or DEFAULT_PURPOSE,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        created_by_id=actor.id,
    )
    survey.teams = [SurveyRoundTeam(team_id=t) for t in teams]
    people = session.scalars(
        sa.select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id.in_(teams), User.active)
        .distinct()
    )
    survey.invitations = [SurveyInvitation(user_id=u) for u in sorted(set(people))]
    session.add(survey)
    session.flush()
    audit.record(
        session,
        actor,
        "survey_round",
        survey.id,
        "create",
        {
            "title": survey.title,
            "opens_on": survey.opens_on.isoformat(),
            "closes_on": survey.closes_on.isoformat(),
            "team_ids": teams,
            "invited": len(survey.invitations),
        },
    )
    return survey


def get(session: Session, round_id: int) -> SurveyRound | None:
    return session.get(
        SurveyRound,
        round_id,
        options=[selectinload(SurveyRound.teams).joinedload(SurveyRoundTeam.team)],
    )


@dataclass(frozen=True)
class RoundLine:
    """A round as the list of rounds shows it to one person."""

    survey: SurveyRound
    invited: bool
    answered: bool
    is_open: bool
    invited_count: int
    answered_count: int


def rounds_for(session: Session, user: User, today: date) -> list[RoundLine]:
    """The rounds the user may see, newest first."""
    found = session.scalars(
        sa.select(SurveyRound)
        .where(permissions.survey_scope(session, user))
        .order_by(SurveyRound.opens_on.desc(), SurveyRound.id.desc())
    ).all()
    ids = [r.id for r in found]
    counts = {
        round_id: (invited, answered)
        for round_id, invited, answered in session.execute(
            sa.select(
                SurveyInvitation.round_id,
                sa.func.count(),
                sa.func.count().filter(SurveyInvitation.answered),
            )
            .where(SurveyInvitation.round_id.in_(ids))
            .group_by(SurveyInvitation.round_id)
        )
    }
    mine = {
        i.round_id: i
        for i in session.scalars(
            sa.select(SurveyInvitation).where(
                SurveyInvitation.user_id == user.id, SurveyInvitation.round_id.in_(ids)
            )
        )
    }
    return [
        RoundLine(
            survey=r,
            invited=r.id in mine,
            answered=r.id in mine and mine[r.id].answered,
            is_open=permissions.survey_is_open(r, today),
            invited_count=counts.get(r.id, (0, 0))[0],
            answered_count=counts.get(r.id, (0, 0))[1],
        )
        for r in found
    ]


# Answers ---------------------------------------------------------------------------------------


def _find_response(session: Session, secret: str, survey: SurveyRound, user: User):
    key = respondent_key(secret, survey.id, user.id)
    return session.scalar(
        sa.select(SurveyResponse)
        .options(selectinload(SurveyResponse.ratings))
        .where(SurveyResponse.round_id == survey.id, SurveyResponse.respondent_key == key)
    )


def _as_response(stored: SurveyResponse) -> Response:
    return Response(
        groups={r.group_id: r.rating for r in stored.ratings if r.group_id is not None},
        categories={r.category_id: r.rating for r in stored.ratings if r.category_id is not None},
        teams=frozenset(t.team_id for t in stored.teams),
        comment=stored.comment,
    )


def my_answer(session: Session, secret: str, survey: SurveyRound, user: User) -> Response | None:
    """The user's own answer, to show them and let them change it while the round is open."""
    stored = _find_response(session, secret, survey, user)
    return None if stored is None else _as_response(stored)


def submit(
    session: Session, secret: str, actor: User, survey: SurveyRound, answer: Response, today: date
) -> bool:
    """Record the actor's answer, or replace it; True when it was their first."""
    if not permissions.can_answer_survey(session, actor, survey, today):
        raise SurveyForbidden("this round is not open to you")
    groups = [g.id for g in reference.active_groups(session)]
    categories = [c.id for c in reference.active_categories(session)]
    try:
        rules.check_response(answer, groups, categories)
    except rules.SurveyRuleError as error:
        raise SurveyError(str(error)) from None
    stored = _find_response(session, secret, survey, actor)
    first = stored is None
    if stored is None:
        stored = SurveyResponse(
            round_id=survey.id, respondent_key=respondent_key(secret, survey.id, actor.id)
        )
        session.add(stored)
    round_teams = {t.team_id for t in survey.teams}
    member_of = set(
        session.scalars(sa.select(Membership.team_id).where(Membership.user_id == actor.id))
    )
    stored.comment = answer.comment.strip()
    _store_ratings(stored, answer)
    wanted = round_teams & member_of
    stored.teams = [t for t in stored.teams if t.team_id in wanted] + [
        SurveyResponseTeam(team_id=t) for t in sorted(wanted - {t.team_id for t in stored.teams})
    ]
    invitation = session.get(SurveyInvitation, (survey.id, actor.id))
    assert invitation is not None  # can_answer_survey checked it
    invitation.answered = True
    # Their reminder, if any, is done.
    notifications.done(session, keys=[reminder_key(survey)], user_ids=[actor.id])
    session.flush()
    return first


def _store_ratings(stored: SurveyResponse, answer: Response) -> None:
    """Change the stored ratings in place (a rating is unique per response and subject)."""
    wanted = {("group", g): v for g, v in answer.groups.items()} | {
        ("category", c): v for c, v in answer.categories.items()
    }
    kept = []
    for rating in stored.ratings:
        subject = (
            ("group", rating.group_id) if rating.group_id else ("category", rating.category_id)
        )
        if subject in wanted:
            rating.rating = wanted.pop(subject)
            kept.append(rating)
    for (kind, item_id), value in wanted.items():
        kept.append(
            SurveyRating(group_id=item_id, rating=value)
            if kind == "group"
            else SurveyRating(category_id=item_id, rating=value)
        )
    stored.ratings = kept


# Results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """What the user may see of a round: aggregates only, each of 5 respondents or more."""

    survey: SurveyRound
    invited: int
    answered: int
    organisation: Aggregate | None
    teams: list[tuple[Team, Aggregate | None]] = field(default_factory=list)


def _responses(session: Session, survey: SurveyRound) -> list[Response]:
    stored = session.scalars(
        sa.select(SurveyResponse)
        .options(selectinload(SurveyResponse.ratings), selectinload(SurveyResponse.teams))
        .where(SurveyResponse.round_id == survey.id)
    )
    return [_as_response(s) for s in stored]


def results(session: Session, user: User, survey: SurveyRound) -> Results:
    round_teams = {t.team_id: t.team for t in survey.teams}
    allowed = permissions.survey_result_teams(session, user, survey, round_teams)
    if allowed is None:
        raise SurveyForbidden("you may not see this round's results")
    responses = _responses(session, survey)
    groups = [g.id for g in reference.active_groups(session)]
    categories = [c.id for c in reference.active_categories(session)]
    invited, answered = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(SurveyInvitation.answered)).where(
            SurveyInvitation.round_id == survey.id
        )
    ).one()
    shown = sorted((round_teams[t] for t in allowed), key=lambda t: t.name.casefold())
    return Results(
        survey=survey,
        invited=invited,
        answered=answered,
        organisation=rules.aggregate(responses, groups, categories),
        teams=[(t, rules.aggregate(responses, groups, categories, team_id=t.id)) for t in shown],
    )


def organisation_results(session: Session, survey: SurveyRound) -> Aggregate | None:
    """The organisation's aggregate of a round, for the weights it proposes."""
    groups = [g.id for g in reference.active_groups(session)]
    categories = [c.id for c in reference.active_categories(session)]
    return rules.aggregate(_responses(session, survey), groups, categories)


def unanswered(session: Session, survey: SurveyRound) -> Sequence[SurveyInvitation]:
    """Invitations not answered and not yet reminded."""
    return session.scalars(
        sa.select(SurveyInvitation).where(
            SurveyInvitation.round_id == survey.id,
            ~SurveyInvitation.answered,
            SurveyInvitation.reminded_at.is_(None),
        )
    ).all()


def now() -> datetime:
    return datetime.now(UTC)
