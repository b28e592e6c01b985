"""Personal access tokens: made for a user, kept only as a SHA-256, checked on each API call.

A token reads `dbt_` followed by 40 random URL-safe characters. It is shown once, when it is
made; afterwards only its first characters (to tell tokens apart) and its hash are kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.integration_models import ApiToken
from scorecard.models import User, utcnow
from scorecard.services import audit

PREFIX = "dbt_"
SCOPES = {"read": "Read only", "read-write": "Read and write"}
EXPIRY_DAYS = (7, 30, 90, 365)
MAX_TOKENS = 20


class TokenError(ValueError):
    """A token that cannot be made as asked, with the field it is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token: shown to its owner once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(
    session: Session, user: User, name: str, scope: str, expires_in_days: int | None
) -> NewToken:
    name = " ".join(name.split())
    if not name:
        raise TokenError("Give the token a name, e.g. the tool that will use it.", "name")
    if len(name) > 80:
        raise TokenError("A token's name has at most 80 characters.", "name")
    if scope not in SCOPES:
        raise TokenError("Choose read only or read and write.", "scope")
    if expires_in_days is not None and expires_in_days not in EXPIRY_DAYS:
        raise TokenError("Choose one of the offered expiry periods.", "expires_in_days")
    if len(active_tokens(session, user)) >= MAX_TOKENS:
        raise TokenError(f"You have {MAX_TOKENS} tokens already: revoke one first.", "name")
    secret = PREFIX + secrets.token_urlsafe(30)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        scope=scope,
        prefix=secret[: len(PREFIX) + 6],
        token_hash=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        user,
        "api_token",
        token.id,
        "create",
        {"name": name, "scope": scope, "expires_at": token.expires_at},
    )
    return NewToken(token, secret)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes: they were stored in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def is_usable(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    expires = _aware(token.expires_at)
    return token.revoked_at is None and (expires is None or expires > now)


def active_tokens(session: Session, user: User) -> list[ApiToken]:
    tokens = session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    )
    return [t for t in tokens if is_usable(t)]


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """Every token of the user, newest first, revoked and expired ones included."""
    return list(
        session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The usable token of an active user that this secret is, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or not is_usable(token) or not token.user.active:
        return None
    return token


def revoke(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there is no such usable token."""
    token = session.get(ApiToken, token_id)
    if token is None or not permissions.can_manage_token(user, token) or token.revoked_at:
        return False
    token.revoked_at = utcnow()
    session.flush()
    audit.record(session, user, "api_token", token.id, "revoke", {"name": token.name})
    return True


def record_use(session: Session, token_id: int, method: str, path: str, status: int) -> None:
    """Note when the token was last used, and append the call to the audit trail."""
    token = session.get(ApiToken, token_id)
    if token is None:
        return
    token.last_used_at = utcnow()
    audit.record(
        session,
        token.user,
        "api_token",
        token.id,
        "use",
        {"method": method, "path": path, "status": status},
    )
