"""Single sign-on against a real OpenID provider on loopback: the authorization code flow with
PKCE, users matched by verified email or created with the configured role and team, and each
way it must fail: a wrong state, an expired code, an unverified email, a wrong issuer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from scorecard.extensions import db
from scorecard.models import User


def go_to_provider(client) -> str:
    """Press "Sign in with …": the address of the provider's authorization endpoint."""
    response = client.get("/login/sso")
    assert response.status_code == 302
    return response.headers["Location"]


def provider_answer(authorize_url: str) -> str:
    """The provider signs the person in and sends them back: the callback address."""
    response = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def come_back(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_with_sso(client):
    return come_back(client, provider_answer(go_to_provider(client)))


def test_the_flow_uses_pkce_state_and_nonce(client, provider):
    query = parse_qs(urlsplit(go_to_provider(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"][0].split() == ["openid", "email", "profile"]


def test_a_new_verified_user_is_created_in_the_team_of_their_domain(app, client, org, provider):
    response = sign_in_with_sso(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/account").get_data(as_text=True)
    assert "ada@example.com" in page and "Operations" in page and "Ada Lovelace" in page
    with app.app_context():
        user = db.session.query(User).filter_by(email="ada@example.com").one()
        assert user.role == "staff"


def test_an_existing_user_is_matched_by_email(client, org, provider):
    provider.user = {**provider.user, "email": "Manager@Example.com", "sub": "m-7"}
    sign_in_with_sso(client)
    page = client.get("/account").get_data(as_text=True)
    assert "manager@example.com" in page and "manager" in page.lower()


def test_sign_out_ends_the_local_session(client, org, provider):
    sign_in_with_sso(client)
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/account").status_code == 302


def test_an_unverified_email_is_refused(app, client, provider):
    provider.user = {**provider.user, "email_verified": False}
    response = sign_in_with_sso(client)
    assert response.headers["Location"] == "/login"
    assert "not verified" in client.get("/login").get_data(as_text=True)
    assert client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.query(User).filter_by(email="ada@example.com").count() == 0


def test_a_wrong_state_is_refused(client, provider):
    callback = provider_answer(go_to_provider(client))
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    response = client.get(parts.path, query_string={"code": query["code"][0], "state": "forged"})
    assert response.headers["Location"] == "/login"
    assert "did not complete" in client.get("/login").get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert provider.exchanged == []  # the code was never even sent back to the provider


def test_a_callback_from_another_browser_is_refused(app, client, provider):
    callback = provider_answer(go_to_provider(client))
    other = app.test_client()
    response = come_back(other, callback)
    assert response.headers["Location"] == "/login"
    assert other.get("/account").status_code == 302


def test_an_expired_code_is_refused(client, provider):
    provider.code_lifetime = 0
    response = sign_in_with_sso(client)
    assert response.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302


def test_an_id_token_of_another_issuer_is_refused(client, provider):
    provider.id_token_issuer = "https://evil.example"
    response = sign_in_with_sso(client)
    assert response.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302


def test_a_provider_that_names_another_issuer_is_refused(client, provider):
    provider.metadata_issuer = "https://evil.example"
    provider.id_token_issuer = "https://evil.example"
    response = sign_in_with_sso(client)
    assert response.headers["Location"] == "/login"
    assert "is the configured issuer" in client.get("/login").get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_an_unreachable_provider_is_a_clear_message(app_config, provider):
    from scorecard import create_app

    app = create_app({**app_config, "SSO_ISSUER": "http://127.0.0.1:9"})
    client = app.test_client()
    response = client.get("/login/sso")
    assert response.headers["Location"] == "/login"
    assert "cannot be reached" in client.get("/login").get_data(as_text=True)
    app.extensions["database"].engine.dispose()


def test_unknown_users_are_refused_when_only_existing_users_may_sign_in(app_config, provider):
    from scorecard import create_app

    app = create_app({**app_config, "SSO_CREATE_USERS": False})
    client = app.test_client()
    response = sign_in_with_sso(client)
    assert response.headers["Location"] == "/login"
    assert "no Do Better account" in client.get("/login").get_data(as_text=True)
    app.extensions["database"].engine.dispose()


def test_sso_only_hides_the_password_form_and_refuses_passwords(app_config, org, provider):
    from scorecard import create_app

    app = create_app({**app_config, "SSO_ONLY": True})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Example Corp" in page
    assert 'type="password"' not in page
    refused = client.post(
        "/login", data={"email": org.staff.email, "password": "correct-staple-battery-7"}
    )
    assert refused.status_code == 400
    assert client.get("/account").status_code == 302
    app.extensions["database"].engine.dispose()


def test_the_password_form_stays_beside_sso_by_default(client, provider):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Example Corp" in page and 'type="password"' in page
