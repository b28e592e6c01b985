"""Writing decisions: create, edit (with revisions and a version check), review, comment,
archive and restore (who may do which: `scorecard.permissions`). The caller (a view or a command) commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from scorecard.domain import rules
from scorecard.models import (
    Comment,
    Decision,
    DecisionRevision,
    Review,
    StakeholderImpact,
    Status,
    User,
    WasteLine,
    utcnow,
)
from scorecard.services import audit, conversation, reminders, score_cache
from scorecard.services.decision_inputs import DecisionInput, ReviewInput, WasteInput
from scorecard.services.revisions import (
    differences,
    review_differences,
    snapshot,
    snapshot_of_input,
)

MAX_COMMENT = 5000


class DecisionError(ValueError):
    """A write the decision's state does not allow, with a message for the user (and the
    form field it is about, when there is one)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StaleDecision(Exception):
    """The decision changed since the form was opened: its version moved on."""

    def __init__(self, decision_id: int, expected: int) -> None:
        super().__init__(f"decision {decision_id} is no longer at version {expected}")
        self.decision_id = decision_id
        self.expected = expected


# Plain input -----------------------------------------------------------------------------------


# Snapshots and differences ---------------------------------------------------------------------


# Writes ----------------------------------------------------------------------------------------


def _check(data: DecisionInput, before: str | None) -> None:
    """The rules of `scorecard.domain.rules`, with their words; the first one broken is raised."""
    if not data.title.strip():
        raise DecisionError("A decision needs a title.", "title")
    facts = rules.Facts(
        status=data.status,
        decided_on=data.decided_on,
        review_due=data.review_due,
        impacts=tuple(item.impact for item in data.impacts),
        amounts=tuple(a for line in data.waste for a in (line.created, line.avoided)),
        waste_lines=len(data.waste),
    )
    for problem in rules.decision_problems(facts, date.today(), before):
        raise DecisionError(problem.message, problem.field)


def create(session: Session, actor: User, data: DecisionInput) -> Decision:
    _check(data, None)
    decision = Decision(team_id=data.team_id, author_id=actor.id, version=1)
    _apply_fields(decision, data)
    for item in data.impacts:
        decision.impacts.append(
            StakeholderImpact(
                group_id=item.group_id,
                impact=item.impact,
                consulted=item.consulted,
                note=item.note,
            )
        )
    _apply_waste(decision, data.waste)
    with score_cache.changing(session, decision):
        session.add(decision)
    audit.record(session, actor, "decision", decision.id, "create", snapshot(session, decision))
    return decision


def _apply_fields(decision: Decision, data: DecisionInput) -> None:
    decision.team_id = data.team_id
    decision.title = data.title.strip()
    decision.question = data.question.strip()
    decision.context = data.context.strip()
    decision.decision_taken = data.decision_taken.strip()
    decision.alternatives = data.alternatives.strip()
    decision.decided_on = data.decided_on
    decision.review_due = data.review_due
    decision.tags = ", ".join(data.tags)
    decision.status = data.status


def _apply_waste(decision: Decision, lines: Iterable[WasteInput]) -> None:
    existing = {w.id: w for w in decision.waste_lines if w.id is not None}
    kept: list[WasteLine] = []
    for position, item in enumerate(lines):
        line = existing.pop(item.line_id, None) if item.line_id is not None else None
        if line is None:
            line = WasteLine()
        line.category_id = item.category_id
        line.created = float(item.created)
        line.avoided = float(item.avoided)
        line.note = item.note.strip()
        line.position = position
        kept.append(line)
    decision.waste_lines[:] = kept  # lines left out are deleted (delete-orphan)


def _bump_version(session: Session, decision: Decision, expected: int | None) -> None:
    """Check and move the version in one statement, so two writers can never both pass.

    A Core statement on the session's connection: the version is no figure, so the stored sums
    do not change with it."""
    table = Decision.__table__
    statement = sa.update(table).where(table.c.id == decision.id)
    if expected is not None:
        statement = statement.where(table.c.version == expected)
    now = utcnow()
    new_version = (
        session.connection()
        .execute(
            statement.values(version=table.c.version + 1, updated_at=now).returning(table.c.version)
        )
        .scalar()
    )
    if new_version is None:
        raise StaleDecision(decision.id, expected or 0)
    set_committed_value(decision, "version", new_version)
    set_committed_value(decision, "updated_at", now)


def update(
    session: Session, actor: User, decision: Decision, data: DecisionInput, expected_version: int
) -> dict[str, Any]:
    """Apply the edit if the decision is still at `expected_version`; return what changed.

    Once a decision is decided, every edit is kept as a revision (old and new values).
    """
    _check(data, decision.status)
    if decision.review is not None and data.decided_on > decision.review.reviewed_on:
        raise DecisionError(
            f"It was reviewed on {decision.review.reviewed_on.isoformat()}: "
            "the decision cannot be dated after its review.",
            "decided_on",
        )
    before = snapshot(session, decision)
    changes = differences(before, snapshot_of_input(session, decision, data))
    if not changes:  # nothing to save, so nothing can be overwritten either
        return {}
    sums = score_cache.SumsChange(session)
    sums.touch(decision)
    _bump_version(session, decision, expected_version)
    _apply_fields(decision, data)
    by_group = {i.group_id: i for i in decision.impacts}
    for item in data.impacts:
        impact = by_group.get(item.group_id)
        if impact is None:
            impact = StakeholderImpact(group_id=item.group_id)
            decision.impacts.append(impact)
        impact.impact, impact.consulted, impact.note = item.impact, item.consulted, item.note
    _apply_waste(decision, data.waste)
    if before["status"] != Status.DRAFT:
        session.add(DecisionRevision(decision=decision, editor_id=actor.id, changes=changes))
    sums.apply()
    audit.record(session, actor, "decision", decision.id, "edit", changes)
    return changes


def _check_review(decision: Decision, data: ReviewInput) -> None:
    if decision.status == Status.DRAFT:
        raise DecisionError(rules.DRAFT_REVIEWED, "status")
    problem = rules.review_problem(
        data.reviewed_on,
        decision.decided_on,
        [a for a in data.actuals.values() if a is not None],
        [a for line in data.waste for a in (line.created, line.avoided) if a is not None],
        date.today(),
    )
    if problem is not None:
        raise DecisionError(problem.message, problem.field)


def review(
    session: Session, actor: User, decision: Decision, data: ReviewInput, expected_version: int
) -> dict[str, Any]:
    """Record what really happened; the decision becomes reviewed. Return what changed."""
    _check_review(decision, data)
    changes = review_differences(session, decision, data)
    if not changes:
        return {}
    sums = score_cache.SumsChange(session)
    sums.touch(decision)
    _bump_version(session, decision, expected_version)
    if decision.review is None:
        decision.review = Review(reviewed_on=data.reviewed_on)
    review_row = decision.review
    review_row.reviewed_on = data.reviewed_on
    review_row.reviewer_id = actor.id
    review_row.what_happened = data.what_happened.strip()
    review_row.lessons = data.lessons.strip()
    by_group = {i.group_id: i for i in decision.impacts}
    for group_id, actual in data.actuals.items():
        impact = by_group.get(group_id)
        if impact is None:
            impact = StakeholderImpact(group_id=group_id, impact=0)
            decision.impacts.append(impact)
        impact.actual = actual
    lines = {w.id: w for w in decision.waste_lines}
    for item in data.waste:
        line = lines.get(item.line_id)
        if line is not None:
            line.actual_created, line.actual_avoided = item.created, item.avoided
    was_reviewed = decision.status == Status.REVIEWED
    decision.status = Status.REVIEWED
    if was_reviewed:  # a second look changes a recorded review: keep the old one visible
        session.add(DecisionRevision(decision=decision, editor_id=actor.id, changes=changes))
    sums.apply()
    audit.record(session, actor, "decision", decision.id, "review", changes)
    reminders.reviewed(session, decision)  # its reminders stop, in the same transaction
    return changes


def add_comment(
    session: Session,
    actor: User,
    decision: Decision,
    body: str,
    *,
    is_question: bool = False,
    reply_to_id: int | None = None,
) -> Comment:
    """Post a comment (a question for the author, or an answer to a comment) and tell the
    people concerned (services.conversation)."""
    body = body.strip()
    if not body:
        raise DecisionError("a comment needs some text")
    if len(body) > MAX_COMMENT:
        raise DecisionError(f"a comment has at most {MAX_COMMENT} characters")
    reply_to = session.get(Comment, reply_to_id) if reply_to_id is not None else None
    if reply_to_id is not None and (reply_to is None or reply_to.decision_id != decision.id):
        raise DecisionError("the comment answered is not on this decision")
    comment = Comment(
        decision_id=decision.id,
        author_id=actor.id,
        body=body,
        is_question=is_question,
        reply_to=reply_to,
    )
    session.add(comment)
    session.flush()
    recorded: dict[str, Any] = {"decision_id": decision.id, "body": body}
    if is_question:
        recorded["question"] = True
    if reply_to_id is not None:
        recorded["reply_to"] = reply_to_id
    audit.record(session, actor, "comment", comment.id, "create", recorded)
    conversation.comment_posted(session, actor, decision, comment)
    return comment


def set_archived(session: Session, actor: User, decision: Decision, archived: bool) -> bool:
    """Archive (hidden from lists and scores, kept) or restore; False when already so."""
    if decision.archived == archived:
        return False
    with score_cache.changing(session, decision):
        _bump_version(session, decision, None)
        decision.archived = archived
    audit.record(
        session,
        actor,
        "decision",
        decision.id,
        "archive" if archived else "restore",
        {"archived": [not archived, archived]},
    )
    return True


# Reading one decision's history ----------------------------------------------------------------
