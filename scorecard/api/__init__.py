"""The JSON API under /api/v1, built with flask-smorest: its marshmallow schemas validate
every request and make the OpenAPI 3.1 document at /api/v1/openapi.json."""

from __future__ import annotations

import http

from flask import Flask, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from scorecard.api import problems, schemas
from scorecard.api.blueprints import PREFIX

DESCRIPTION = """\
The decision log and the scorecard of Do Better, for the tools your company already uses.

**Authentication.** Every call but this document and its page needs a personal access token,
made on your account page and sent as `Authorization: Bearer dbt_…`. A token never goes in the
address. A read-only token may only read. Each call acts as the token's user: it sees and may
change exactly what that user sees and may change on the pages.

**Errors** are problem details (RFC 9457, `application/problem+json`); for invalid input,
`errors` names each wrong field with a JSON Pointer into the request body.

**Changing a decision** takes the version it was read at: send the ETag of
`GET /decisions/{id}` as `If-Match`. A stale version answers 412 and changes nothing.

**Rate limit.** Each token may make a limited number of calls a minute; past it the API
answers 429 with `Retry-After`.
"""


class ProblemApi(Api):
    """flask-smorest, with errors as problem details and documented as such."""

    ERROR_SCHEMA = schemas.Problem

    def _register_error_handlers(self) -> None:
        """The application's own handler answers API errors (see is_api_request)."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, object] = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = problems.PROBLEM
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def error_response(error: HTTPException):  # type: ignore[no-untyped-def]
    return problems.from_http_exception(error)


def init_app(app: Flask) -> None:
    from scorecard.api import decisions, docs, reference, scorecards

    app.config.update(
        API_TITLE="Do Better API",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # members in the schemas' order, as documented
    api = ProblemApi(
        app,
        spec_kwargs={
            "info": {"description": DESCRIPTION, "license": {"name": "MIT", "identifier": "MIT"}},
            "servers": [{"url": "/", "description": "This server"}],
            "security": [{"token": []}],
        },
    )
    api.spec.components.security_scheme(
        "token",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (dbt_…) from your account page.",
        },
    )
    for blueprint in (decisions.bp, reference.bp, scorecards.bp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    app.extensions["api"] = api
