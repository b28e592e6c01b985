"""The public page of a consultation: a stakeholder answers without an account.

It shows the question and its description and nothing else of the organisation; it needs no
JavaScript. What it stores and why is in the README ("Stakeholders' own voice").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from scorecard.domain.rules import IMPACT_WORDS
from scorecard.extensions import csrf, db, limiter
from scorecard.forms.consultations import AnswerForm
from scorecard.models import Consultation
from scorecard.services import consultation_links as links
from scorecard.services import consultations as service

bp = Blueprint("answering", __name__, url_prefix="/c")
# The form has its own forgery check (a signed token tied to the browser's cookie).
csrf.exempt(bp)

GONE = {
    service.REVOKED: (
        "This link no longer works",
        "The people who asked this question have withdrawn the link. Thank you for wanting to answer.",
    ),
    service.CLOSED: (
        "This question is closed",
        "Answers are no longer being taken. Thank you for wanting to answer.",
    ),
    service.ENDED: (
        "This question has ended",
        "The time for answers is over. Thank you for wanting to answer.",
    ),
    service.FULL: (
        "This question has all its answers",
        "It has received as many answers as it asked for. Thank you for wanting to answer.",
    ),
}
PLAIN_ERRORS = {
    404: (
        "This link does not work",
        "Check that the whole address was copied, or scan the code again.",
    ),
    413: (
        "Too long",
        "What you sent is longer than this form takes. Shorten your comment and try again.",
    ),
    429: ("Too many answers from here", "Please wait a while before answering again."),
}


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _consultation(token: str) -> Consultation:
    found = links.read_link(_secret(), token)
    consultation = db.session.get(Consultation, found[0]) if found else None
    if consultation is None or consultation.link_key != found[1]:  # type: ignore[index]
        abort(404)
    return consultation


def _consultation_key() -> str:
    found = links.read_link(_secret(), (request.view_args or {}).get("token", ""))
    return f"consultation:{found[0] if found else 'unknown'}"


def _address_key() -> str:
    return f"address:{get_remote_address()}"


def _address_limit() -> str:
    return current_app.config["CONSULTATION_ADDRESS_LIMIT"]


def _consultation_limit() -> str:
    return current_app.config["CONSULTATION_LIMIT"]


def _plain(code: int, title: str, text: str) -> Response:
    return make_response(render_template("answering/plain.html", title=title, text=text), code)


@bp.errorhandler(HTTPException)
def plain_error(error: HTTPException) -> Response | HTTPException:
    code = error.code or 500
    if code not in PLAIN_ERRORS:
        return error
    return _plain(code, *PLAIN_ERRORS[code])


def _browser() -> tuple[str, str | None]:
    """The browser's id, and a new cookie value to set when it had none."""
    browser_id = links.read_browser_cookie(_secret(), request.cookies.get(links.COOKIE))
    if browser_id is not None:
        return browser_id, None
    return links.new_browser_cookie(_secret())


def _with_cookie(response: Response, value: str | None) -> Response:
    if value is not None:
        response.set_cookie(
            links.COOKIE,
            value,
            max_age=timedelta(days=links.COOKIE_DAYS),
            path=links.COOKIE_PATH,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def _form_page(
    consultation: Consultation,
    form: AnswerForm,
    browser_id: str,
    status: int = 200,
    **extra: object,
) -> Response:
    form.form_token.data = links.form_token(_secret(), consultation.id, browser_id)
    page = render_template(
        "answering/answer.html",
        consultation=consultation,
        form=form,
        words=IMPACT_WORDS,
        **extra,
    )
    return make_response(page, status)


def _key(consultation: Consultation, browser_id: str) -> str:
    return links.browser_key(_secret(), consultation.id, browser_id)


@bp.get("/<token>")
def answer_page(token: str) -> Response:
    consultation = _consultation(token)
    browser_id, new_cookie = _browser()
    state = service.state(db.session, consultation, datetime.now(UTC).date())
    if state == service.REVOKED:  # withdrawn: gone, for whoever answered too
        return _plain(410, *GONE[state])
    if service.has_answered(db.session, consultation.id, _key(consultation, browser_id)):
        response = _plain(200, "Thank you", "Your answer has been received from this browser.")
        return _with_cookie(response, new_cookie)
    if state != service.OPEN:
        return _plain(410, *GONE[state])
    return _with_cookie(_form_page(consultation, AnswerForm(), browser_id), new_cookie)


@bp.post("/<token>")
@limiter.limit(_address_limit, key_func=_address_key)
@limiter.limit(_consultation_limit, key_func=_consultation_key)
def answer(token: str) -> Response:
    limit = current_app.config["CONSULTATION_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        abort(413)
    request.max_content_length = limit
    consultation = _consultation(token)
    state = service.state(db.session, consultation, datetime.now(UTC).date())
    if state != service.OPEN:
        return _plain(410, *GONE[state])
    browser_id = links.read_browser_cookie(_secret(), request.cookies.get(links.COOKIE))
    form = AnswerForm()
    if browser_id is None:
        browser_id, cookie = links.new_browser_cookie(_secret())
        page = _form_page(consultation, form, browser_id, 400, cookie_missing=True)
        return _with_cookie(page, cookie)
    if not links.form_token_matches(
        _secret(), form.form_token.data or "", consultation.id, browser_id
    ):
        return _form_page(consultation, form, browser_id, 400, form_expired=True)
    if not form.validate():
        return _form_page(consultation, form, browser_id, 400)
    try:
        service.record_answer(
            db.session, consultation.id, form.to_input(), _key(consultation, browser_id)
        )
        db.session.commit()
    except service.AnswerRefused as refused:
        db.session.rollback()
        if refused.state != service.ANSWERED:
            return _plain(410, *GONE[refused.state])
    except IntegrityError:  # the same browser's answer, sent twice at once: the first counts
        db.session.rollback()
    return redirect(url_for("answering.answer_page", token=token), 303)
