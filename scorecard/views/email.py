"""The one-click unsubscribe link of every email: it works without signing in.

GET shows a page with one button (mail scanners open links; they must not unsubscribe
anyone); POST unsubscribes, from that button or from the mail client's own button
(List-Unsubscribe-Post, RFC 8058), with no session and no CSRF token: the signed token is
the proof."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from scorecard.extensions import csrf, db
from scorecard.mail.render import read_unsubscribe_token
from scorecard.models import EmailFrequency, User
from scorecard.services import email_delivery

bp = Blueprint("email", __name__)


def _user_of(token: str) -> User:
    found = read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user = db.session.get(User, found[0])
    if user is None or user.email != found[1]:
        abort(404)
    return user


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str) -> str:
    user = _user_of(token)
    return render_template(
        "email/unsubscribe.html",
        user=user,
        done=user.email_frequency == EmailFrequency.NEVER,
        token=token,
    )


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str) -> str | tuple[str, int, dict[str, str]]:
    user = _user_of(token)
    email_delivery.set_frequency(db.session, None, user, EmailFrequency.NEVER.value)
    db.session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "Unsubscribed.\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("email/unsubscribe.html", user=user, done=True, token=token)
