"""Errors of the API as problem details (RFC 9457): `application/problem+json`, with a title,
the status, a detail for people and, for invalid input, each field that is wrong."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from werkzeug.exceptions import HTTPException

PROBLEM = "application/problem+json"
TYPES = "https://dobetter.example/problems/"  # a stable identifier, not fetched

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Server error",
}


def pointer(path: list[str | int]) -> str:
    """A JSON Pointer (RFC 6901) to a member of the request body."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def field_errors(messages: Any, path: list[str | int] | None = None) -> list[dict[str, str]]:
    """marshmallow's nested error messages as a flat list of {pointer, field, detail}."""
    path = path or []
    if isinstance(messages, dict):
        found: list[dict[str, str]] = []
        for key, value in messages.items():
            step: str | int = int(key) if isinstance(key, int | str) and str(key).isdigit() else key
            if key == "_schema":
                found += field_errors(value, path)
            else:
                found += field_errors(value, [*path, step])
        return found
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return [error(path, " ".join(messages))]
    if isinstance(messages, list):
        return [e for i, m in enumerate(messages) for e in field_errors(m, [*path, i])]
    return [error(path, str(messages))]


def error(path: list[str | int], detail: str) -> dict[str, str]:
    field = ".".join(str(p) for p in path) or "(body)"
    return {"pointer": pointer(path), "field": field, "detail": detail}


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    kind: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPES + kind if kind else "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ApiProblem(HTTPException):
    """Raised by API views to answer with a problem."""

    def __init__(self, status: int, detail: str, **kwargs: Any) -> None:
        super().__init__(detail)
        self.code = status
        self.kwargs = kwargs

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:  # type: ignore[override]
        return problem(self.code or 500, self.description, **self.kwargs)


def from_http_exception(exc: HTTPException) -> Response:
    """Any HTTP error raised while serving the API, as a problem."""
    if isinstance(exc, ApiProblem):
        return exc.get_response()
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    if status == 429:
        headers.update({k: v for k, v in exc.get_headers() if k.lower() == "retry-after"})
    if messages:
        # webargs files errors by location: body errors point into the body, others name the
        # query parameter or header.
        errors = []
        for location, found in messages.items():
            for item in field_errors(found):
                if location != "json":
                    item = {**item, "pointer": "", "parameter": item["field"], "in": location}
                errors.append(item)
        return problem(
            422,
            "The request does not match the API's schema: see errors.",
            kind="invalid-input",
            errors=errors,
            headers=headers,
        )
    detail = exc.description if status != 500 else "The error has been logged; nothing was saved."
    return problem(status, detail, headers=headers)
