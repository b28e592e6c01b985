"""Notifications: the service's promises (once per thing, only people who may know) and the bell
and page that show them."""

from __future__ import annotations

import re

import pytest

from scorecard.extensions import db
from scorecard.models import User
from scorecard.services import notifications
from tests.conftest import sign_in


def bell(client) -> str:
    """The bell's accessible name on the decisions page, e.g. "Notifications, 2 unread"."""
    html = client.get("/decisions").get_data(as_text=True)
    match = re.search(r'class="nav-bell[^"]*"[^>]*aria-label="([^"]+)"', html, re.S)
    assert match, "no bell in the navigation"
    return match.group(1)


def tell(app, recipients, key="thing:1", decision=None, actor=None, **fields):
    with app.app_context(), db.writing() as session:
        return notifications.notify(
            session,
            [session.get(User, u.id) for u in recipients],
            fields.pop("kind", "comment"),
            key=key,
            title=fields.pop("title", "Something to know"),
            link=fields.pop("link", "/decisions"),
            decision=decision,
            actor=session.get(User, actor.id) if actor else None,
            **fields,
        )


def test_a_person_is_told_of_one_thing_once(app, client, org):
    assert tell(app, [org.staff, org.manager]) == {org.staff.id, org.manager.id}
    assert tell(app, [org.staff, org.manager]) == set()
    sign_in(client, org.staff.email)
    assert bell(client) == "Notifications, 1 unread"


def test_only_people_who_can_see_the_decision_are_told_and_never_the_actor(app, make, org):
    decision = make.decision(org.ops, org.staff)
    told = tell(
        app,
        [org.staff, org.manager, org.other_staff, org.admin],
        decision=decision,
        actor=org.manager,
    )
    assert told == {org.staff.id, org.admin.id}


def test_deactivated_accounts_are_not_told(app, client, make, org):
    gone = make.user("gone@example.com", "staff", teams=(org.ops,))
    sign_in(client, org.admin.email)
    client.post(
        f"/admin/users/{gone.id}",
        data={"display_name": "Gone", "role": "staff", "teams": [org.ops.id]},
    )
    assert tell(app, [gone, org.staff]) == {org.staff.id}


def test_opening_marks_read_and_leads_to_the_link(app, client, make, org):
    decision = make.decision(org.ops, org.staff)
    tell(app, [org.staff], link=f"/decisions/{decision.id}", title="Look at this")
    sign_in(client, org.staff.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Look at this" in page
    notification_id = int(re.search(r'href="/notifications/(\d+)"', page).group(1))
    response = client.get(f"/notifications/{notification_id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/decisions/{decision.id}"
    assert bell(client) == "Notifications, none unread"


def test_another_persons_notification_is_not_found(app, client, org):
    tell(app, [org.manager], title="For the manager only")
    sign_in(client, org.staff.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "For the manager only" not in page
    assert client.get("/notifications/1").status_code == 404
    assert client.post("/notifications/1/read").status_code == 404


def test_mark_read_and_mark_all_read(app, client, org):
    for number in range(3):
        tell(app, [org.staff], key=f"thing:{number}", title=f"Thing {number}")
    sign_in(client, org.staff.email)
    assert bell(client) == "Notifications, 3 unread"
    page = client.get("/notifications").get_data(as_text=True)
    first = re.search(r'action="/notifications/(\d+)/read"', page).group(1)
    assert client.post(f"/notifications/{first}/read").status_code == 302
    assert bell(client) == "Notifications, 2 unread"
    client.post("/notifications/read-all")
    assert bell(client) == "Notifications, none unread"
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("Thing 2") < page.index("Thing 1") < page.index("Thing 0")  # newest first


def test_done_takes_a_thing_off_the_bell(app, client, org):
    tell(app, [org.staff], key="suggestion:7:open")
    tell(app, [org.staff], key="suggestion:8:open")
    with app.app_context(), db.writing() as session:
        assert notifications.done(session, keys=["suggestion:7:open"]) == 1
    sign_in(client, org.staff.email)
    assert bell(client) == "Notifications, 1 unread"


def test_a_link_must_stay_in_the_application(app, org):
    with pytest.raises(notifications.NotificationError):
        tell(app, [org.staff], link="https://elsewhere.example/")
    with pytest.raises(notifications.NotificationError):
        tell(app, [org.staff], link="//elsewhere.example/")
