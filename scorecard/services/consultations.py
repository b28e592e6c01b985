"""Consultations of a decision's stakeholders: create, close, revoke, answer, moderate, and
what the decision page shows of them. The caller (a view) commits."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import voice
from scorecard.domain.voice import AnswerSummary
from scorecard.models import Answer, Consultation, Decision, StakeholderGroup, User
from scorecard.services import audit, score_cache
from scorecard.services.consultation_links import new_link_key

DEFAULT_QUESTION = "How would this decision affect you?"
MAX_QUESTION = 300
MAX_DESCRIPTION = 2000
MAX_COMMENT = 1000
MAX_CONTACT = 200
MAX_DAYS = 365
DEFAULT_DAYS = 30
DEFAULT_MAX_ANSWERS = 200
MAX_ANSWERS_LIMIT = 10_000
# Direction marks and zero-width characters can make a comment read as something it is not.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


class ConsultationError(ValueError):
    """A write the consultation's state does not allow, with a message for the user."""


class AnswerRefused(Exception):
    """The consultation takes no (more) answers from here: `state` says why."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


# States of a consultation, as the public page and the decision page name them.
OPEN, CLOSED, REVOKED, ENDED, FULL, ANSWERED = (
    "open",
    "closed",
    "revoked",
    "ended",
    "full",
    "answered",
)


@dataclass(frozen=True)
class ConsultationInput:
    group_id: int
    question: str
    ends_on: date
    max_answers: int
    description: str = ""


@dataclass(frozen=True)
class AnswerInput:
    rating: int
    comment: str = ""
    contact: str = ""


def clean_text(text: str, limit: int) -> str:
    """Text as given, in composed form, without invisible direction marks, trimmed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text or ""))
    return text.strip()[:limit]


def state(
    session: Session, consultation: Consultation, today: date, answers: int | None = None
) -> str:
    """open, or why it takes no answers: revoked, closed (also when its decision is archived),
    ended (after its end date) or full (its maximum reached; `answers` if counted already)."""
    if consultation.revoked_at is not None:
        return REVOKED
    if consultation.closed_at is not None or consultation.decision.archived:
        return CLOSED
    if today > consultation.ends_on:
        return ENDED
    if answers is None:
        answers = answer_count(session, consultation.id)
    if answers >= consultation.max_answers:
        return FULL
    return OPEN


def answer_count(session: Session, consultation_id: int) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(Answer.id)).where(Answer.consultation_id == consultation_id)
        )
        or 0
    )


# --- the author's side -------------------------------------------------------------------


def create(
    session: Session, actor: User, decision: Decision, data: ConsultationInput, today: date
) -> Consultation:
    if decision.archived:
        raise ConsultationError("An archived decision cannot be consulted on; restore it first.")
    group = session.get(StakeholderGroup, data.group_id)
    if group is None or not group.active:
        raise ConsultationError("Choose one of the stakeholder groups.")
    question = clean_text(data.question, MAX_QUESTION)
    if not question:
        raise ConsultationError("Write the question the stakeholders will answer.")
    if not today <= data.ends_on <= today + timedelta(days=MAX_DAYS):
        raise ConsultationError(f"The end date must be between today and {MAX_DAYS} days ahead.")
    if not 1 <= data.max_answers <= MAX_ANSWERS_LIMIT:
        raise ConsultationError(f"The maximum must be between 1 and {MAX_ANSWERS_LIMIT:,}.")
    consultation = Consultation(
        decision_id=decision.id,
        group_id=group.id,
        question=question,
        description=clean_text(data.description, MAX_DESCRIPTION),
        ends_on=data.ends_on,
        max_answers=data.max_answers,
        link_key=new_link_key(),
        created_by_id=actor.id,
    )
    session.add(consultation)
    session.flush()
    audit.record(
        session,
        actor,
        "consultation",
        consultation.id,
        "create",
        {
            "decision_id": decision.id,
            "group": group.name,
            "question": question,
            "ends_on": data.ends_on,
            "max_answers": data.max_answers,
        },
    )
    return consultation


def close(session: Session, actor: User, consultation: Consultation) -> bool:
    """No more answers; those given stay. False if it was closed or revoked already."""
    if consultation.closed_at is not None or consultation.revoked_at is not None:
        return False
    consultation.closed_at = datetime.now(UTC)
    audit.record(
        session, actor, "consultation", consultation.id, "close", {"answers": _count(consultation)}
    )
    return True


def revoke(session: Session, actor: User, consultation: Consultation) -> bool:
    """The link stops working at once (410); the answers given stay."""
    if consultation.revoked_at is not None:
        return False
    consultation.revoked_at = datetime.now(UTC)
    audit.record(
        session, actor, "consultation", consultation.id, "revoke", {"answers": _count(consultation)}
    )
    return True


def hide_comment(session: Session, actor: User, answer: Answer) -> bool:
    """The comment is no longer shown; the rating still counts. Audited, without the text."""
    if answer.comment_hidden_at is not None or not answer.comment:
        return False
    answer.comment_hidden_at = datetime.now(UTC)
    answer.comment_hidden_by_id = actor.id
    audit.record(
        session,
        actor,
        "consultation_answer",
        answer.id,
        "hide_comment",
        {"consultation_id": answer.consultation_id, "characters": len(answer.comment)},
    )
    return True


def _count(consultation: Consultation) -> int:
    return len(consultation.answers)


# --- the stakeholder's side --------------------------------------------------------------


def record_answer(
    session: Session,
    consultation_id: int,
    data: AnswerInput,
    browser_key: str,
    now: datetime | None = None,
) -> Answer:
    """Store one answer, or refuse it (AnswerRefused) when the consultation takes none or this
    browser has answered already. The consultation is locked for the check, so its maximum
    holds under concurrent answers."""
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).date()
    consultation = session.scalar(
        sa.select(Consultation).where(Consultation.id == consultation_id).with_for_update()
    )
    if consultation is None:
        raise AnswerRefused(REVOKED)
    current = state(session, consultation, today)
    if current != OPEN:
        raise AnswerRefused(current)
    if has_answered(session, consultation.id, browser_key):
        raise AnswerRefused(ANSWERED)
    if data.rating not in voice.RATINGS:
        raise ValueError(f"a rating runs from −3 to +3, not {data.rating}")
    answer = Answer(
        consultation_id=consultation.id,
        rating=data.rating,
        comment=clean_text(data.comment, MAX_COMMENT),
        contact=clean_text(data.contact, MAX_CONTACT),
        created_at=now,
        answered_on=today,
        browser_key=browser_key,
    )
    # It may make the group consulted (SCORING.md's consulted_g), which the stored sums count.
    with score_cache.changing(session, consultation.decision_id):
        session.add(answer)
    return answer


def has_answered(session: Session, consultation_id: int, browser_key: str) -> bool:
    return (
        session.scalar(
            sa.select(Answer.id).where(
                Answer.consultation_id == consultation_id, Answer.browser_key == browser_key
            )
        )
        is not None
    )


# --- what the decision page shows --------------------------------------------------------


@dataclass(frozen=True)
class ShownComment:
    answer_id: int
    consultation_id: int
    rating: int
    text: str  # "" when hidden
    hidden: bool
    answered_on: date


@dataclass
class GroupVoice:
    """One group's answers to a decision, over all its consultations."""

    summary: AnswerSummary
    before_deciding: int  # answers on or before the decision's date
    comments: list[ShownComment] = field(default_factory=list)

    @property
    def consulted(self) -> bool:
        return self.before_deciding > 0

    @property
    def after_deciding(self) -> int:
        return self.summary.count - self.before_deciding


@dataclass(frozen=True)
class ConsultationRow:
    consultation: Consultation
    state: str
    answers: int


def consultations_of(session: Session, decision: Decision, today: date) -> list[ConsultationRow]:
    rows = session.scalars(
        sa.select(Consultation)
        .where(Consultation.decision_id == decision.id)
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())
    ).all()
    counts = dict(
        session.execute(
            sa.select(Answer.consultation_id, sa.func.count(Answer.id))
            .join(Consultation, Consultation.id == Answer.consultation_id)
            .where(Consultation.decision_id == decision.id)
            .group_by(Answer.consultation_id)
        ).all()
    )
    return [
        ConsultationRow(c, state(session, c, today, counts.get(c.id, 0)), counts.get(c.id, 0))
        for c in rows
    ]


def voice_of(session: Session, decision: Decision) -> dict[int, GroupVoice]:
    """Per group id: the answers' summary, how many came before deciding, the comments."""
    rows = session.execute(
        sa.select(
            Consultation.group_id,
            Answer.consultation_id,
            Answer.id,
            Answer.rating,
            Answer.comment,
            Answer.comment_hidden_at,
            Answer.answered_on,
        )
        .join(Consultation, Consultation.id == Answer.consultation_id)
        .where(Consultation.decision_id == decision.id)
        .order_by(Answer.id)
    ).all()
    by_group: dict[int, list[sa.Row]] = defaultdict(list)
    for row in rows:
        by_group[row.group_id].append(row)
    result = {}
    for group_id, answers in by_group.items():
        result[group_id] = GroupVoice(
            summary=voice.summarise(a.rating for a in answers),
            before_deciding=sum(a.answered_on <= decision.decided_on for a in answers),
            comments=[
                ShownComment(
                    a.id,
                    a.consultation_id,
                    a.rating,
                    "" if a.comment_hidden_at else a.comment,
                    a.comment_hidden_at is not None,
                    a.answered_on,
                )
                for a in answers
                if a.comment
            ],
        )
    return result
