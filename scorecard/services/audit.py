"""The append-only audit trail, chained by SHA-256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import AuditEvent, User

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 7_412_001  # an arbitrary, fixed advisory-lock key for the chain's head


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit trail")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default)


def event_hash(
    prev_hash: str,
    created_at: datetime,
    actor_id: int | None,
    actor_email: str,
    entity: str,
    entity_id: str,
    action: str,
    changes: str,
) -> str:
    payload = canonical_json(
        [prev_hash, _utc_iso(created_at), actor_id, actor_email, entity, entity_id, action, changes]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _utc_iso(moment: datetime) -> str:
    # SQLite hands back naive datetimes; the chain must hash the same text on every backend.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(
    session: Session,
    actor: User | None,
    entity: str,
    entity_id: object,
    action: str,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain; it becomes visible when the caller commits."""
    if session.get_bind().dialect.name == "postgresql":
        # Writers queue for the head of the chain for the rest of their transaction.
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_AUDIT_LOCK)))
    session.flush()
    prev = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = prev or GENESIS
    created_at = datetime.now(UTC)
    body = canonical_json(changes or {})
    actor_email = actor.email if actor is not None else ""
    actor_id = actor.id if actor is not None else None
    event = AuditEvent(
        created_at=created_at,
        actor_id=actor_id,
        actor_email=actor_email,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        changes=body,
        prev_hash=prev_hash,
        hash=event_hash(
            prev_hash, created_at, actor_id, actor_email, entity, str(entity_id), action, body
        ),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def _events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain in id order; name the first event whose links or hash do not hold."""
    expected_prev = GENESIS
    checked = 0
    for event in _events(session):
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked, event.id, "its previous hash does not match the event before it"
            )
        recomputed = event_hash(
            event.prev_hash,
            event.created_at,
            event.actor_id,
            event.actor_email,
            event.entity,
            event.entity_id,
            event.action,
            event.changes,
        )
        if recomputed != event.hash:
            return ChainReport(checked, event.id, "its content does not match its hash")
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked)
