"""Form data for the decision forms, as a browser would send it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from scorecard.extensions import db
from scorecard.models import Decision
from scorecard.services import reference

RECENTLY = date.today() - timedelta(days=30)


def _reference(app: Flask) -> tuple[list[tuple[int, str]], dict[str, int]]:
    with app.app_context():
        groups = [(g.id, g.name) for g in reference.active_groups(db.session)]
        categories = {c.name: c.id for c in reference.active_categories(db.session)}
    return groups, categories


def new_decision(
    app: Flask,
    team_id: int,
    *,
    impacts: dict[str, int] | None = None,
    consulted: tuple[str, ...] = (),
    notes: dict[str, str] | None = None,
    waste: list[tuple[str, Any, Any]] = (),
    **fields: Any,
) -> dict[str, Any]:
    """A complete, valid new-decision form; `fields` override single inputs."""
    groups, categories = _reference(app)
    data: dict[str, Any] = {
        "team_id": team_id,
        "title": "Refill stations instead of bottled water",
        "question": "How do we give visitors water without plastic bottles?",
        "context": "Visitors used 4,000 bottles a quarter.",
        "alternatives": "Keep the bottles; glass bottles.",
        "decision_taken": "Install two refill stations.",
        "decided_on": RECENTLY.isoformat(),
        "review_due": "",
        "tags": "facilities, plastic",
        "status": "decided",
    }
    for i, (group_id, name) in enumerate(groups):
        data[f"impacts-{i}-group_id"] = group_id
        data[f"impacts-{i}-impact"] = (impacts or {}).get(name, 0)
        data[f"impacts-{i}-note"] = (notes or {}).get(name, "")
        if name in consulted:
            data[f"impacts-{i}-consulted"] = "y"
    for i, (category, created, avoided) in enumerate(waste):
        data[f"waste-{i}-category_id"] = categories[category]
        data[f"waste-{i}-created"] = created
        data[f"waste-{i}-avoided"] = avoided
        data[f"waste-{i}-note"] = ""
    data.update(fields)
    return data


def edit_decision(app: Flask, decision_id: int, **changes: Any) -> dict[str, Any]:
    """The edit form of a stored decision as the page would fill it, with `changes` applied.

    `impacts={"Workers": 2}` and `waste=[("Energy", 0, 500)]` replace those parts."""
    groups, categories = _reference(app)
    with app.app_context():
        decision = db.session.scalar(sa.select(Decision).where(Decision.id == decision_id))
        assert decision is not None
        current = {i.group_id: i for i in decision.impacts}
        data: dict[str, Any] = {
            "version": decision.version,
            "team_id": decision.team_id,
            "title": decision.title,
            "question": decision.question,
            "context": decision.context,
            "alternatives": decision.alternatives,
            "decision_taken": decision.decision_taken or "Decided.",
            "decided_on": decision.decided_on.isoformat(),
            "review_due": decision.review_due.isoformat() if decision.review_due else "",
            "tags": decision.tags,
            "status": decision.status,
        }
        impacts = changes.pop("impacts", None)
        for i, (group_id, name) in enumerate(groups):
            row = current.get(group_id)
            value = row.impact if row else 0
            if impacts is not None and name in impacts:
                value = impacts[name]
            data[f"impacts-{i}-group_id"] = group_id
            data[f"impacts-{i}-impact"] = value
            data[f"impacts-{i}-note"] = row.note if row else ""
            if row is not None and row.consulted:
                data[f"impacts-{i}-consulted"] = "y"
        waste = changes.pop("waste", None)
        if waste is None:
            for i, line in enumerate(decision.waste_lines):
                data[f"waste-{i}-line_id"] = line.id
                data[f"waste-{i}-category_id"] = line.category_id
                data[f"waste-{i}-created"] = line.created
                data[f"waste-{i}-avoided"] = line.avoided
                data[f"waste-{i}-note"] = line.note
        else:
            for i, (category, created, avoided) in enumerate(waste):
                data[f"waste-{i}-category_id"] = categories[category]
                data[f"waste-{i}-created"] = created
                data[f"waste-{i}-avoided"] = avoided
    data.update(changes)
    return data


def review_form(
    app: Flask,
    decision_id: int,
    *,
    actuals: dict[str, int | None] | None = None,
    waste: list[tuple[Any, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    groups, _ = _reference(app)
    with app.app_context():
        decision = db.session.get(Decision, decision_id)
        assert decision is not None
        version = decision.version
        lines = [w.id for w in decision.waste_lines]
    data: dict[str, Any] = {
        "version": version,
        "reviewed_on": date.today().isoformat(),
        "what_happened": "It went as planned.",
        "lessons": "Ask earlier.",
    }
    for i, (group_id, name) in enumerate(groups):
        value = (actuals or {}).get(name)
        data[f"actuals-{i}-group_id"] = group_id
        data[f"actuals-{i}-actual"] = "" if value is None else value
    for i, line_id in enumerate(lines):
        created, avoided = (waste or [])[i] if waste and i < len(waste) else ("", "")
        data[f"waste-{i}-line_id"] = line_id
        data[f"waste-{i}-actual_created"] = created
        data[f"waste-{i}-actual_avoided"] = avoided
    data.update(fields)
    return data
