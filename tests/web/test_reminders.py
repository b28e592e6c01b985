"""Review reminders and email, end to end: the clock moves over a review date (the command's
--date), the loopback SMTP server receives the emails and digests, and the review stops them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.mail import jobs
from scorecard.models import EmailMessage
from tests.web.decision_data import review_form
from tests.web.test_notifications import bell

DUE = date(2026, 3, 2)  # a Monday
TITLE = "Switch courier to electric vans"


@pytest.fixture
def app_config(app_config, mail_config):
    return {**app_config, **mail_config}


def run(runner, day: date, *options: str) -> str:
    result = runner.invoke(args=["send-reminders", "--date", day.isoformat(), *options])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def due_decision(make, org):
    return make.decision(org.ops, org.staff, decided_on=DUE - timedelta(days=60), review_due=DUE)


def prefer(client, user, frequency: str) -> None:
    client.post("/login", data={"email": user.email, "password": "correct-staple-battery-7"})
    response = client.post("/account/email", data={"email_frequency": frequency})
    assert response.status_code == 302
    client.post("/logout")


def test_reminders_by_app_email_and_digest_until_the_review_is_recorded(
    app, client, runner, smtp, org, due_decision
):
    prefer(client, org.manager, "daily")
    assert "notified 0 people" in run(runner, DUE - timedelta(days=1))
    assert smtp.received == []

    output = run(runner, DUE)
    assert "notified 1 person" in output
    [reminder] = smtp.to(org.staff.email)
    assert reminder.subject == f"Your review of “{TITLE}” is due today"
    assert reminder.message["List-Unsubscribe"].startswith("<http://dobetter.test/unsubscribe/")
    assert reminder.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"http://dobetter\.test/notifications/\d+", reminder.body()).group(0)
    assert link in reminder.body("html")

    assert "notified 0 people" in run(runner, DUE), "a second run the same day tells no one"
    assert len(smtp.received) == 1

    client.post("/login", data={"email": org.staff.email, "password": "correct-staple-battery-7"})
    assert bell(client) == "Notifications, 1 unread"
    opened = client.get(link.removeprefix("http://dobetter.test"))
    assert opened.headers["Location"] == f"/decisions/{due_decision.id}/review"

    run(runner, DUE + timedelta(days=7))
    assert [m.subject for m in smtp.to(org.staff.email)][1:] == [
        f"Your review of “{TITLE}” is 7 days overdue"
    ]
    [digest] = smtp.to(org.manager.email)
    assert digest.subject == "Do Better today: 1 thing for you"
    assert f"“{TITLE}” by Staff is 7 days overdue for review" in digest.body()
    assert bell(client) == "Notifications, 1 unread"  # the new step replaced the first

    response = client.post(
        f"/decisions/{due_decision.id}/review", data=review_form(app, due_decision.id)
    )
    assert response.status_code == 302
    assert bell(client) == "Notifications, none unread"
    before = len(smtp.received)
    for later in (8, 9, 14, 30):
        assert "notified 0 people" in run(runner, DUE + timedelta(days=later))
    assert len(smtp.received) == before, "no reminder once the review is recorded"


def test_a_dry_run_tells_and_sends_nothing(client, runner, smtp, org, due_decision):
    output = run(runner, DUE, "--dry-run")
    assert "would notify 1 person" in output
    assert f"{org.staff.email}: Your review of “{TITLE}” is due today" in output
    assert smtp.received == []
    client.post("/login", data={"email": org.staff.email, "password": "correct-staple-battery-7"})
    assert bell(client) == "Notifications, none unread"
    run(runner, DUE)
    assert len(smtp.to(org.staff.email)) == 1


def test_unsubscribe_from_the_emails_link_without_signing_in(
    app, client, runner, smtp, org, due_decision
):
    run(runner, DUE)
    [reminder] = smtp.to(org.staff.email)
    url = reminder.message["List-Unsubscribe"].strip("<>").removeprefix("http://dobetter.test")
    assert url in reminder.body()  # the link in the email is the same
    page = client.get(url)
    assert page.status_code == 200
    assert "Unsubscribe from all email" in page.get_data(as_text=True)
    # The mail client's one-click button: a POST with no session and no CSRF token.
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You get no more email" in client.get(url).get_data(as_text=True)

    run(runner, DUE + timedelta(days=3))
    assert len(smtp.to(org.staff.email)) == 1, "no email after unsubscribing"
    client.post("/login", data={"email": org.staff.email, "password": "correct-staple-battery-7"})
    assert bell(client) == "Notifications, 1 unread"  # the application still tells


def test_a_forged_unsubscribe_link_is_not_found(client, runner, smtp, org, due_decision):
    run(runner, DUE)
    url = smtp.received[0].message["List-Unsubscribe"].strip("<>")
    token = url.rsplit("/", 1)[1]
    assert client.post(f"/unsubscribe/{token[:-2]}xx").status_code == 404
    assert client.get("/unsubscribe/not-a-token").status_code == 404


def _message(app) -> EmailMessage:
    with app.app_context():
        return db.session.scalar(sa.select(EmailMessage))


def test_an_smtp_error_is_retried_then_recorded(app, runner, smtp, org, due_decision):
    smtp.refuse("451 4.3.0 Try again later", times=10)
    assert "to retry 1" in run(runner, DUE)
    moment = datetime.now().astimezone()
    with app.app_context():
        for _attempt in range(10):
            moment += timedelta(hours=7)
            jobs.deliver(moment)
    message = _message(app)
    assert message.sent_at is None
    assert message.failed_at is not None
    assert message.attempts == app.config["EMAIL_MAX_ATTEMPTS"]
    assert "451" in message.last_error
    assert smtp.received == []


def test_a_refused_address_fails_at_once_and_a_retry_can_succeed(
    app, runner, smtp, make, org, due_decision
):
    smtp.refuse("550 5.1.1 No such mailbox")
    assert "failed 1" in run(runner, DUE)
    assert "550" in _message(app).last_error
    smtp.refuse("421 4.7.0 Busy")
    make.decision(
        org.ops, org.staff, title="Second", decided_on=DUE - timedelta(days=9), review_due=DUE
    )
    assert "to retry 1" in run(runner, DUE)
    with app.app_context():
        report = jobs.deliver(datetime.now().astimezone() + timedelta(minutes=2))
    assert report.sent == 1
    assert [m.subject for m in smtp.received] == ["Your review of “Second” is due today"]


def test_no_email_to_a_deactivated_account_and_its_managers_are_told(
    client, runner, smtp, org, due_decision
):
    client.post("/login", data={"email": org.admin.email, "password": "correct-staple-battery-7"})
    client.post(
        f"/admin/users/{org.staff.id}",
        data={"display_name": "Staff", "role": "staff", "teams": [org.ops.id]},
    )
    run(runner, DUE)
    assert smtp.to(org.staff.email) == []
    [told] = smtp.to(org.manager.email)
    assert told.subject.startswith(f"The review of “{TITLE}” is due today")
