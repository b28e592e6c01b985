"""The plain input of the decision services: what a form, the importer or a command hands to
`decisions.create`, `update` and `review`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scorecard.models import Decision


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


def state_of(decision: Decision) -> dict[str, Any]:
    """A stored decision as the decision form and the API's input spell it (each renames the
    little it spells otherwise): its fields, impacts and waste lines with their ids."""
    return {
        "team_id": decision.team_id,
        "title": decision.title,
        "question": decision.question,
        "context": decision.context,
        "decision_taken": decision.decision_taken,
        "alternatives": decision.alternatives,
        "decided_on": decision.decided_on,
        "review_due": decision.review_due,
        "tags": decision.tag_list,
        "status": decision.status,
        "impacts": [
            {"group_id": i.group_id, "impact": i.impact, "consulted": i.consulted, "note": i.note}
            for i in decision.impacts
        ],
        "waste": [
            {
                "id": w.id,
                "category_id": w.category_id,
                "created": w.created,
                "avoided": w.avoided,
                "note": w.note,
            }
            for w in decision.waste_lines
        ],
    }


# --- a decision as flat fields, for a merge of two edits ---------------------------------------


def fields_of(data: DecisionInput) -> dict[str, Any]:
    """The input as flat, JSON-ready fields: one per stated fact (a group's impact, consulted and
    note apart), the waste lines as one field."""
    fields: dict[str, Any] = {
        "team_id": data.team_id,
        "title": data.title,
        "question": data.question,
        "context": data.context,
        "decision_taken": data.decision_taken,
        "alternatives": data.alternatives,
        "decided_on": data.decided_on.isoformat(),
        "review_due": data.review_due.isoformat() if data.review_due else None,
        "tags": list(data.tags),
        "status": data.status,
    }
    for item in data.impacts:
        fields[f"impact:{item.group_id}"] = item.impact
        fields[f"consulted:{item.group_id}"] = item.consulted
        fields[f"note:{item.group_id}"] = item.note
    fields["waste"] = [
        [w.category_id, float(w.created), float(w.avoided), w.note] for w in data.waste
    ]
    return fields


def input_of(fields: dict[str, Any], lines: tuple[WasteInput, ...]) -> DecisionInput:
    """The input these fields describe; `lines` are the waste lines to keep (with their ids)
    when the merged waste is theirs or mine as it was sent."""
    groups = sorted({int(k.split(":", 1)[1]) for k in fields if k.startswith("impact:")})
    return DecisionInput(
        team_id=int(fields["team_id"]),
        title=fields["title"],
        question=fields["question"],
        context=fields["context"],
        decision_taken=fields["decision_taken"],
        alternatives=fields["alternatives"],
        decided_on=date.fromisoformat(fields["decided_on"]),
        review_due=date.fromisoformat(fields["review_due"]) if fields["review_due"] else None,
        tags=tuple(fields["tags"]),
        status=fields["status"],
        impacts=tuple(
            ImpactInput(
                g,
                int(fields[f"impact:{g}"]),
                bool(fields.get(f"consulted:{g}")),
                fields.get(f"note:{g}") or "",
            )
            for g in groups
        ),
        waste=lines,
    )
