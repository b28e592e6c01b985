"""What a person's own page shows: their decisions, the reviews they must record, the questions
waiting for them, and how close their estimates came to what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from scorecard import permissions
from scorecard.domain import calibration
from scorecard.domain.quarters import Quarter
from scorecard.models import (
    Comment,
    Decision,
    Review,
    StakeholderGroup,
    StakeholderImpact,
    Status,
    User,
)
from scorecard.services import audit, conversation
from scorecard.services.decision_log import due_clause

SHOWN = 10


@dataclass(frozen=True)
class MyDecisions:
    drafts: list[Decision]
    decided: list[Decision]
    reviewed: list[Decision]
    counts: dict[str, int]


@dataclass(frozen=True)
class ReviewsToRecord:
    """Reviews that are due: those the person records (their own decisions) and, for
    managers, those of their teams' other members, which they may record too."""

    yours: list[Decision]
    team: list[Decision]


def _mine(session: Session, user: User, status: str, order: list, limit: int) -> list[Decision]:
    return list(
        session.scalars(
            sa.select(Decision)
            .options(joinedload(Decision.team))
            .where(Decision.author_id == user.id, Decision.status == status, ~Decision.archived)
            .order_by(*order)
            .limit(limit)
        )
    )


def my_decisions(session: Session, user: User) -> MyDecisions:
    counts = dict(
        session.execute(
            sa.select(Decision.status, sa.func.count())
            .where(Decision.author_id == user.id, ~Decision.archived)
            .group_by(Decision.status)
        ).all()
    )
    return MyDecisions(
        drafts=_mine(session, user, Status.DRAFT, [Decision.updated_at.desc()], SHOWN),
        decided=_mine(
            session, user, Status.DECIDED, [Decision.review_due.asc(), Decision.id], SHOWN
        ),
        reviewed=_mine(session, user, Status.REVIEWED, [Decision.decided_on.desc()], SHOWN),
        counts={s.value: counts.get(s.value, 0) for s in Status},
    )


def reviews_to_record(session: Session, user: User, today: date) -> ReviewsToRecord:
    query = (
        sa.select(Decision)
        .options(joinedload(Decision.team), joinedload(Decision.author))
        .where(due_clause(today))
        .order_by(Decision.review_due, Decision.id)
        .limit(50)
    )
    yours = list(session.scalars(query.where(Decision.author_id == user.id)))
    team: list[Decision] = []
    if not permissions.managed_teams(session, user).empty:
        others = query.where(
            sa.or_(Decision.author_id.is_(None), Decision.author_id != user.id),
            permissions.reviewable_decisions(session, user),
        )
        team = list(session.scalars(others))
    return ReviewsToRecord(yours, team)


def open_questions(session: Session, user: User) -> list[Comment]:
    return conversation.open_questions(session, user)


def estimates(session: Session, user: User) -> list[calibration.Estimate]:
    """Each reviewed estimate of the person's decisions: quarter decided, group, both values."""
    rows = session.execute(
        sa.select(
            Decision.decided_on,
            StakeholderGroup.name,
            StakeholderImpact.impact,
            StakeholderImpact.actual,
        )
        .join(StakeholderImpact, StakeholderImpact.decision_id == Decision.id)
        .join(StakeholderGroup, StakeholderGroup.id == StakeholderImpact.group_id)
        .join(Review, Review.decision_id == Decision.id)
        .where(
            Decision.author_id == user.id,
            Decision.status == Status.REVIEWED,
            ~Decision.archived,
            StakeholderImpact.actual.is_not(None),
        )
    )
    return [
        calibration.Estimate(Quarter.of(decided_on), group, impact, actual)
        for decided_on, group, impact, actual in rows
    ]


def group_names(session: Session) -> list[str]:
    return list(
        session.scalars(
            sa.select(StakeholderGroup.name).order_by(
                StakeholderGroup.position, StakeholderGroup.id
            )
        )
    )


def set_aim(session: Session, user: User, aim: str) -> bool:
    """What the person is working to achieve; False when it did not change."""
    aim = " ".join(aim.split())
    if aim == user.aim:
        return False
    audit.record(session, user, "user", user.id, "aim", {"aim": [user.aim, aim]})
    user.aim = aim
    return True
