"""Fixtures of the API tests: tokens made on the account page, and a client that sends one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, sign_in

TOKEN_FIELD = re.compile(r'id="new-token" value="(dbt_[A-Za-z0-9_-]+)"')


def make_token(
    app: Flask,
    email: str,
    *,
    scope: str = "read-write",
    expires: str = "90",
    name: str = "Tests",
    password: str = PASSWORD,
) -> str:
    """Sign in as the user in a browser of its own and create a token on the account page."""
    browser = app.test_client()
    sign_in(browser, email, password)
    response = browser.post(
        "/account/tokens", data={"name": name, "scope": scope, "expires": expires}
    )
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    found = TOKEN_FIELD.search(response.get_data(as_text=True))
    assert found, "the new token is shown on the page"
    return found.group(1)


@dataclass
class ApiClient:
    """A client without cookies that sends a bearer token."""

    client: FlaskClient
    token: str

    def open(self, method: str, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.open("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.open("PATCH", path, **kwargs)


@pytest.fixture
def api_as(app: Flask) -> Callable[..., ApiClient]:
    def make(user: Any, scope: str = "read-write") -> ApiClient:
        email = user if isinstance(user, str) else user.email
        return ApiClient(app.test_client(use_cookies=False), make_token(app, email, scope=scope))

    return make
