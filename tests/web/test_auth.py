"""Signing in and out, sessions, CSRF and safe redirects, through the test client."""

from __future__ import annotations

import pytest
from flask import Flask

from scorecard import create_app
from tests.conftest import PASSWORD, sign_in


def test_sign_in_page_has_email_and_password_fields(client, org):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in page
    assert 'name="password"' in page


def test_anonymous_visitor_is_sent_to_sign_in_with_next(client):
    response = client.get("/decisions")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("who", ["admin@example.com", "manager@example.com", "staff@example.com"])
def test_each_role_signs_in_and_reaches_decisions(client, org, who):
    sign_in(client, who)
    response = client.get("/decisions")
    assert response.status_code == 200
    assert who in response.get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(client, org):
    response = client.post(
        "/login", data={"email": "staff@example.com", "password": "not-the-password!"}
    )
    assert response.status_code == 400
    assert "The email or the password is not right." in response.get_data(as_text=True)
    assert client.get("/decisions").status_code == 302


def test_unknown_email_gets_the_same_answer(client, org):
    response = client.post("/login", data={"email": "nobody@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "The email or the password is not right." in response.get_data(as_text=True)


def test_email_is_matched_ignoring_case(client, org):
    sign_in(client, "Staff@Example.COM")
    assert client.get("/decisions").status_code == 200


def test_deactivated_user_cannot_sign_in(client, org, login):
    login(org.admin).post(
        f"/admin/users/{org.staff.id}",
        data={"display_name": "Staff", "role": "staff", "teams": [org.ops.id]},
    )
    client.post("/logout")
    response = client.post("/login", data={"email": "staff@example.com", "password": PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https://evil.example/",
    ],
)
def test_next_never_leads_off_the_site(client, org, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "staff@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(client, org):
    response = client.post(
        "/login",
        query_string={"next": "/decisions?page=2"},
        data={"email": "staff@example.com", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/decisions?page=2"


def test_sign_out_ends_the_session_and_old_cookies(client, org, app):
    sign_in(client, "staff@example.com")
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    assert client.get("/decisions").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/decisions").status_code == 302


def test_changing_password_needs_the_current_one_and_ends_other_sessions(client, org, app):
    sign_in(client, "staff@example.com")
    other_device = app.test_client()
    sign_in(other_device, "staff@example.com")
    refused = client.post(
        "/account",
        data={
            "current_password": "wrong-password-here",
            "new_password": "a long new passphrase",
            "confirm": "a long new passphrase",
        },
    )
    assert refused.status_code == 400
    assert "This is not your current password." in refused.get_data(as_text=True)
    changed = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "a long new passphrase",
            "confirm": "a long new passphrase",
        },
    )
    assert changed.status_code == 302
    assert client.get("/decisions").status_code == 200
    assert other_device.get("/decisions").status_code == 302
    client.post("/logout")
    sign_in(client, "staff@example.com", "a long new passphrase")


@pytest.mark.parametrize(
    ("new", "message"),
    [("short", "at least 12"), ("password1234", "commonly used"), ("x" * 129, "at most 128")],
)
def test_weak_new_passwords_are_refused(client, org, new, message):
    sign_in(client, "staff@example.com")
    response = client.post(
        "/account", data={"current_password": PASSWORD, "new_password": new, "confirm": new}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused_with_400(app_config, org):
    app: Flask = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    try:
        response = app.test_client().post(
            "/login", data={"email": "staff@example.com", "password": PASSWORD}
        )
        assert response.status_code == 400
        assert "Reload the page" in response.get_data(as_text=True)
    finally:
        app.extensions["database"].engine.dispose()


def test_sign_in_with_csrf_token_from_the_form(app_config, org):
    import re

    app: Flask = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    try:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/login", data={"email": "staff@example.com", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
    finally:
        app.extensions["database"].engine.dispose()


def test_security_headers_on_pages_and_errors(client, org):
    for response in (client.get("/login"), client.get("/no-such-page")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
    assert client.get("/no-such-page").status_code == 404


def test_session_cookie_is_httponly_and_lax(client, org):
    response = client.post("/login", data={"email": "staff@example.com", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
