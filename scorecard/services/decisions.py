"""Writing decisions: create, edit (with revisions and a version check), review, comment,
archive and restore; and who may do which. The caller (a view or a command) commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from scorecard.domain import scoring
from scorecard.models import (
    AuditEvent,
    Comment,
    Decision,
    DecisionRevision,
    Review,
    StakeholderGroup,
    StakeholderImpact,
    Status,
    Team,
    User,
    WasteCategory,
    WasteLine,
    utcnow,
)
from scorecard.services import audit, reminders
from scorecard.services.accounts import managed_team_ids, visible_team_ids

TEXT_FIELDS = ("title", "question", "context", "decision_taken", "alternatives", "tags")
DATE_FIELDS = ("decided_on", "review_due")
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


@dataclass(frozen=True)
class ImpactInput:
    group_id: int
    impact: int
    consulted: bool
    note: str = ""


@dataclass(frozen=True)
class WasteInput:
    category_id: int
    created: float
    avoided: float
    note: str = ""
    line_id: int | None = None  # the line being edited, if it exists already


@dataclass(frozen=True)
class DecisionInput:
    team_id: int
    title: str
    question: str
    decided_on: date
    status: str
    context: str = ""
    decision_taken: str = ""
    alternatives: str = ""
    review_due: date | None = None
    tags: tuple[str, ...] = ()
    impacts: tuple[ImpactInput, ...] = ()
    waste: tuple[WasteInput, ...] = ()


@dataclass(frozen=True)
class ActualWaste:
    line_id: int
    created: float | None
    avoided: float | None


@dataclass(frozen=True)
class ReviewInput:
    reviewed_on: date
    what_happened: str
    lessons: str = ""
    actuals: dict[int, int | None] = field(default_factory=dict)  # group id → actual impact
    waste: tuple[ActualWaste, ...] = ()


def normalise_tags(text: str) -> tuple[str, ...]:
    """Comma-separated tags, trimmed, without blanks or repeats (first spelling kept)."""
    seen: dict[str, str] = {}
    for tag in text.split(","):
        tag = " ".join(tag.split())
        if tag and tag.lower() not in seen:
            seen[tag.lower()] = tag
    return tuple(seen.values())


# Who may do what -------------------------------------------------------------------------------


def _teams(session: Session, user: User, kind: str) -> set[int] | None:
    """The user's visible or managed team ids, asked once per session (that is, per request)."""
    key = (kind, user.id)
    if key not in session.info:
        lookup = visible_team_ids if kind == "visible" else managed_team_ids
        session.info[key] = lookup(session, user)
    return session.info[key]


def can_see(session: Session, user: User, decision: Decision) -> bool:
    teams = _teams(session, user, "visible")
    return teams is None or decision.team_id in teams


def manages(session: Session, user: User, team_id: int) -> bool:
    teams = _teams(session, user, "managed")
    return teams is None or team_id in teams


def can_edit(session: Session, user: User, decision: Decision) -> bool:
    """The author while it is a draft; the author or a manager of the team afterwards; admins."""
    if user.is_admin:
        return True
    if not can_see(session, user, decision):
        return False
    if decision.author_id == user.id:
        return True
    return decision.status != Status.DRAFT and manages(session, user, decision.team_id)


def can_review(session: Session, user: User, decision: Decision) -> bool:
    if user.is_admin:
        return True
    if not can_see(session, user, decision):
        return False
    return decision.author_id == user.id or manages(session, user, decision.team_id)


def can_archive(session: Session, user: User, decision: Decision) -> bool:
    return user.is_admin or (
        can_see(session, user, decision) and manages(session, user, decision.team_id)
    )


# Snapshots and differences ---------------------------------------------------------------------


def _names(session: Session) -> tuple[dict[int, StakeholderGroup], dict[int, WasteCategory]]:
    groups = {g.id: g for g in session.scalars(sa.select(StakeholderGroup))}
    categories = {c.id: c for c in session.scalars(sa.select(WasteCategory))}
    return groups, categories


def _line(category: WasteCategory | None, created: float, avoided: float, note: str) -> dict:
    return {
        "category_id": category.id if category else None,
        "category": category.name if category else "?",
        "unit": category.unit if category else "",
        "created": float(created),
        "avoided": float(avoided),
        "note": note,
    }


def snapshot(session: Session, decision: Decision) -> dict[str, Any]:
    """Everything an author states about a decision, as JSON-ready data."""
    groups, categories = _names(session)
    state: dict[str, Any] = {f: getattr(decision, f) or "" for f in TEXT_FIELDS}
    state.update({f: _iso(getattr(decision, f)) for f in DATE_FIELDS})
    state["status"] = decision.status
    state["team"] = _team_name(session, decision.team_id)
    state["impacts"] = {
        str(i.group_id): {
            "group": groups[i.group_id].name if i.group_id in groups else "?",
            "impact": i.impact,
            "consulted": bool(i.consulted),
            "note": i.note or "",
        }
        for i in decision.impacts
    }
    state["waste_lines"] = [
        _line(categories.get(w.category_id), w.created, w.avoided, w.note or "")
        for w in sorted(decision.waste_lines, key=lambda w: (w.position, w.id or 0))
    ]
    return state


def snapshot_of_input(session: Session, decision: Decision | None, data: DecisionInput) -> dict:
    """What the decision would look like with this input applied."""
    groups, categories = _names(session)
    state: dict[str, Any] = {
        "title": data.title,
        "question": data.question,
        "context": data.context,
        "decision_taken": data.decision_taken,
        "alternatives": data.alternatives,
        "tags": ", ".join(data.tags),
        "decided_on": _iso(data.decided_on),
        "review_due": _iso(data.review_due),
        "status": data.status,
        "team": _team_name(session, data.team_id),
    }
    impacts = snapshot(session, decision)["impacts"] if decision is not None else {}
    for item in data.impacts:
        impacts[str(item.group_id)] = {
            "group": groups[item.group_id].name if item.group_id in groups else "?",
            "impact": item.impact,
            "consulted": item.consulted,
            "note": item.note,
        }
    state["impacts"] = impacts
    state["waste_lines"] = [
        _line(categories.get(w.category_id), w.created, w.avoided, w.note) for w in data.waste
    ]
    return state


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Each changed field as [old, new]; impacts per group; waste lines as whole lists."""
    changes: dict[str, Any] = {}
    for key in (*TEXT_FIELDS, *DATE_FIELDS, "status", "team"):
        if before.get(key) != after.get(key):
            changes[key] = [before.get(key), after.get(key)]
    impacts: dict[str, Any] = {}
    for group_id in sorted(set(before["impacts"]) | set(after["impacts"]), key=int):
        old = before["impacts"].get(group_id, {"impact": 0, "consulted": False, "note": ""})
        new = after["impacts"].get(group_id, old)
        changed = {
            k: [old.get(k), new.get(k)]
            for k in ("impact", "consulted", "note")
            if old.get(k) != new.get(k)
        }
        if changed:
            impacts[group_id] = {"group": new.get("group") or old.get("group"), **changed}
    if impacts:
        changes["impacts"] = impacts
    if before["waste_lines"] != after["waste_lines"]:
        changes["waste_lines"] = [before["waste_lines"], after["waste_lines"]]
    return changes


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _team_name(session: Session, team_id: int) -> str:
    return session.scalar(sa.select(Team.name).where(Team.id == team_id)) or "?"


# Writes ----------------------------------------------------------------------------------------


def _check(data: DecisionInput) -> None:
    if data.status not in (Status.DRAFT, Status.DECIDED, Status.REVIEWED):
        raise DecisionError(f"unknown status {data.status!r}")
    if not data.title.strip():
        raise DecisionError("a decision needs a title")
    if data.review_due is not None and data.review_due < data.decided_on:
        raise DecisionError("the review cannot be due before the decision was taken")
    for item in data.impacts:
        if not -3 <= item.impact <= 3:
            raise DecisionError("impacts go from -3 to +3")
    for line in data.waste:
        if line.created < 0 or line.avoided < 0:
            raise DecisionError("waste amounts cannot be negative")


def create(session: Session, actor: User, data: DecisionInput) -> Decision:
    _check(data)
    if data.status == Status.REVIEWED:
        raise DecisionError("A new decision is a draft or decided; it is reviewed later.", "status")
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
    session.add(decision)
    session.flush()
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

    A Core statement on the session's connection: the version is no figure, so the score
    cache has nothing to hear about it (the ORM writes that follow tell it what changed)."""
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
    _check(data)
    if decision.status == Status.DRAFT and data.status == Status.REVIEWED:
        raise DecisionError("A draft is reviewed through its review form.", "status")
    if decision.status != Status.DRAFT and data.status == Status.DRAFT:
        raise DecisionError("A decided decision cannot become a draft again.", "status")
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
    session.flush()
    audit.record(session, actor, "decision", decision.id, "edit", changes)
    return changes


def review(
    session: Session, actor: User, decision: Decision, data: ReviewInput, expected_version: int
) -> dict[str, Any]:
    """Record what really happened; the decision becomes reviewed. Return what changed."""
    if decision.status == Status.DRAFT:
        raise DecisionError("a draft cannot be reviewed: mark it decided first")
    if data.reviewed_on < decision.decided_on:
        raise DecisionError("a review cannot come before the decision")
    groups, categories = _names(session)
    previous = decision.review
    changes: dict[str, Any] = {}
    for key, new in (
        ("reviewed_on", data.reviewed_on.isoformat()),
        ("what_happened", data.what_happened.strip()),
        ("lessons", data.lessons.strip()),
    ):
        old = getattr(previous, key) if previous is not None else None
        old = old.isoformat() if isinstance(old, date) else old
        if old != new:
            changes[key] = [old, new]
    actuals: dict[str, Any] = {}
    by_group = {i.group_id: i for i in decision.impacts}
    for group_id, actual in data.actuals.items():
        impact = by_group.get(group_id)
        old = impact.actual if impact is not None else None
        if old != actual:
            name = groups[group_id].name if group_id in groups else "?"
            actuals[str(group_id)] = {"group": name, "actual": [old, actual]}
    if actuals:
        changes["actuals"] = actuals
    lines = {w.id: w for w in decision.waste_lines}
    waste: list[dict[str, Any]] = []
    for item in data.waste:
        line = lines.get(item.line_id)
        if line is None:
            continue
        old = [line.actual_created, line.actual_avoided]
        new = [item.created, item.avoided]
        if old != new:
            category = categories.get(line.category_id)
            waste.append(
                {
                    "line_id": line.id,
                    "category": category.name if category else "?",
                    "unit": category.unit if category else "",
                    "actual_created": [old[0], new[0]],
                    "actual_avoided": [old[1], new[1]],
                }
            )
    if waste:
        changes["actual_waste"] = waste
    if decision.status != Status.REVIEWED:
        changes["status"] = [decision.status, Status.REVIEWED.value]
    if not changes:
        return {}
    _bump_version(session, decision, expected_version)
    if previous is None:
        decision.review = Review(reviewed_on=data.reviewed_on)
    review_row = decision.review
    assert review_row is not None
    review_row.reviewed_on = data.reviewed_on
    review_row.reviewer_id = actor.id
    review_row.what_happened = data.what_happened.strip()
    review_row.lessons = data.lessons.strip()
    for group_id, actual in data.actuals.items():
        impact = by_group.get(group_id)
        if impact is None:
            impact = StakeholderImpact(group_id=group_id, impact=0)
            decision.impacts.append(impact)
        impact.actual = actual
    for item in data.waste:
        line = lines.get(item.line_id)
        if line is not None:
            line.actual_created, line.actual_avoided = item.created, item.avoided
    was_reviewed = decision.status == Status.REVIEWED
    decision.status = Status.REVIEWED
    if was_reviewed:  # a second look changes a recorded review: keep the old one visible
        session.add(DecisionRevision(decision=decision, editor_id=actor.id, changes=changes))
    session.flush()
    audit.record(session, actor, "decision", decision.id, "review", changes)
    reminders.reviewed(session, decision)  # its reminders stop, in the same transaction
    return changes


def add_comment(session: Session, actor: User, decision: Decision, body: str) -> Comment:
    body = body.strip()
    if not body:
        raise DecisionError("a comment needs some text")
    if len(body) > MAX_COMMENT:
        raise DecisionError(f"a comment has at most {MAX_COMMENT} characters")
    comment = Comment(decision_id=decision.id, author_id=actor.id, body=body)
    session.add(comment)
    session.flush()
    audit.record(
        session, actor, "comment", comment.id, "create", {"decision_id": decision.id, "body": body}
    )
    return comment


def set_archived(session: Session, actor: User, decision: Decision, archived: bool) -> bool:
    """Archive (hidden from lists and scores, kept) or restore; False when already so."""
    if decision.archived == archived:
        return False
    _bump_version(session, decision, None)
    decision.archived = archived
    session.flush()
    audit.record(
        session,
        actor,
        "decision",
        decision.id,
        "archive" if archived else "restore",
        {"archived": [not archived, archived]},
    )
    return True


def last_change(session: Session, decision_id: int) -> AuditEvent | None:
    """The latest recorded change of the decision itself (not its comments)."""
    return session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.entity == "decision", AuditEvent.entity_id == str(decision_id))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def archived_event(session: Session, decision_id: int) -> AuditEvent | None:
    return session.scalar(
        sa.select(AuditEvent)
        .where(
            AuditEvent.entity == "decision",
            AuditEvent.entity_id == str(decision_id),
            AuditEvent.action == "archive",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


# Reading one decision's history ----------------------------------------------------------------


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str
    new: str


FIELD_LABELS = {
    "title": "Title",
    "question": "Question",
    "context": "Context",
    "decision_taken": "Decision taken",
    "alternatives": "Alternatives considered",
    "tags": "Tags",
    "decided_on": "Decided on",
    "review_due": "Review due",
    "status": "Status",
    "team": "Team",
    "reviewed_on": "Reviewed on",
    "what_happened": "What happened",
    "lessons": "Lessons learned",
}


def _word(value: Any) -> str:
    from scorecard.templating import impact_word

    if value is None:
        return "not assessed"
    return f"{impact_word(value)} ({int(value):+d})" if value else "no effect (0)"


def _amount(value: Any, unit: str) -> str:
    if value is None:
        return "not assessed"
    return f"{float(value):,.10g} {unit}".strip()


def _lines_text(lines: list[dict[str, Any]]) -> str:
    if not lines:
        return "none"
    return "; ".join(
        f"{line['category']}: created {_amount(line['created'], line['unit'])}, "
        f"avoided {_amount(line['avoided'], line['unit'])}"
        + (f" ({line['note']})" if line.get("note") else "")
        for line in lines
    )


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe(changes: dict[str, Any]) -> list[ChangeLine]:
    """A revision's or an edit's changes as readable lines: what, old value, new value."""
    lines: list[ChangeLine] = []
    for key, label in FIELD_LABELS.items():
        if key in changes:
            old, new = changes[key]
            lines.append(ChangeLine(label, _plain(old), _plain(new)))
    for item in changes.get("impacts", {}).values():
        group = item.get("group", "?")
        if "impact" in item:
            lines.append(ChangeLine(f"{group}: impact", *map(_word, item["impact"])))
        if "consulted" in item:
            lines.append(ChangeLine(f"{group}: consulted", *map(_plain, item["consulted"])))
        if "note" in item:
            lines.append(ChangeLine(f"{group}: note", *map(_plain, item["note"])))
    if "waste_lines" in changes:
        old, new = changes["waste_lines"]
        lines.append(ChangeLine("Waste lines", _lines_text(old), _lines_text(new)))
    for item in changes.get("actuals", {}).values():
        lines.append(ChangeLine(f"{item['group']}: actual impact", *map(_word, item["actual"])))
    for item in changes.get("actual_waste", []):
        unit = item.get("unit", "")
        for key, word in (("actual_created", "created"), ("actual_avoided", "avoided")):
            old, new = item[key]
            if old != new:
                lines.append(
                    ChangeLine(
                        f"{item['category']}: actual {word}", _amount(old, unit), _amount(new, unit)
                    )
                )
    return lines


@dataclass(frozen=True)
class OriginalEstimate:
    """The stakeholder impacts and waste lines as they were when first decided."""

    impacts: dict[int, int]
    consulted: dict[int, bool]
    waste_lines: list[dict[str, Any]]
    impacts_changed: bool
    waste_changed: bool

    @property
    def changed(self) -> bool:
        return self.impacts_changed or self.waste_changed


def original_estimate(decision: Decision) -> OriginalEstimate:
    """Undo every revision's estimate changes: the oldest recorded value of each wins."""
    impacts = {i.group_id: i.impact for i in decision.impacts}
    consulted = {i.group_id: bool(i.consulted) for i in decision.impacts}
    waste = [
        {"category_id": w.category_id, "created": w.created, "avoided": w.avoided}
        for w in decision.waste_lines
    ]
    impacts_changed = waste_changed = False
    for revision in sorted(decision.revisions, key=lambda r: r.id, reverse=True):
        for group_id, item in revision.changes.get("impacts", {}).items():
            if "impact" in item:
                impacts[int(group_id)] = int(item["impact"][0])
                impacts_changed = True
            if "consulted" in item:
                consulted[int(group_id)] = bool(item["consulted"][0])
                impacts_changed = True
        if "waste_lines" in revision.changes:
            waste = revision.changes["waste_lines"][0]
            waste_changed = True
    return OriginalEstimate(impacts, consulted, waste, impacts_changed, waste_changed)


def original_figures(
    method: scoring.Method, decision_id: int, original: OriginalEstimate
) -> dict[str, Any]:
    """The scoring module's figures of the estimate as first decided."""
    impacts = pd.DataFrame(
        [
            {
                "decision_id": decision_id,
                "group_id": group_id,
                "impact": impact,
                "consulted": original.consulted.get(group_id, False),
            }
            for group_id, impact in original.impacts.items()
        ],
        columns=["decision_id", "group_id", "impact", "consulted"],
    )
    waste = pd.DataFrame(
        [
            {
                "decision_id": decision_id,
                "category_id": line["category_id"],
                "created": line["created"],
                "avoided": line["avoided"],
            }
            for line in original.waste_lines
        ],
        columns=["decision_id", "category_id", "created", "avoided"],
    )
    figures = scoring.decision_figures(pd.DataFrame({"id": [decision_id]}), impacts, waste, method)
    return figures.loc[decision_id].to_dict()
