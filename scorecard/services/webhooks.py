"""Webhooks: endpoints an admin registers, the events they are told of, signed deliveries.

Events are noticed in the audit trail as it is written (every create, edit, review, comment
and answer to a suggestion appends an event there, whichever page, command or API call made it): a delivery row is added
in the same transaction, and its sending is queued once that transaction commits. Payloads
carry ids and links, nothing more. Each delivery is signed with the endpoint's secret:

    X-DoBetter-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<unix time>.<body>">
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from scorecard.integration_models import WebhookDelivery, WebhookEndpoint
from scorecard.models import AuditEvent, Decision, User, utcnow
from scorecard.services import audit

log = logging.getLogger(__name__)
EVENTS = {
    "decision.decided": "A decision is decided (logged as decided, or a draft marked decided)",
    "decision.reviewed": "A decision is reviewed",
    "review.overdue": "A decision's review date has passed without a review",
    "comment.added": "A comment is added to a decision",
    "suggestion.accepted": "A suggestion is accepted: it becomes a draft decision",
}
TEST_EVENT = "ping"
SIGNATURE_HEADER = "X-DoBetter-Signature"
MAX_ATTEMPTS = 6
RESPONSE_SECONDS = 10


class WebhookError(ValueError):
    def __init__(self, message: str, field: str = "url") -> None:
        super().__init__(message)
        self.field = field


# Addresses --------------------------------------------------------------------------------------


def _networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip()) for part in text.split(",") if part.strip()]


def check_url(url: str, allowed_networks: str = "") -> None:
    """Refuse what is not http(s), and any host that resolves into loopback, private,
    link-local or other special ranges, unless the setting allows that network."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("Enter an http:// or https:// address with a host name.")
    if parts.username or parts.password:
        raise WebhookError("Put no user name or password in the address; the signature proves it.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as error:
        raise WebhookError(f"The host {parts.hostname} cannot be found ({error}).") from error
    allowed = _networks(allowed_networks)
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_global and not address.is_multicast:
            continue
        if any(address in network for network in allowed):
            continue
        raise WebhookError(
            f"{parts.hostname} is at {address}, an internal address: webhooks are sent only to "
            "public addresses (WEBHOOK_ALLOWED_NETWORKS can allow an internal network)."
        )


# Endpoints --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointInput:
    url: str
    description: str
    events: tuple[str, ...]
    active: bool = True


def _check(data: EndpointInput, allowed_networks: str) -> None:
    if not data.events:
        raise WebhookError("Choose at least one event.", "events")
    unknown = [e for e in data.events if e not in EVENTS]
    if unknown:
        raise WebhookError(f"Unknown event {unknown[0]!r}.", "events")
    check_url(data.url, allowed_networks)


def create_endpoint(
    session: Session, actor: User, data: EndpointInput, allowed_networks: str = ""
) -> WebhookEndpoint:
    _check(data, allowed_networks)
    endpoint = WebhookEndpoint(
        url=data.url.strip(),
        description=data.description.strip(),
        events=list(data.events),
        active=data.active,
        secret="whsec_" + secrets.token_urlsafe(32),
        created_by_id=actor.id,
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor,
        "webhook",
        endpoint.id,
        "create",
        {"url": endpoint.url, "events": endpoint.events},
    )
    return endpoint


def update_endpoint(
    session: Session,
    actor: User,
    endpoint: WebhookEndpoint,
    data: EndpointInput,
    allowed_networks: str = "",
) -> None:
    _check(data, allowed_networks)
    before = {"url": endpoint.url, "events": endpoint.events, "active": endpoint.active}
    endpoint.url, endpoint.description = data.url.strip(), data.description.strip()
    endpoint.events, endpoint.active = list(data.events), data.active
    after = {"url": endpoint.url, "events": endpoint.events, "active": endpoint.active}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    session.flush()
    audit.record(session, actor, "webhook", endpoint.id, "edit", changes)


def delete_endpoint(session: Session, actor: User, endpoint: WebhookEndpoint) -> None:
    audit.record(session, actor, "webhook", endpoint.id, "delete", {"url": endpoint.url})
    session.delete(endpoint)
    session.flush()


def endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def deliveries(
    session: Session, endpoint: WebhookEndpoint, limit: int = 50
) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# Events -----------------------------------------------------------------------------------------

Links = Callable[[int], dict[str, str]]


def payload(event: str, delivery_ref: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": delivery_ref, "event": event, "occurred_at": utcnow().isoformat(), "data": data}


def _decision_data(decision_id: int, team_id: int | None, links: Links, **more: Any) -> dict:
    return {"decision_id": decision_id, "team_id": team_id, **more, "links": links(decision_id)}


def events_of(audit_event: AuditEvent) -> list[tuple[str, int, dict[str, Any]]]:
    """The webhook events an audit event stands for: (event, decision id, extra data)."""
    changes = json.loads(audit_event.changes or "{}")
    if audit_event.entity == "decision":
        decision_id = int(audit_event.entity_id)
        status = changes.get("status")
        decided = status == "decided" or (isinstance(status, list) and status[-1] == "decided")
        if audit_event.action in ("create", "edit") and decided:
            return [("decision.decided", decision_id, {})]
        if audit_event.action == "review":
            return [("decision.reviewed", decision_id, {})]
    if audit_event.entity == "suggestion" and audit_event.action == "answer":
        status = changes.get("status") or []
        if status and status[-1] == "accepted" and changes.get("decision_id") is not None:
            return [
                (
                    "suggestion.accepted",
                    int(changes["decision_id"]),
                    {"suggestion_id": int(audit_event.entity_id)},
                )
            ]
    if audit_event.entity == "comment" and audit_event.action == "create":
        return [
            (
                "comment.added",
                int(changes["decision_id"]),
                {"comment_id": int(audit_event.entity_id)},
            )
        ]
    return []


def queue_deliveries(
    session: Session, found: Iterable[tuple[str, int, dict[str, Any]]], links: Links
) -> list[WebhookDelivery]:
    """A pending delivery of each event to each active endpoint that asked for it."""
    found = list(found)
    if not found:
        return []
    listening = [
        e for e in session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.active))
    ]
    made = []
    teams = dict(
        session.execute(
            sa.select(Decision.id, Decision.team_id).where(Decision.id.in_({f[1] for f in found}))
        ).all()
    )
    for name, decision_id, extra in found:
        for endpoint in listening:
            if name not in endpoint.events:
                continue
            ref = "evt_" + secrets.token_hex(12)
            data = _decision_data(decision_id, teams.get(decision_id), links, **extra)
            delivery = WebhookDelivery(
                endpoint_id=endpoint.id,
                event=name,
                subject=f"decision:{decision_id}",
                payload=payload(name, ref, data),
            )
            session.add(delivery)
            made.append(delivery)
    return made


def test_delivery(session: Session, endpoint: WebhookEndpoint) -> WebhookDelivery:
    ref = "evt_" + secrets.token_hex(12)
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event=TEST_EVENT,
        subject="",
        payload=payload(TEST_EVENT, ref, {"endpoint_id": endpoint.id, "test": True}),
    )
    session.add(delivery)
    session.flush()
    return delivery


def overdue_reviews(session: Session, today: date, links: Links) -> list[WebhookDelivery]:
    """One review.overdue delivery per decision whose review date passed since the endpoint
    was registered, to each endpoint that asked and has not been told yet."""
    made = []
    for endpoint in session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.active)):
        if "review.overdue" not in endpoint.events:
            continue
        since = endpoint.created_at.date()
        told = (
            sa.select(WebhookDelivery.id)
            .where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.event == "review.overdue",
                WebhookDelivery.subject
                == sa.literal("decision:") + sa.cast(Decision.id, sa.String),
            )
            .exists()
        )
        rows = session.execute(
            sa.select(Decision.id, Decision.team_id, Decision.review_due)
            .where(
                Decision.status == "decided",
                ~Decision.archived,
                Decision.review_due.is_not(None),
                Decision.review_due < today,
                Decision.review_due >= since - timedelta(days=1),
                ~told,
            )
            .limit(500)
        ).all()
        for decision_id, team_id, due in rows:
            ref = "evt_" + secrets.token_hex(12)
            data = _decision_data(decision_id, team_id, links, review_due=due.isoformat())
            delivery = WebhookDelivery(
                endpoint_id=endpoint.id,
                event="review.overdue",
                subject=f"decision:{decision_id}",
                payload=payload("review.overdue", ref, data),
            )
            session.add(delivery)
            made.append(delivery)
    session.flush()
    return made


def stranded(session: Session, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Pending deliveries whose attempt should have happened long ago (the queue was down when
    they were made, or a worker died holding them): to be queued again."""
    cutoff = utcnow() - older_than
    return list(
        session.scalars(
            sa.select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == "pending",
                sa.or_(
                    sa.and_(
                        WebhookDelivery.next_attempt_at.is_(None),
                        WebhookDelivery.created_at < cutoff,
                    ),
                    WebhookDelivery.next_attempt_at < cutoff,
                ),
            )
            .order_by(WebhookDelivery.id)
            .limit(500)
        )
    )


# Signing and sending ----------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does (the README shows the same in a few lines): recompute, compare in
    constant time, and refuse an old timestamp so that a captured delivery cannot be replayed."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not fields.get("t", "").isdigit() or "v1" not in fields:
        return False
    timestamp = int(fields["t"])
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields["v1"])


def backoff_seconds(attempts: int, base: int) -> int:
    """Wait before the next attempt: base, 2×, 4×, … (attempts made so far ≥ 1)."""
    return base * 2 ** (attempts - 1)


@dataclass(frozen=True)
class Attempt:
    code: int | None
    error: str  # empty when delivered


def attempt(
    url: str, secret: str, event: str, body: dict[str, Any], allowed_networks: str
) -> Attempt:
    """POST the signed body once, redirects not followed. Holds no database transaction."""
    import requests

    data = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    try:
        check_url(url, allowed_networks)  # again: the name may point elsewhere by now
        response = requests.post(
            url,
            data=data,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "DoBetter-Webhooks/1",
                "X-DoBetter-Event": event,
                "X-DoBetter-Delivery": str(body.get("id", "")),
                SIGNATURE_HEADER: signature(secret, timestamp, data),
            },
            timeout=RESPONSE_SECONDS,
            allow_redirects=False,
        )
    except WebhookError as refused:
        return Attempt(None, str(refused))
    except requests.RequestException as failure:
        return Attempt(None, f"{type(failure).__name__}: {failure}")
    code = response.status_code
    if 200 <= code < 300:
        return Attempt(code, "")
    return Attempt(
        code, f"answered {code}" + (" (a redirect: not followed)" if 300 <= code < 400 else "")
    )


def record_attempt(delivery: WebhookDelivery, outcome: Attempt, retry_base: int) -> int | None:
    """Note the attempt; the seconds to wait before the next one, or None when it is over."""
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    delivery.response_code = outcome.code
    delivery.error = outcome.error[:500]
    if not outcome.error:
        delivery.status, delivery.next_attempt_at = "delivered", None
        return None
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = "failed", None
        return None
    wait = backoff_seconds(delivery.attempts, retry_base)
    delivery.next_attempt_at = utcnow() + timedelta(seconds=wait)
    return wait


# Noticing events as the audit trail is written ---------------------------------------------------

_PENDING = "webhook_events"
_MADE = "webhook_deliveries"


def listen(links_factory: Callable[[], Links], enqueue: Callable[[int], None]) -> None:
    """Watch every session: audit events become deliveries before commit, queued after it."""

    @orm_event.listens_for(Session, "after_flush")
    def collect(session: Session, _context: Any) -> None:
        for obj in session.new:
            if isinstance(obj, AuditEvent):
                found = events_of(obj)
                if found:
                    session.info.setdefault(_PENDING, []).extend(found)

    @orm_event.listens_for(Session, "before_commit")
    def add_deliveries(session: Session) -> None:
        found = session.info.pop(_PENDING, None)
        if found:
            made = queue_deliveries(session, found, links_factory())
            if made:
                session.flush()
                session.info.setdefault(_MADE, []).extend(made)

    @orm_event.listens_for(Session, "after_commit")
    def send_them(session: Session) -> None:
        for delivery in session.info.pop(_MADE, []):
            try:
                enqueue(delivery.id)
            except Exception:  # the change is saved; the periodic sweep queues it again
                log.exception("could not queue webhook delivery %s", delivery.id)

    @orm_event.listens_for(Session, "after_rollback")
    def forget(session: Session) -> None:
        session.info.pop(_PENDING, None)
        session.info.pop(_MADE, None)
