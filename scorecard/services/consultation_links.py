"""The signed link of a consultation, and what an answering browser carries.

A link is `/c/<token>`: the consultation's id and its random key, signed with the app's secret
(itsdangerous), so it cannot be guessed or forged and names that consultation alone. It
expires with the consultation's end date and is revoked by the consultation's state, both
kept in the database: a printed QR code stays valid exactly as long as the consultation.

A browser that opens a link gets one cookie, scoped to the links' path: a random number. Its
keyed hash with the consultation's id is stored beside an answer, so the same browser cannot
answer the same consultation twice, while the answers of one browser to two consultations
cannot be linked. A person who clears their cookies can answer again: it is not a guarantee.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

LINK_SALT = "consultation-link"
FORM_SALT = "consultation-form"
BROWSER_SALT = "consultation-browser"
COOKIE = "dobetter_answering"
COOKIE_PATH = "/c/"
COOKIE_DAYS = 400  # browsers keep a cookie at most this long
FORM_HOURS = 24


def new_link_key() -> str:
    return secrets.token_urlsafe(24)


def link_token(secret: str, consultation_id: int, link_key: str) -> str:
    """The same token every time for the same consultation, so printed codes keep working."""
    return URLSafeSerializer(secret, salt=LINK_SALT).dumps([consultation_id, link_key])


def read_link(secret: str, token: str) -> tuple[int, str] | None:
    """(consultation id, key) of a genuine token, else None."""
    if len(token) > 200:
        return None
    try:
        value = URLSafeSerializer(secret, salt=LINK_SALT).loads(token)
    except BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
    ):
        return value[0], value[1]
    return None


def new_browser_cookie(secret: str) -> tuple[str, str]:
    """A fresh browser id and the signed cookie value that carries it."""
    browser_id = secrets.token_urlsafe(18)
    return browser_id, URLSafeSerializer(secret, salt=BROWSER_SALT).dumps(browser_id)


def read_browser_cookie(secret: str, value: str | None) -> str | None:
    if not value or len(value) > 200:
        return None
    try:
        browser_id = URLSafeSerializer(secret, salt=BROWSER_SALT).loads(value)
    except BadSignature:
        return None
    return browser_id if isinstance(browser_id, str) else None


def browser_key(secret: str, consultation_id: int, browser_id: str) -> str:
    """What is stored of a browser beside its answer: nothing that names it elsewhere."""
    message = f"{consultation_id}:{browser_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def form_token(secret: str, consultation_id: int, browser_id: str) -> str:
    """Sent with the form and checked against the cookie: a page of another site cannot post
    an answer in the name of a visitor's browser."""
    return URLSafeTimedSerializer(secret, salt=FORM_SALT).dumps([consultation_id, browser_id])


def form_token_matches(secret: str, token: str, consultation_id: int, browser_id: str) -> bool:
    if not token or len(token) > 300:
        return False
    try:
        value = URLSafeTimedSerializer(secret, salt=FORM_SALT).loads(
            token, max_age=FORM_HOURS * 3600
        )
    except BadSignature:
        return False
    return value == [consultation_id, browser_id]
