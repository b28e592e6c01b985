"""Reminding invited people who have not answered a round: once each, never twice.

A reminder is stamped on the invitation and sent through the notifications; the person also
sees the round on every visit (the banner of `waiting_for`) until they answer or it closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import User
from scorecard.models_surveys import SurveyInvitation, SurveyRound
from scorecard.services import notifications, surveys

KIND = "survey"

REMIND_DAYS_BEFORE_CLOSING = 3


def remind(session: Session, survey: SurveyRound, actor: User | None = None) -> int:
    """Remind everyone invited to the round who has neither answered nor been reminded,
    through the notifications (the bell, and email as each person prefers)."""
    moment = surveys.now()
    waiting = surveys.unanswered(session, survey)
    for invitation in waiting:
        invitation.reminded_at = moment
    if waiting:
        notifications.notify(
            session,
            [i.user_id for i in waiting],
            KIND,
            key=surveys.reminder_key(survey),
            title=f"Reminder: “{survey.title}” asks what matters to you, until {survey.closes_on:%d %b %Y}",
            body="Two minutes, anonymous: only totals of 5 people or more are ever shown.",
            link=f"/surveys/{survey.id}",
            actor=actor,
        )
    session.flush()
    return len(waiting)


def remind_closing(session: Session, today: date) -> dict[int, int]:
    """Remind for every open round that closes within REMIND_DAYS_BEFORE_CLOSING days:
    {round id: people reminded}. Run twice, it reminds no one twice."""
    rounds = session.scalars(
        sa.select(SurveyRound).where(
            SurveyRound.opens_on <= today,
            SurveyRound.closes_on >= today,
            SurveyRound.closes_on <= today + timedelta(days=REMIND_DAYS_BEFORE_CLOSING),
        )
    ).all()
    return {r.id: remind(session, r) for r in rounds}


@dataclass(frozen=True)
class Waiting:
    """An open round the person is invited to and has not answered."""

    round_id: int
    title: str
    closes_on: date
    reminded: bool


def _waiting(user: User, today: date) -> list[sa.ColumnElement[bool]]:
    return [
        SurveyInvitation.round_id == SurveyRound.id,
        SurveyInvitation.user_id == user.id,
        ~SurveyInvitation.answered,
        SurveyRound.opens_on <= today,
        SurveyRound.closes_on >= today,
    ]


def waiting_for(session: Session, user: User, today: date) -> list[Waiting]:
    rows = session.execute(
        sa.select(
            SurveyRound.id,
            SurveyRound.title,
            SurveyRound.closes_on,
            SurveyInvitation.reminded_at.is_not(None),
        )
        .where(*_waiting(user, today))
        .order_by(SurveyRound.closes_on)
    ).all()
    return [Waiting(*row) for row in rows]


def any_waiting(user: User, today: date) -> sa.Exists:
    """Whether a round waits for the person, as a condition for a statement that asks several
    things."""
    return sa.exists().where(*_waiting(user, today))
