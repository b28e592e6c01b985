"""Who calls the API: a personal access token in the Authorization header, and nothing else.

Every API blueprint runs `authenticate` before its views: a token in the query string is
refused, a missing, unknown, expired or revoked token (or one of a deactivated user) answers
401, and a read-only token may only read. The call is then made as the token's user, so the
same permission checks as the pages apply; after it, the use is recorded and audited.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask.wrappers import Response
from flask_limiter.util import get_remote_address

from scorecard.api.problems import ApiProblem
from scorecard.extensions import db
from scorecard.services import tokens

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
QUERY_NAMES = ("access_token", "token", "api_key", "apikey", "key")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}


def presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def rate_limit_key() -> str:
    """Limits count per token (by its hash, before it is even checked), else per address."""
    token = presented_token()
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "api-address:" + get_remote_address()


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def authenticate() -> None:
    if any(name in request.args for name in QUERY_NAMES):
        raise ApiProblem(
            400,
            "Tokens are never accepted in the address, where logs and browsers keep them: "
            "send it as 'Authorization: Bearer <token>' and revoke the one you just exposed.",
            kind="token-in-query",
        )
    secret = presented_token()
    if secret is None:
        raise ApiProblem(
            401,
            "Send a personal access token as 'Authorization: Bearer <token>' "
            "(make one on your account page).",
            headers=CHALLENGE,
        )
    token = tokens.authenticate(db.session, secret)
    if token is None:
        raise ApiProblem(
            401,
            "This token is unknown, expired or revoked, or its user is deactivated.",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        )
    if request.method not in READ_METHODS and token.scope != "read-write":
        raise ApiProblem(
            403,
            "This token may only read: make a read and write token to change anything.",
            kind="insufficient-scope",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="insufficient_scope"'},
        )
    # Flask-Login's current user for this request only: nothing is written to a session.
    g._login_user = token.user
    g.api_token_id = token.id


def record_use(response: Response) -> Response:
    """Last used and the audit trail, in a short write of their own (also after a refusal)."""
    token_id = g.pop("api_token_id", None)
    if token_id is None:
        return response
    if "db_session" in g:  # the call's own transaction is over: release any lock it holds
        g.db_session.rollback()
    session = db.new_session(write=True)
    try:
        tokens.record_use(session, token_id, request.method, request.path, response.status_code)
        session.commit()
    except Exception:
        session.rollback()
        current_app.logger.exception("could not record the use of API token %s", token_id)
    finally:
        session.close()
    return response
