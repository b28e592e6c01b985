"""Emails as people read them: HTML and plain text from templates, links to act, the signed
one-click unsubscribe link and the headers that announce it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from scorecard.models import EmailMessage, User
from scorecard.services.email_delivery import Batch
from scorecard.services.notifications import KIND_LABELS

UNSUBSCRIBE_SALT = "email-unsubscribe"


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute address of the application (PUBLIC_URL), also outside any request."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    # The address is signed too: a link sent to an old address stops working once it changes.
    return _serializer().dumps({"user": user.id, "email": user.email})


def unsubscribe_url(user: User) -> str:
    return external_url("email.unsubscribe", token=unsubscribe_token(user))


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The (user id, address) a token was made for, or None if it is not one of ours."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    return data["user"], str(data.get("email", ""))


@dataclass(frozen=True)
class Item:
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime


def _subject(batch: Batch) -> str:
    count = len(batch.notifications)
    if batch.kind == "instant":
        return batch.notifications[0].title
    period = "today" if batch.kind == "daily" else "this week"
    things = f"{count} thing{'s' if count != 1 else ''}"
    return f"Do Better {period}: {things} for you"


def render(batch: Batch) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the email a batch makes."""
    items = [
        Item(
            KIND_LABELS.get(n.kind, n.kind.replace("_", " ").capitalize()),
            n.title,
            n.body,
            external_url("notifications.follow", notification_id=n.id),
            n.created_at,
        )
        for n in batch.notifications
    ]
    context = {
        "user": batch.user,
        "kind": batch.kind,
        "items": items,
        "subject": _subject(batch),
        "unsubscribe_url": unsubscribe_url(batch.user),
        "preferences_url": external_url("auth.account", _anchor="email"),
        "notifications_url": external_url("notifications.index"),
        "home_url": external_url("main.index"),
    }
    # The templates alone, without the pages' context (there is no request, no signed-in user).
    environment = current_app.jinja_env
    return (
        context["subject"],
        environment.get_template("email/notifications.txt").render(context),
        environment.get_template("email/notifications.html").render(context),
    )


def mime(message: EmailMessage, user: User) -> MimeMessage:
    """The message as sent: both bodies, and List-Unsubscribe for one-click unsubscribe."""
    mail = MimeMessage()
    mail["Subject"] = message.subject
    mail["From"] = current_app.config["MAIL_FROM"]
    mail["To"] = message.to_address
    mail["Date"] = formatdate(localtime=False)
    domain = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    mail["Message-ID"] = make_msgid(f"email-{message.id}", domain=domain)
    mail["List-Unsubscribe"] = f"<{unsubscribe_url(user)}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text_body)
    mail.add_alternative(message.html_body, subtype="html")
    return mail
