"""Webhook deliveries, sent by the job queue: one attempt per task run, later attempts
scheduled with a doubling wait; and, every quarter of an hour, the reviews that fell overdue."""

from __future__ import annotations

from datetime import date

from flask import current_app, has_request_context, request

from scorecard import jobs
from scorecard.extensions import db
from scorecard.integration_models import WebhookDelivery
from scorecard.services import webhooks


def links() -> webhooks.Links:
    """Absolute links to a decision in the API and on its page."""
    base = current_app.config["PUBLIC_URL"] or (request.url_root if has_request_context() else "")
    base = base.rstrip("/")
    return lambda decision_id: {
        "api": f"{base}/api/v1/decisions/{decision_id}",
        "html": f"{base}/decisions/{decision_id}",
    }


@jobs.task()
def deliver_webhook(delivery_id: int) -> None:
    session = db.new_session()
    try:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            return
        endpoint = delivery.endpoint
        url, secret, event, body = endpoint.url, endpoint.secret, delivery.event, delivery.payload
    finally:
        session.close()
    outcome = webhooks.attempt(
        url, secret, event, body, current_app.config["WEBHOOK_ALLOWED_NETWORKS"]
    )
    with db.writing() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        wait = webhooks.record_attempt(
            delivery, outcome, current_app.config["WEBHOOK_RETRY_SECONDS"]
        )
    if wait is not None:
        deliver_webhook.schedule((delivery_id,), delay=wait)


def enqueue(delivery_id: int) -> None:
    deliver_webhook(delivery_id)


@jobs.periodic_task(jobs.crontab(minute="*/15"))
def announce_overdue_reviews() -> None:
    """Reviews that fell overdue; and deliveries left pending by a queue that was down."""
    with db.writing() as session:
        made = webhooks.overdue_reviews(session, date.today(), links())
        ids = [d.id for d in made]
    session = db.new_session()
    try:
        ids += webhooks.stranded(session)
    finally:
        session.close()
    for delivery_id in ids:
        deliver_webhook(delivery_id)


webhooks.listen(links, enqueue)
