"""Two people edited one decision from the same version: merge their edits field by field.

The form carries the fields as the person first saw them (the base). When someone else saved
in between, fields only they changed keep their value, fields only this person changed take
this person's, and only fields both changed are conflicts, each resolved by "keep theirs" or
"keep mine". The view signs and reads the base; this module decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain.merge import three_way
from scorecard.models import Decision, Team
from scorecard.services import reference
from scorecard.services.decision_inputs import (
    DecisionInput,
    ImpactInput,
    WasteInput,
    fields_of,
    input_of,
    normalise_tags,
)

THEIRS, MINE = "theirs", "mine"


def saved_input(decision: Decision, group_ids: list[int] | None = None) -> DecisionInput:
    """The decision as saved, as the form would send it (the impacts of these groups)."""
    wanted = None if group_ids is None else set(group_ids)
    return DecisionInput(
        team_id=decision.team_id,
        title=decision.title,
        question=decision.question or "",
        context=decision.context or "",
        decision_taken=decision.decision_taken or "",
        alternatives=decision.alternatives or "",
        decided_on=decision.decided_on,
        review_due=decision.review_due,
        tags=normalise_tags(decision.tags or ""),
        status=decision.status,
        impacts=tuple(
            ImpactInput(i.group_id, i.impact, bool(i.consulted), i.note or "")
            for i in sorted(decision.impacts, key=lambda i: i.group_id)
            if wanted is None or i.group_id in wanted
        ),
        waste=tuple(
            WasteInput(w.category_id, float(w.created), float(w.avoided), w.note or "", w.id)
            for w in decision.waste_lines
        ),
    )


def base_fields(decision: Decision, group_ids: list[int]) -> dict[str, Any]:
    """What a form shows of the decision now: the base of a later merge."""
    return fields_of(saved_input(decision, group_ids))


@dataclass(frozen=True)
class EditMerge:
    data: DecisionInput  # the merged decision (this person's value where in conflict)
    conflicts: tuple[str, ...]
    theirs_taken: tuple[str, ...]
    theirs: dict[str, Any]  # the fields as saved now: the base of the next attempt
    mine: dict[str, Any]


def merge(current: Decision, base: Mapping[str, Any] | None, data: DecisionInput) -> EditMerge:
    """This person's edit merged with what was saved since `base` (None: every difference is a
    conflict, as when the form lost its base)."""
    mine = fields_of(data)
    group_ids = [i.group_id for i in data.impacts]
    saved = saved_input(current, group_ids)
    theirs = fields_of(saved)
    result = three_way(base or {}, theirs, mine)
    lines = saved.waste if result.fields["waste"] == theirs["waste"] else data.waste
    return EditMerge(
        input_of(result.fields, lines), result.conflicts, result.theirs_taken, theirs, mine
    )


def resolve(
    data: DecisionInput, current: Decision, base: Mapping[str, Any] | None, choices: dict[str, str]
) -> DecisionInput:
    """This person's input with "keep theirs" applied: those fields take the saved value."""
    keep = {key for key, choice in choices.items() if choice == THEIRS}
    if not keep or base is None:
        return data
    fields = fields_of(data)
    for key in keep & set(base):
        fields[key] = base[key]
    saved = saved_input(current, [i.group_id for i in data.impacts])
    lines = saved.waste if "waste" in keep else data.waste
    return input_of(fields, lines)


@dataclass(frozen=True)
class ConflictLine:
    key: str
    label: str
    theirs: str
    mine: str


def describe(
    session: Session, keys: tuple[str, ...], theirs: Mapping[str, Any], mine: Mapping[str, Any]
) -> list[ConflictLine]:
    groups = {g.id: g.name for g in reference.all_groups(session)}
    categories = {c.id: c for c in reference.all_categories(session)}
    teams = {team_id: name for team_id, name in session.execute(sa.select(Team.id, Team.name))}
    return [
        ConflictLine(
            key,
            _label(key, groups),
            _text(key, theirs.get(key), categories, teams),
            _text(key, mine.get(key), categories, teams),
        )
        for key in keys
    ]


LABELS = {
    "team_id": "Team",
    "title": "Title",
    "question": "The question it answers",
    "context": "Context",
    "decision_taken": "The decision taken",
    "alternatives": "Alternatives considered",
    "decided_on": "Decided on",
    "review_due": "Review due",
    "tags": "Tags",
    "status": "Status",
    "waste": "Waste lines",
}


def _label(key: str, groups: dict[int, str]) -> str:
    kind, _, group = key.partition(":")
    if group:
        name = groups.get(int(group), "a group")
        return {"impact": f"{name}: impact", "consulted": f"{name}: consulted"}.get(
            kind, f"{name}: who was asked"
        )
    return LABELS.get(key, key)


def _text(key: str, value: Any, categories: dict[int, Any], teams: dict[int, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key == "team_id":
        return teams.get(int(value), str(value))
    if key.startswith("impact:"):
        return f"{int(value):+d}".replace("-", "−") if value else "0"
    if key.startswith("consulted:"):
        return "yes" if value else "no"
    if key == "tags":
        return ", ".join(value)
    if key == "waste":
        return "; ".join(
            f"{getattr(categories.get(c), 'name', '?')}: {created:g} created, {avoided:g} avoided"
            for c, created, avoided, _note in value
        )
    return str(value)
