"""Single sign-on: who a verified identity from the company's OpenID provider is here.

A user is matched by email, and only by an email the provider says it verified. Someone new is
created on first sign-in, with the configured role and the team their email's domain maps to,
unless the settings say that only existing users may sign in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from scorecard.models import Team, User
from scorecard.services import accounts, audit


class SsoRefused(Exception):
    """This identity may not sign in; the message says why, for the person signing in."""


@dataclass(frozen=True)
class SsoPolicy:
    create_users: bool = True
    default_role: str = "staff"
    domain_teams: dict[str, str] = field(default_factory=dict)  # email domain -> team slug


def parse_domain_teams(text: str) -> dict[str, str]:
    """ "example.com=operations, other.org=sales" as {domain: team slug}."""
    pairs = {}
    for item in text.split(","):
        domain, _, slug = item.partition("=")
        if domain.strip() and slug.strip():
            pairs[domain.strip().lower()] = slug.strip()
    return pairs


def user_for(session: Session, claims: dict[str, object], policy: SsoPolicy) -> User:
    """The user these ID-token claims are, created if the policy allows; the caller commits."""
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SsoRefused("Your company account did not share an email address.")
    if claims.get("email_verified") is not True:
        raise SsoRefused(
            "Your company account's email address is not verified: verify it there, then "
            "sign in again."
        )
    email = accounts.normalise_email(email)
    user = accounts.find_user(session, email)
    if user is not None:
        if not user.active:
            raise SsoRefused("This account is deactivated. Ask an admin to reactivate it.")
        return user
    if not policy.create_users:
        raise SsoRefused(f"There is no Do Better account for {email}. Ask an admin to create one.")
    slug = policy.domain_teams.get(email.rsplit("@", 1)[1])
    team = accounts.team_by_slug(session, slug) if slug else None
    teams: list[Team] = [team] if team is not None else []
    name = str(claims.get("name") or email.split("@")[0]).strip()[:120] or email
    user = accounts.create_user(
        session,
        None,
        email=email,
        display_name=name,
        # Never told to anyone: the account signs in through the provider.
        password=secrets.token_urlsafe(32),
        role=policy.default_role,
        teams=teams,
    )
    audit.record(session, user, "user", user.id, "sso_create", {"issuer": claims.get("iss")})
    return user
