"""Who may do what through the API: `scorecard.permissions` is asked before the request body
is read, so that a refusal never depends on what was sent."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from scorecard import permissions
from scorecard.api.problems import ApiProblem
from scorecard.extensions import db
from scorecard.models import Comment, Decision, Review, StakeholderImpact, WasteLine

F = TypeVar("F", bound=Callable[..., Any])

# action: (the check, what a refusal says, whether an archived decision refuses it)
ACTIONS: dict[str, tuple[Callable[..., bool], str, bool]] = {
    "see": (permissions.can_see, "", False),
    "edit": (permissions.can_edit, "Your role does not allow you to edit this decision.", True),
    "review": (
        permissions.can_review,
        "Your role does not allow you to review this decision.",
        True,
    ),
    "comment": (permissions.can_comment, "You may not comment on this decision.", True),
    "archive": (
        permissions.can_archive,
        "Only a manager of its team or an admin can archive or restore a decision.",
        False,
    ),
}
WHOLE = (
    selectinload(Decision.impacts).joinedload(StakeholderImpact.group),
    selectinload(Decision.waste_lines).joinedload(WasteLine.category),
    selectinload(Decision.comments).joinedload(Comment.author),
    joinedload(Decision.review).joinedload(Review.reviewer),
    joinedload(Decision.team),
    joinedload(Decision.author),
)


def visible_decision(decision_id: int, *, whole: bool = False) -> Decision:
    """The decision, if the caller may see it: another team's decision does not exist for them."""
    decision = db.session.get(Decision, decision_id, options=WHOLE if whole else ())
    if decision is None or not permissions.can_see(db.session, current_user, decision):
        raise ApiProblem(404, f"There is no decision {decision_id}, or it is not yours to see.")
    return decision


def decision_action(action: str) -> Callable[[F], F]:
    """Load the path's decision and check the action on it before anything else."""
    check, refusal, not_archived = ACTIONS[action]

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            decision = visible_decision(kwargs["decision_id"], whole=action == "see")
            if not check(db.session, current_user, decision):
                raise ApiProblem(403, refusal)
            if not_archived and decision.archived:
                raise ApiProblem(
                    409, "This decision is archived. A manager of its team can restore it first."
                )
            g.api_decision = decision
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def current_decision() -> Decision:
    return g.api_decision


def allowed_if(check: Callable[[Any], bool], refusal: str) -> Callable[[F], F]:
    """A role question of `scorecard.permissions` about the caller, asked before the body is
    read (403 when it says no)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not check(current_user):
                raise ApiProblem(403, refusal)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate
