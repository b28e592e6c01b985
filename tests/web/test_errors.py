"""Error pages in the product's layout, never a traceback, with the security headers."""

from __future__ import annotations

import pytest
from flask import abort

from scorecard import create_app
from tests.conftest import sign_in


@pytest.fixture
def error_app(app_config):
    application = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})

    @application.get("/_boom/<int:code>")
    def boom(code: int):
        if code == 500:
            raise RuntimeError("secret internal detail")
        abort(code)

    yield application
    application.extensions["database"].engine.dispose()


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (400, "Bad request"),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Conflict"),
        (413, "Too large"),
        (429, "Too many attempts"),
        (500, "Something went wrong"),
    ],
)
def test_error_pages_use_the_layout(error_app, code, words):
    response = error_app.test_client().get(f"/_boom/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert words in page
    assert "Do Better" in page and "navbar" in page
    assert "Traceback" not in page and "secret internal detail" not in page
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_405_names_the_allowed_methods(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Method not allowed" in response.get_data(as_text=True)


def test_oversized_request_gets_413(app_config, org):
    application = create_app({**app_config, "MAX_CONTENT_LENGTH": 10_000})
    try:
        client = application.test_client()
        sign_in(client, "staff@example.com")
        response = client.post("/account", data={"current_password": "x" * 20_000})
        assert response.status_code == 413
        assert "Too large" in response.get_data(as_text=True)
    finally:
        application.extensions["database"].engine.dispose()


def test_too_many_form_parts_are_refused(app_config, org):
    application = create_app({**app_config, "MAX_FORM_PARTS": 50})
    try:
        client = application.test_client()
        sign_in(client, "staff@example.com")
        fields = {f"f{n}": "x" for n in range(200)}
        response = client.post("/account", data=fields, content_type="multipart/form-data")
        assert response.status_code == 413
    finally:
        application.extensions["database"].engine.dispose()


def test_passwords_never_reach_the_logs(client, org, caplog):
    caplog.set_level("DEBUG")
    client.post("/login", data={"email": "staff@example.com", "password": "my-secret-attempt-123"})
    assert "my-secret-attempt-123" not in caplog.text


def test_control_characters_are_dropped_from_forms_and_queries(app):
    with app.test_request_context(
        "/x?q=a%00b%1bc", method="POST", data={"body": "line\x00one\r\nline two\x07"}
    ):
        from flask import request

        assert request.args["q"] == "abc"
        assert request.form["body"] == "lineone\r\nline two"
