"""The plain input of the decision services: what a form, the importer or a command hands to
`decisions.create`, `update` and `review`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
