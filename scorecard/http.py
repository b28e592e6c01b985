"""HTTP concerns shared by every blueprint: security headers, error pages, safe redirects."""

from __future__ import annotations

import secrets
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, abort, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import IntegerConverter, Map

from scorecard.domain.text import clean

# No inline style: styles come from files, and a page's <style> elements (those plotly.js
# fills through the CSSOM) carry the response's nonce. The one style attribute allowed is the
# empty one (its hash), which plotly.js sets on a colour bar before styling it through the CSSOM.
EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
    f"style-src-attr 'unsafe-hashes' {EMPTY_STYLE}; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def csp_nonce() -> str:
    """This response's nonce, made when a page first asks for it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


ERROR_TEXT = {
    400: (
        "Bad request",
        "The request could not be understood. If you were sending a form, reload the page and try again.",
    ),
    403: ("Not allowed", "Your role does not allow this action."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Conflict", "Someone else changed this at the same time. Reload and try again."),
    413: ("Too large", "What you sent is larger than this server accepts."),
    429: ("Too many attempts", "Please wait a little and try again later."),
    500: (
        "Something went wrong",
        "The error has been logged. Nothing you sent was half-saved; please try again.",
    ),
}


def _clean(values: ImmutableMultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    """What XML 1.0 forbids is dropped before any view sees the input: no form needs it, a
    workbook cannot hold it, and PostgreSQL refuses NUL outright."""
    return ImmutableMultiDict((clean(key), clean(value)) for key, value in values.items(multi=True))


# The largest id or page number any database here stores or needs (a signed 64-bit integer).
LARGEST_NUMBER = 2**63 - 1


# Pages past the last show the last one; a page number past this is no page at all.
LARGEST_PAGE = 1_000_000


def page_number() -> int:
    """The `page` of the address: 1 when missing or below 1, 404 when absurdly large."""
    page = request.args.get("page", 1, type=int) or 1
    if page > LARGEST_PAGE:
        abort(404)
    return max(page, 1)


def digits_at_most(largest: int) -> str:
    """A regular expression for the decimal numbers from 0 to `largest` (leading zeros too)."""
    text = str(largest)
    choices = [rf"0*\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for position, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - position - 1
            choices.append(f"0*{text[:position]}[0-{int(digit) - 1}]" + rf"\d{{{rest}}}")
    choices.append(f"0*{text}")
    return "(?:" + "|".join(choices) + ")"


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` within what a database column holds: a larger id matches no rule (404).

    The bound is in the regular expression, not only in `max`: Werkzeug compares the methods of
    a rule before converting its values, so a rule of another method for the same path (GET
    and PATCH of an API resource) would otherwise answer 405 for an id out of range."""

    regex = digits_at_most(LARGEST_NUMBER)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_NUMBER)
        super().__init__(map, *args, **kwargs)


class CleanRequest(Request):
    """Form fields and query parameters without the characters XML 1.0 forbids."""

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        return _clean(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean(self.__dict__["form"])


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    if response.headers.get("Content-Type", "").startswith("text/html"):
        headers.setdefault("Vary", "Cookie")
    from flask import current_app

    if current_app.config.get("ENV_NAME") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def error_page(code: int, detail: str | None = None) -> tuple[str, int]:
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return error_page(
            400,
            "The form had expired or was not sent from this site. Reload the page and try again.",
        )

    from scorecard import api

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if api.is_api_request():  # the API answers problem details, never an HTML page
            return api.error_response(error)
        code = error.code or 500
        if code not in ERROR_TEXT:
            return error
        response_body, status = error_page(code, None)
        response = app.make_response((response_body, status))
        if code == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        if isinstance(error, HTTPException):
            return http_error(error)
        if app.config.get("PROPAGATE_EXCEPTIONS"):  # tests see the real traceback
            raise error
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if api.is_api_request():
            return api.error_response(InternalServerError())
        return error_page(500)
