"""Webhooks: registered by an admin, told of events with signed deliveries sent by the job
queue, retried with a growing wait, logged; internal addresses refused unless allowed."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.integration_models import WebhookDelivery
from tests.api.conftest import ApiClient, make_token
from tests.web.test_suggestions import propose, stored, suggestion_id
from tests.webhooks.conftest import LOOPBACK

SECRET = re.compile(r'id="secret" value="(whsec_[A-Za-z0-9_-]+)"')


def register(browser, url: str, events: list[str]) -> tuple[str, str]:
    """Register an endpoint on the admin page; its page's address and its signing secret."""
    response = browser.post(
        "/admin/webhooks", data={"url": url, "description": "Chat", "events": events, "active": "y"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    return response.headers["Location"], SECRET.search(page).group(1)


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The README's verification, as a receiver would write it."""
    parts = dict(p.split("=", 1) for p in headers["x-dobetter-signature"].split(","))
    if abs(time.time() - int(parts["t"])) > 300:
        return False
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"])


def test_a_decision_decided_through_the_api_is_delivered_signed(app, login, org, receiver):
    _, secret = register(login(org.admin), receiver.url, ["decision.decided", "comment.added"])
    api = ApiClient(app.test_client(use_cookies=False), make_token(app, org.staff.email))
    created = api.post(
        "/api/v1/decisions",
        json={
            "team_id": org.ops.id,
            "title": "Local supplier for bread",
            "question": "Where do we buy bread?",
            "decision_taken": "From the bakery next door.",
            "decided_on": date.today().isoformat(),
        },
    ).get_json()
    [hook] = receiver.hooks()
    assert hook.headers["x-dobetter-event"] == "decision.decided"
    assert verified(secret, hook.headers, hook.body)
    assert not verified("whsec_wrong", hook.headers, hook.body)
    body = json.loads(hook.body)
    assert body["event"] == "decision.decided"
    assert body["data"] == {
        "decision_id": created["id"],
        "team_id": org.ops.id,
        "links": {
            "api": f"https://dobetter.test/api/v1/decisions/{created['id']}",
            "html": f"https://dobetter.test/decisions/{created['id']}",
        },
    }
    assert "Local supplier" not in hook.body.decode()  # ids and links, not the content
    api.post(f"/api/v1/decisions/{created['id']}/comments", json={"body": "Good bread."})
    assert [h.headers["x-dobetter-event"] for h in receiver.hooks()] == [
        "decision.decided",
        "comment.added",
    ]


def test_only_the_events_asked_for_are_sent(app, login, make, org, receiver):
    browser = login(org.admin)
    register(browser, receiver.url, ["decision.reviewed"])
    draft = make.decision(org.ops, org.staff, status="draft")
    api = ApiClient(app.test_client(use_cookies=False), make_token(app, org.staff.email))
    api.patch(
        f"/api/v1/decisions/{draft.id}",
        json={"status": "decided", "decision_taken": "Yes."},
        headers={"If-Match": '"1"'},
    )
    assert receiver.hooks() == []
    api.post(
        f"/api/v1/decisions/{draft.id}/review",
        json={"reviewed_on": date.today().isoformat(), "what_happened": "Fine."},
        headers={"If-Match": '"2"'},
    )
    assert [h.headers["x-dobetter-event"] for h in receiver.hooks()] == ["decision.reviewed"]


def test_send_test_event_and_the_delivery_log(login, org, receiver):
    browser = login(org.admin)
    page_url, secret = register(browser, receiver.url, ["comment.added"])
    endpoint_id = page_url.rsplit("/", 1)[1]
    assert browser.post(f"/admin/webhooks/{endpoint_id}/test").status_code == 302
    [hook] = receiver.hooks()
    assert json.loads(hook.body)["event"] == "ping"
    assert verified(secret, hook.headers, hook.body)
    page = browser.get(page_url).get_data(as_text=True)
    assert (
        "<code>ping</code>" in page
        and "Delivered" in page
        and ">200<" in page.replace("<td>200", ">200<")
    )


def test_redirects_are_not_followed(app, login, org, receiver):
    browser = login(org.admin)
    page_url, _ = register(browser, receiver.url, ["comment.added"])
    receiver.answers = [302]
    browser.post(f"{page_url}/test")
    assert [r.path for r in receiver.requests] == ["/hook"]
    with app.app_context():
        delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
        assert (delivery.status, delivery.response_code, delivery.attempts) == ("pending", 302, 1)
        assert "not followed" in delivery.error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "ftp://example.com/x",
    ],
)
def test_internal_addresses_are_refused_by_default(app_config, make, url):
    from scorecard import create_app
    from tests.conftest import sign_in

    app = create_app({**app_config, "WEBHOOK_ALLOWED_NETWORKS": ""})
    make.user("root@example.com", "admin")
    browser = app.test_client()
    sign_in(browser, "root@example.com")
    response = browser.post("/admin/webhooks", data={"url": url, "events": ["comment.added"]})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "internal address" in text or "http:// or https://" in text
    app.extensions["database"].engine.dispose()


def test_overdue_reviews_are_announced_once(app, login, make, org, receiver):
    from scorecard.tasks.webhooks import announce_overdue_reviews

    register(login(org.admin), receiver.url, ["review.overdue"])
    overdue = make.decision(
        org.ops,
        org.staff,
        decided_on=date.today() - timedelta(days=30),
        review_due=date.today() - timedelta(days=1),
    )
    make.decision(
        org.ops,
        org.staff,
        decided_on=date.today() - timedelta(days=400),
        review_due=date.today() - timedelta(days=300),
    )
    with app.app_context():
        announce_overdue_reviews.call_local()
        announce_overdue_reviews.call_local()
    [hook] = receiver.hooks()
    body = json.loads(hook.body)
    assert body["event"] == "review.overdue"
    assert body["data"]["decision_id"] == overdue.id


@pytest.mark.workers
def test_a_worker_retries_a_failing_endpoint_with_a_growing_wait(
    app, login, org, receiver, workers
):
    receiver.answers = [500, 503]
    browser = login(org.admin)
    page_url, secret = register(browser, receiver.url, ["comment.added"])
    workers.start(WEBHOOK_ALLOWED_NETWORKS=LOOPBACK, WEBHOOK_RETRY_SECONDS=1)
    browser.post(f"{page_url}/test")

    def delivered():
        with app.app_context():
            delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
            return delivery if delivery.status == "delivered" else None

    delivery = workers.wait_for(delivered, "the third attempt to be delivered")
    assert delivery.attempts == 3
    hooks = receiver.hooks()
    assert len(hooks) == 3
    assert len({h.headers["x-dobetter-delivery"] for h in hooks}) == 1  # the same delivery
    assert all(verified(secret, h.headers, h.body) for h in hooks)
    page = browser.get(page_url).get_data(as_text=True)
    assert "Delivered" in page


def test_a_delivery_left_pending_is_queued_again_by_the_sweep(app, login, org, receiver):
    from datetime import UTC, datetime

    from scorecard.tasks.webhooks import announce_overdue_reviews

    browser = login(org.admin)
    page_url, _ = register(browser, receiver.url, ["comment.added"])
    receiver.answers = [500]
    browser.post(f"{page_url}/test")
    with app.app_context(), db.writing() as session:
        delivery = session.scalars(sa.select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        # Its retry was lost with the queue: it should have happened an hour ago.
        delivery.next_attempt_at = datetime.now(UTC) - timedelta(hours=1)
    with app.app_context():
        announce_overdue_reviews.call_local()
    with app.app_context():
        delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)


def test_an_accepted_suggestion_is_delivered_with_its_draft_decision(app, login, org, receiver):
    _, secret = register(login(org.admin), receiver.url, ["suggestion.accepted"])
    staff = login(org.staff)
    sid = suggestion_id(propose(staff, org.ops.id, "Reuse the boxes", body="They are fine."))
    manager = login(org.manager)
    manager.post(f"/suggestions/{sid}/answer", data={"status": "in_progress"})
    assert receiver.hooks() == []  # only an acceptance is this event
    answered = manager.post(f"/suggestions/{sid}/answer", data={"status": "accepted"})
    assert answered.status_code == 302
    [hook] = receiver.hooks()
    assert hook.headers["x-dobetter-event"] == "suggestion.accepted"
    assert verified(secret, hook.headers, hook.body)
    data = json.loads(hook.body)["data"]
    draft_id = stored(app, sid).decision_id
    assert data["decision_id"] == draft_id and data["suggestion_id"] == sid
    assert data["team_id"] == org.ops.id
    assert data["links"]["html"] == f"https://dobetter.test/decisions/{draft_id}"
