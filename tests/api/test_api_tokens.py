"""Personal access tokens: made on the account page and shown once, kept hashed, read-only or
read and write, revocable, dead with their user, rate-limited per token, never taken from the
address, and each use audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.integration_models import ApiToken
from scorecard.models import AuditEvent
from tests.api.conftest import ApiClient, make_token


def test_a_token_is_shown_once_and_kept_only_as_a_hash(app, login, org):
    secret = make_token(app, org.staff.email, name="Report script")
    page = login(org.staff).get("/account").get_data(as_text=True)
    assert "Report script" in page
    assert secret[:10] in page  # its prefix tells it apart
    assert secret not in page
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken)).one()
        assert secret not in (stored.token_hash, stored.prefix)
        assert len(stored.token_hash) == 64


def test_the_account_page_says_what_is_wrong_with_a_new_token(login, org):
    response = login(org.staff).post("/account/tokens", data={"name": " ", "scope": "root"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Give the token a name" in text
    assert "Not a valid choice" in text


def test_a_read_token_reads_and_may_not_write(api_as, org):
    api = api_as(org.staff, scope="read")
    assert api.get("/api/v1/decisions").status_code == 200
    response = api.post("/api/v1/decisions", json={"title": "Nope"})
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer dbt_unknown", "Basic dXNlcjpwYXNz"])
def test_without_a_good_token_the_api_answers_401(client, org, header):
    response = client.get("/api/v1/decisions", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.content_type == "application/problem+json"


def test_a_session_cookie_does_not_open_the_api(login, org):
    assert login(org.staff).get("/api/v1/decisions").status_code == 401


def test_a_token_in_the_address_is_refused_even_with_a_good_header(api_as, org):
    api = api_as(org.staff)
    response = api.get("/api/v1/decisions", query_string={"access_token": api.token})
    assert response.status_code == 400
    assert "never accepted in the address" in response.get_json()["detail"]


def test_a_revoked_token_stops_working(app, login, org):
    api = ApiClient(app.test_client(use_cookies=False), make_token(app, org.staff.email))
    assert api.get("/api/v1/teams").status_code == 200
    with app.app_context():
        token_id = db.session.scalars(sa.select(ApiToken.id)).one()
    browser = login(org.staff)
    assert browser.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/v1/teams").status_code == 401
    assert "Revoked" in browser.get("/account").get_data(as_text=True)


def test_nobody_revokes_another_users_token(app, login, org):
    make_token(app, org.staff.email)
    with app.app_context():
        token_id = db.session.scalars(sa.select(ApiToken.id)).one()
    assert login(org.other_staff).post(f"/account/tokens/{token_id}/revoke").status_code == 404


def test_an_expired_token_stops_working(app, org):
    api = ApiClient(
        app.test_client(use_cookies=False), make_token(app, org.staff.email, expires="7")
    )
    assert api.get("/api/v1/teams").status_code == 200
    with app.app_context(), db.writing() as session:
        token = session.scalars(sa.select(ApiToken)).one()
        token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert api.get("/api/v1/teams").status_code == 401


def test_a_deactivated_users_tokens_stop_working(app, login, org):
    api = ApiClient(app.test_client(use_cookies=False), make_token(app, org.staff.email))
    assert api.get("/api/v1/teams").status_code == 200
    admin = app.test_client()
    login_admin = admin.post(
        "/login", data={"email": org.admin.email, "password": "correct-staple-battery-7"}
    )
    assert login_admin.status_code == 302
    saved = admin.post(
        f"/admin/users/{org.staff.id}",
        data={"display_name": "Staff", "role": "staff", "teams": [org.ops.id]},
    )
    assert saved.status_code == 302
    assert api.get("/api/v1/teams").status_code == 401


def test_each_use_is_audited_and_shown_as_last_used(app, login, org, runner):
    api = ApiClient(app.test_client(use_cookies=False), make_token(app, org.staff.email))
    assert "Never" in login(org.staff).get("/account").get_data(as_text=True)
    api.get("/api/v1/teams")
    api.post("/api/v1/decisions", json={})
    with app.app_context():
        uses = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity == "api_token", AuditEvent.action == "use"
            )
        ).all()
        assert [u.actor_email for u in uses] == [org.staff.email] * 2
        assert '"status":422' in uses[1].changes
        assert db.session.scalars(sa.select(ApiToken)).one().last_used_at is not None
    assert (
        "Never"
        not in login(org.staff).get("/account").get_data(as_text=True).split("tokens-title")[1]
    )
    assert runner.invoke(args=["verify-audit"]).exit_code == 0


def test_each_token_has_its_own_rate_limit(app_config, org, make):
    from scorecard import create_app

    app = create_app(
        {**app_config, "API_RATE_LIMIT": "3 per minute", "RATELIMIT_STORAGE_URI": "memory://"}
    )
    first = ApiClient(app.test_client(use_cookies=False), make_token(app, "staff@example.com"))
    second = ApiClient(app.test_client(use_cookies=False), make_token(app, "staff@example.com"))
    paths = ["/api/v1/teams", "/api/v1/decisions", "/api/v1/stakeholder-groups", "/api/v1/teams"]
    answers = [first.get(path).status_code for path in paths]
    assert answers == [200, 200, 200, 429]  # one budget across the whole API
    refused = first.get("/api/v1/teams")
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert second.get("/api/v1/teams").status_code == 200
    app.extensions["database"].engine.dispose()
