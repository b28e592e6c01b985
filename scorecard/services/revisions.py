"""A decision's history: snapshots of what it holds, the differences an edit makes (kept as
revisions once it is decided), their wording for the page, and the first estimate beside the
current one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import rules, scoring
from scorecard.models import (
    AuditEvent,
    Decision,
    StakeholderGroup,
    Status,
    Team,
    WasteCategory,
)
from scorecard.services.decision_inputs import DecisionInput, ReviewInput

TEXT_FIELDS = ("title", "question", "context", "decision_taken", "alternatives", "tags")

DATE_FIELDS = ("decided_on", "review_due")


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


def review_differences(session: Session, decision: Decision, data: ReviewInput) -> dict[str, Any]:
    """What a review changes: its dates and words, the actual impacts, the actual waste."""
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
    by_group = {i.group_id: i for i in decision.impacts}
    actuals: dict[str, Any] = {}
    for group_id, actual in data.actuals.items():
        impact = by_group.get(group_id)
        old = impact.actual if impact is not None else None
        if old != actual:
            name = groups[group_id].name if group_id in groups else "?"
            actuals[str(group_id)] = {"group": name, "actual": [old, actual]}
    if actuals:
        changes["actuals"] = actuals
    waste = _waste_differences(decision, data, categories)
    if waste:
        changes["actual_waste"] = waste
    if decision.status != Status.REVIEWED:
        changes["status"] = [decision.status, Status.REVIEWED.value]
    return changes


def _waste_differences(
    decision: Decision, data: ReviewInput, categories: dict[int, WasteCategory]
) -> list[dict[str, Any]]:
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
    return waste


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _team_name(session: Session, team_id: int) -> str:
    return session.scalar(sa.select(Team.name).where(Team.id == team_id)) or "?"


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
    if value is None:
        return "not assessed"
    return f"{rules.impact_word(value)} ({int(value):+d})" if value else "no effect (0)"


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
