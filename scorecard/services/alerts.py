"""Alerts: what admins must look at (a broken audit chain), shown to them until one resolves it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import Alert, User, utcnow


def raise_alert(session: Session, kind: str, message: str) -> Alert:
    """An open alert of this kind with this message, added unless the same one is still open."""
    same = session.scalar(
        sa.select(Alert).where(
            Alert.kind == kind, Alert.message == message, Alert.resolved_at.is_(None)
        )
    )
    if same is not None:
        return same
    alert = Alert(kind=kind, message=message)
    session.add(alert)
    session.flush()
    return alert


OPEN = Alert.resolved_at.is_(None)


def open_alerts(session: Session, limit: int = 5) -> list[Alert]:
    return list(
        session.scalars(
            sa.select(Alert)
            .where(OPEN)
            .order_by(Alert.created_at.desc(), Alert.id.desc())
            .limit(limit)
        )
    )


def any_open() -> sa.Exists:
    """Whether an alert is open, as a condition for a statement that asks several things."""
    return sa.exists().where(OPEN)


def resolve(session: Session, actor: User, alert_id: int) -> Alert | None:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.resolved_at is not None:
        return alert
    alert.resolved_at = utcnow()
    alert.resolved_by_id = actor.id
    return alert
