"""Stakeholder groups, waste categories, composite weights and the method versions that freeze them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scorecard.domain.scoring import (
    DEFAULT_CATEGORIES,
    DEFAULT_GROUPS,
    DEFAULT_WEIGHTS,
    Category,
    Group,
    Method,
)
from scorecard.models import MethodVersion, StakeholderGroup, User, WasteCategory
from scorecard.services import audit

WEIGHT_KEYS = tuple(DEFAULT_WEIGHTS)


def active_groups(session: Session) -> list[StakeholderGroup]:
    return list(
        session.scalars(
            sa.select(StakeholderGroup)
            .where(StakeholderGroup.active)
            .order_by(StakeholderGroup.position, StakeholderGroup.id)
        )
    )


def all_groups(session: Session) -> list[StakeholderGroup]:
    return list(
        session.scalars(
            sa.select(StakeholderGroup).order_by(StakeholderGroup.position, StakeholderGroup.id)
        )
    )


def active_categories(session: Session) -> list[WasteCategory]:
    return list(
        session.scalars(
            sa.select(WasteCategory)
            .where(WasteCategory.active)
            .order_by(WasteCategory.position, WasteCategory.id)
        )
    )


def all_categories(session: Session) -> list[WasteCategory]:
    return list(
        session.scalars(sa.select(WasteCategory).order_by(WasteCategory.position, WasteCategory.id))
    )


def current_version(session: Session) -> MethodVersion:
    version = session.scalar(
        sa.select(MethodVersion).order_by(MethodVersion.number.desc()).limit(1)
    )
    if version is None:
        raise LookupError("no scoring method version: run `flask --app wsgi db upgrade`")
    return version


def current_weights(session: Session) -> dict[str, float]:
    return {k: float(v) for k, v in current_version(session).settings["weights"].items()}


def method_from_settings(number: int, settings: Mapping[str, Any]) -> Method:
    return Method(
        version=number,
        groups=tuple(
            Group(g["id"], g["name"], float(g["weight"]), bool(g["is_owner"]))
            for g in settings["groups"]
        ),
        categories=tuple(
            Category(
                c["id"], c["name"], c["unit"], float(c["unit_cost"]), float(c["co2e_per_unit"])
            )
            for c in settings["categories"]
        ),
        weights={k: float(v) for k, v in settings["weights"].items()},
    )


METHOD_MEMO = "reference.current_method"  # session.info: (transaction, method)


def current_method(session: Session) -> Method:
    """The current method version's method; read once per transaction (a page asks for it
    a dozen times), and again after `new_version` in the same transaction."""
    transaction = session.get_transaction()
    memo = session.info.get(METHOD_MEMO)
    if memo is not None and transaction is not None and memo[0] is transaction:
        return memo[1]
    version = current_version(session)
    method = method_from_settings(version.number, version.settings)
    session.info[METHOD_MEMO] = (session.get_transaction(), method)
    return method


def snapshot(session: Session, weights: Mapping[str, float]) -> dict[str, Any]:
    """The full settings as they are now: what a method version freezes."""
    return {
        "weights": {k: float(weights[k]) for k in WEIGHT_KEYS},
        "groups": [
            {"id": g.id, "name": g.name, "weight": g.weight, "is_owner": g.is_owner}
            for g in active_groups(session)
        ],
        "categories": [
            {
                "id": c.id,
                "name": c.name,
                "unit": c.unit,
                "unit_cost": c.unit_cost,
                "co2e_per_unit": c.co2e_per_unit,
            }
            for c in active_categories(session)
        ],
    }


def new_version(
    session: Session,
    actor: User | None,
    note: str,
    weights: Mapping[str, float] | None = None,
) -> MethodVersion:
    """Freeze the current reference data (and the given weights) as the next method version."""
    session.flush()
    last = session.scalar(sa.select(sa.func.max(MethodVersion.number))) or 0
    if weights is None:
        weights = current_weights(session) if last else DEFAULT_WEIGHTS
    version = MethodVersion(
        number=last + 1,
        created_by_id=actor.id if actor is not None else None,
        note=note,
        settings=snapshot(session, weights),
    )
    session.add(version)
    session.flush()
    session.info.pop(METHOD_MEMO, None)
    audit.record(
        session,
        actor,
        "method_version",
        version.number,
        "create",
        {"note": note, **version.settings},
    )
    return version


class ReferenceError(ValueError):
    """A change of reference data that cannot be saved, with a message for the user."""


NUMBER_FIELDS = frozenset({"weight", "unit_cost", "co2e_per_unit"})


def save_reference(
    session: Session,
    actor: User,
    thing: StakeholderGroup | WasteCategory,
    entity: str,
    values: Mapping[str, Any],
) -> bool:
    """Apply the values to the group or category and freeze the result as a new method
    version; False when nothing changed. Raises ReferenceError on a name already taken (the
    session is rolled back)."""
    fields = tuple(values)
    before = {f: getattr(thing, f) for f in fields} if thing.id else {}
    for field, value in values.items():
        setattr(thing, field, float(value) if field in NUMBER_FIELDS else value)
    after = {f: getattr(thing, f) for f in fields}
    if before == after:
        return False
    kind = entity.replace("_", " ")
    session.add(thing)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ReferenceError(f"Another {kind} is already named {values.get('name')!r}.") from None
    audit.record(
        session,
        actor,
        entity,
        thing.id,
        "update" if before else "create",
        {"before": before, "after": after},
    )
    new_version(
        session, actor, f"{kind.capitalize()} {thing.name} {'changed' if before else 'added'}"
    )
    return True


def save_weights(session: Session, actor: User, weights: Mapping[str, float], note: str) -> bool:
    """A new method version with these composite weights; False when they are the current."""
    if dict(weights) == current_weights(session):
        return False
    new_version(session, actor, note, weights)
    return True


def method_versions(session: Session) -> list[MethodVersion]:
    """Every method version, newest first."""
    query = sa.select(MethodVersion).order_by(MethodVersion.number.desc())
    return list(session.scalars(query))


def install_defaults(session: Session) -> MethodVersion:
    """The reference data of SCORING.md as method version 1, on an empty database."""
    for position, (name, weight, is_owner) in enumerate(DEFAULT_GROUPS, start=1):
        session.add(
            StakeholderGroup(name=name, weight=weight, is_owner=is_owner, position=position)
        )
    for position, (name, unit, cost, co2e) in enumerate(DEFAULT_CATEGORIES, start=1):
        session.add(
            WasteCategory(
                name=name, unit=unit, unit_cost=cost, co2e_per_unit=co2e, position=position
            )
        )
    session.flush()
    return new_version(session, None, "Defaults of SCORING.md", DEFAULT_WEIGHTS)
