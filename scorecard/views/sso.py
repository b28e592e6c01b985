"""Signing in with the company's OpenID Connect provider (Authlib): the authorization code
flow with PKCE; state, nonce, issuer and audience are checked before anyone is signed in."""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, redirect, url_for
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from scorecard.auth_session import start_session
from scorecard.extensions import db
from scorecard.services import accounts, audit, sso

bp = Blueprint("sso", __name__, url_prefix="/login/sso")


def enabled(app: Flask) -> bool:
    return bool(app.config["SSO_ISSUER"] and app.config["SSO_CLIENT_ID"])


def init_app(app: Flask) -> None:
    """Register the provider when the environment names one."""
    if not enabled(app):
        return
    oauth = OAuth(app)
    issuer = app.config["SSO_ISSUER"].rstrip("/")
    oauth.register(
        "company",
        client_id=app.config["SSO_CLIENT_ID"],
        client_secret=app.config["SSO_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )
    app.extensions["sso"] = oauth


def _client():  # type: ignore[no-untyped-def]
    oauth = current_app.extensions.get("sso")
    if oauth is None:
        abort(404)
    return oauth.company


def _policy() -> sso.SsoPolicy:
    config = current_app.config
    return sso.SsoPolicy(
        create_users=config["SSO_CREATE_USERS"],
        default_role=config["SSO_DEFAULT_ROLE"],
        domain_teams=sso.parse_domain_teams(config["SSO_DOMAIN_TEAMS"]),
    )


@bp.get("")
def start() -> Response:
    try:
        return _client().authorize_redirect(url_for("sso.callback", _external=True))
    except (requests.RequestException, ValueError, KeyError) as error:
        current_app.logger.warning("single sign-on provider unavailable: %r", error)
        return _refuse("The single sign-on provider cannot be reached just now. Try again soon.")


def _refuse(message: str) -> Response:
    flash(message, "danger")
    return redirect(url_for("auth.login"))


@bp.get("/callback")
def callback() -> Response:
    client = _client()
    issuer = current_app.config["SSO_ISSUER"].rstrip("/")
    try:
        if client.load_server_metadata().get("issuer", "").rstrip("/") != issuer:
            raise sso.SsoRefused("The provider does not say it is the configured issuer.")
        token = client.authorize_access_token(claims_options={"iss": {"values": [issuer]}})
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise sso.SsoRefused("The provider sent no ID token.")
        user = sso.user_for(db.session, claims, _policy())
    except sso.SsoRefused as refusal:
        db.session.rollback()
        current_app.logger.warning("single sign-on refused: %s", refusal)
        return _refuse(f"Single sign-on did not sign you in: {refusal}")
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        db.session.rollback()
        current_app.logger.warning("single sign-on failed: %r", error)
        return _refuse(
            "Single sign-on did not complete (the answer from the provider was out of date or "
            "not for this sign-in). Please try again."
        )
    accounts.record_login(user)
    audit.record(db.session, user, "user", user.id, "sign_in", {"via": "sso"})
    db.session.commit()
    start_session(user)
    return redirect(url_for("main.index"))
