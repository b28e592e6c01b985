"""/api/v1/decisions: the decision log, one decision with all it holds, and every write the
pages offer (create, update, review, comment, archive, restore), through the same forms'
rules, services and permission checks."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from flask import request, url_for
from flask_login import current_user

from scorecard import permissions
from scorecard.api import access, decision_forms, schemas
from scorecard.api.blueprints import api_blueprint
from scorecard.api.problems import ApiProblem
from scorecard.extensions import db
from scorecard.forms.decisions import STATUS_CHOICES
from scorecard.models import Decision, Status
from scorecard.services import accounts, decision_log, decisions, reference, scores
from scorecard.services.decision_log import LogFilters

bp = api_blueprint("api_decisions", "/decisions", "The decision log: read and write decisions.")

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": 'The decision\'s version as its ETag gave it, e.g. "3".',
}
CREATE_EXAMPLE = {
    "team_id": 1,
    "title": "Refill stations instead of bottled water",
    "question": "How do we stop buying bottled water for the office?",
    "decision_taken": "Install two refill stations and give everyone a bottle.",
    "decided_on": "2026-01-15",
    "tags": ["facilities"],
    "status": "decided",
    "impacts": [{"group_id": 1, "impact": 1, "consulted": True, "note": "Asked at the all-hands."}],
}
UPDATE_EXAMPLE = {"title": "Refill stations on every floor", "tags": ["facilities", "water"]}
REVIEW_EXAMPLE = {
    "reviewed_on": "2026-04-15",
    "what_happened": "Bottled water orders stopped in February.",
    "lessons": "Ask the cleaning team before choosing where the stations go.",
    "actuals": [{"group_id": 1, "actual": 2}],
}
COMMENT_EXAMPLE = {"body": "Could the warehouse get one too?"}


# Reading ---------------------------------------------------------------------------------------


def _person(user: Any) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.display_name} if user is not None else None


def _summary(decision: Decision, figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": decision.id,
        "team": decision.team,
        "title": decision.title,
        "question": decision.question,
        "status": decision.status,
        "decided_on": decision.decided_on,
        "review_due": decision.review_due,
        "tags": decision.tag_list,
        "archived": decision.archived,
        "version": decision.version,
        "author": _person(decision.author),
        "figures": {k: _number(v) for k, v in figures.items()},
        "created_at": decision.created_at,
        "updated_at": decision.updated_at,
        "links": {
            "self_": url_for("api_decisions.get", decision_id=decision.id),
            "html": url_for("decisions.show", decision_id=decision.id),
        },
    }


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN: no figure


def _whole(decision: Decision) -> dict[str, Any]:
    session = db.session
    figures = scores.decision_figures(session, [decision.id]).loc[decision.id].to_dict()
    positions = {g.id: g.position for g in reference.all_groups(session)}
    review = decision.review
    return {
        **_summary(decision, figures),
        "context": decision.context,
        "decision_taken": decision.decision_taken,
        "alternatives": decision.alternatives,
        "impacts": [
            {
                "group_id": i.group_id,
                "group": i.group.name,
                "impact": i.impact,
                "consulted": i.consulted,
                "note": i.note,
                "actual": i.actual,
            }
            for i in sorted(
                decision.impacts, key=lambda i: (positions.get(i.group_id, 0), i.group_id)
            )
        ],
        "waste_lines": [
            {
                "id": w.id,
                "category_id": w.category_id,
                "category": w.category.name,
                "unit": w.category.unit,
                "created": w.created,
                "avoided": w.avoided,
                "note": w.note,
                "actual_created": w.actual_created,
                "actual_avoided": w.actual_avoided,
            }
            for w in decision.waste_lines
        ],
        "review": None
        if review is None
        else {
            "reviewed_on": review.reviewed_on,
            "reviewer": _person(review.reviewer),
            "what_happened": review.what_happened,
            "lessons": review.lessons,
        },
        "comments": [
            {"id": c.id, "author": _person(c.author), "body": c.body, "created_at": c.created_at}
            for c in decision.comments
        ],
    }


def _etag(decision: Decision) -> dict[str, str]:
    return {"ETag": f'"{decision.version}"'}


def _fresh(decision_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    db.session.expire_all()
    decision = access.visible_decision(decision_id, whole=True)
    return _whole(decision), 200, _etag(decision)


def _cursor(decision_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{decision_id}".encode()).decode().rstrip("=")


def _after_id(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    kind, _, number = text.partition(":")
    if kind != "after" or not number.isdigit():
        raise _bad_parameter("cursor", "Not a cursor of this API: pass next_cursor as it came.")
    return int(number)


def _bad_parameter(name: str, detail: str) -> ApiProblem:
    return ApiProblem(
        422,
        f"The query parameter {name} is not valid.",
        kind="invalid-input",
        errors=[{"pointer": "", "parameter": name, "in": "query", "field": name, "detail": detail}],
    )


def _filters(args: dict[str, Any]) -> LogFilters:
    may_archived = permissions.can_see_archived(db.session, current_user)
    return decision_log.filters_of(args, may_show_archived=may_archived)


@bp.get("")
@bp.arguments(schemas.DecisionFilters, location="query")
@bp.response(200, schemas.DecisionPage)
def index(args: dict[str, Any]) -> dict[str, Any]:
    """List decisions

    The decisions of your teams, newest first unless `sort` says otherwise, with every filter
    of the log. Follow `next_cursor` for the next page."""
    after = _after_id(args["cursor"]) if args.get("cursor") else None
    page = decision_log.feed(
        db.session, current_user, _filters(args), after_id=after, limit=args["limit"]
    )
    if page is None:
        raise _bad_parameter("cursor", "This cursor does not belong to these filters.")
    next_cursor = _cursor(page.decisions[-1].id) if page.has_more else None
    query = {k: v for k, v in request.args.items() if k != "cursor"}
    return {
        "items": [_summary(d, page.figures.get(d.id, {})) for d in page.decisions],
        "method_version": page.method_version,
        "next_cursor": next_cursor,
        "links": {
            "next": url_for("api_decisions.index", **query, cursor=next_cursor)
            if next_cursor
            else None
        },
    }


@bp.get("/<int:decision_id>")
@access.decision_action("see")
@bp.response(200, schemas.Decision)
def get(decision_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Get a decision

    With its stakeholder impacts, waste lines, review and comments. The ETag is its version."""
    decision = access.current_decision()
    return _whole(decision), 200, _etag(decision)


# Writing ---------------------------------------------------------------------------------------


def _categories(decision: Decision | None) -> list[Any]:
    categories = reference.active_categories(db.session)
    if decision is not None:  # a line of a retired category keeps it while it is edited
        categories += [w.category for w in decision.waste_lines if w.category not in categories]
    return categories


def _status_choices(decision: Decision) -> list[tuple[str, str]]:
    if decision.status == Status.DRAFT:
        return STATUS_CHOICES
    return [(decision.status, decision.status.capitalize())]


def _service_refusal(error: decisions.DecisionError) -> ApiProblem:
    db.session.rollback()
    name = {"waste": "waste_lines"}.get(error.field or "status", error.field or "status")
    return decision_forms.invalid([{"pointer": f"/{name}", "field": name, "detail": str(error)}])


@bp.post("")
@bp.arguments(schemas.DecisionCreate, example=CREATE_EXAMPLE)
@bp.response(201, schemas.Decision)
def create(data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create a decision

    By the rules of the New decision form: a decided decision says what was decided and is
    not dated in the future; the review is due 90 days later unless `review_due` says."""
    session = db.session
    teams = accounts.teams_of(session, current_user)
    groups = reference.active_groups(session)
    form = decision_forms.decision_form(data, [g.id for g in groups])
    form.setup(teams, groups, _categories(None))
    if not form.validate():
        raise decision_forms.refuse(form, data, decision_forms.DECISION_NAMES)
    try:
        decision = decisions.create(session, current_user, form.to_input())
    except decisions.DecisionError as error:
        raise _service_refusal(error) from error
    session.commit()
    body, _, headers = _fresh(decision.id)
    headers["Location"] = url_for("api_decisions.get", decision_id=decision.id)
    return body, 201, headers


def _expected_version(decision: Decision) -> int:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise ApiProblem(
            428,
            "Send the version you read in If-Match (the ETag of GET /decisions/{id}), so that "
            "nobody's change is overwritten unseen.",
        )
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ApiProblem(412, f'If-Match must be a version such as "{decision.version}".')
    return int(value)


def _stale(decision_id: int, expected: int) -> ApiProblem:
    db.session.rollback()
    current = db.session.get(Decision, decision_id)
    version = current.version if current is not None else None
    return ApiProblem(
        412,
        f"The decision changed since version {expected}: it is at version {version}. "
        "Read it again and reapply your change.",
        kind="stale-version",
        current_version=version,
        headers={"ETag": f'"{version}"'},
    )


@bp.patch("/<int:decision_id>")
@access.decision_action("edit")
@bp.arguments(schemas.DecisionUpdate, example=UPDATE_EXAMPLE)
@bp.response(200, schemas.Decision)
@bp.doc(parameters=[IF_MATCH])
def update(data: dict[str, Any], decision_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Update a decision

    Only the fields sent change. Once decided, every change is kept in its history. Answers
    412 when the decision is no longer at the version of If-Match."""
    session = db.session
    decision = access.current_decision()
    expected = _expected_version(decision)
    if expected != decision.version:
        raise _stale(decision_id, expected)
    teams = accounts.teams_of(session, current_user)
    if decision.team_id not in {t.id for t in teams}:
        teams = [decision.team, *teams]
    state = decision_forms.merged(decision_forms.current_state(decision), data)
    groups = reference.active_groups(session)
    form = decision_forms.decision_form(state, [g.id for g in groups])
    form.setup(teams, groups, _categories(decision), _status_choices(decision))
    return _checked_write(
        form,
        state,
        lambda: decisions.update(session, current_user, decision, form.to_input(), expected),
        decision_id,
        expected,
        decision_forms.DECISION_NAMES,
    )


def _checked_write(
    form: Any,
    sent: dict[str, Any],
    write: Callable[[], object],
    decision_id: int,
    expected: int,
    names: dict[str, str] | None = None,
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Check the form (422 naming each field), write (412 if the version moved on, 422 for a
    refusal of the service), commit, and answer with the decision as it now is."""
    if not form.validate():
        raise decision_forms.refuse(form, sent, names)
    try:
        write()
    except decisions.StaleDecision as error:
        raise _stale(decision_id, expected) from error
    except decisions.DecisionError as error:
        raise _service_refusal(error) from error
    db.session.commit()
    return _fresh(decision_id)


@bp.post("/<int:decision_id>/review")
@access.decision_action("review")
@bp.arguments(schemas.ReviewIn, example=REVIEW_EXAMPLE)
@bp.response(200, schemas.Decision)
@bp.doc(parameters=[IF_MATCH])
def review(data: dict[str, Any], decision_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Review a decision

    What really happened: the actual impact per stakeholder group and the actual waste of
    each line. The decision becomes reviewed; a later review replaces the first."""
    session = db.session
    decision = access.current_decision()
    if decision.status == Status.DRAFT:
        raise ApiProblem(409, "A draft cannot be reviewed yet: mark it decided first.")
    expected = _expected_version(decision)
    lines = {w.id for w in decision.waste_lines}
    unknown = [i for i, w in enumerate(data["waste"]) if w["line_id"] not in lines]
    if unknown:
        raise decision_forms.invalid(
            [
                {
                    "pointer": f"/waste/{i}/line_id",
                    "field": f"waste.{i}.line_id",
                    "detail": "Not a waste line of this decision.",
                }
                for i in unknown
            ]
        )
    form = decision_forms.review_form(data, expected, decision.decided_on)
    return _checked_write(
        form,
        data,
        lambda: decisions.review(session, current_user, decision, form.to_input(), expected),
        decision_id,
        expected,
    )


@bp.post("/<int:decision_id>/comments")
@access.decision_action("comment")
@bp.arguments(schemas.CommentIn, example=COMMENT_EXAMPLE)
@bp.response(201, schemas.CommentOut)
def comment(data: dict[str, Any], decision_id: int) -> tuple[dict[str, Any], int]:
    """Comment on a decision"""
    decision = access.current_decision()
    form = decision_forms.comment_form(data["body"])
    if not form.validate():
        raise decision_forms.refuse(form, data)
    try:
        posted = decisions.add_comment(db.session, current_user, decision, form.body.data or "")
    except decisions.DecisionError as error:
        raise _service_refusal(error) from error
    db.session.commit()
    return {
        "id": posted.id,
        "author": _person(current_user),
        "body": posted.body,
        "created_at": posted.created_at,
    }, 201


def _set_archived(decision_id: int, archived: bool) -> tuple[dict[str, Any], int, dict[str, str]]:
    decision = access.current_decision()
    if decisions.set_archived(db.session, current_user, decision, archived):
        db.session.commit()
    return _fresh(decision_id)


@bp.post("/<int:decision_id>/archive")
@access.decision_action("archive")
@bp.response(200, schemas.Decision)
def archive(decision_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Archive a decision

    Hidden from lists and scores, kept; restore brings it back."""
    return _set_archived(decision_id, True)


@bp.post("/<int:decision_id>/restore")
@access.decision_action("archive")
@bp.response(200, schemas.Decision)
def restore(decision_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Restore an archived decision"""
    return _set_archived(decision_id, False)
