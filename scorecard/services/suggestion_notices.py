"""Who is told what about a suggestion, through the notifications service, in the caller's
transaction: its team's managers of a new one (they answer it); its proposer and supporters
of an answer (a decline with its reason); its proposer, supporters and earlier commenters of
a comment; anyone @mentioned. Only people who can see the suggestion are told."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.domain.mentions import Person, mentioned
from scorecard.domain.suggestions import SuggestionStatus
from scorecard.models import Membership, Role, User
from scorecard.models_suggestions import Suggestion, SuggestionComment, SuggestionSupport
from scorecard.services import notifications

KIND = "suggestion"
MENTION = "mention"


def _link(suggestion: Suggestion) -> str:
    return f"/suggestions/{suggestion.id}"


def _visible(session: Session, suggestion: Suggestion, ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    return set(
        session.scalars(permissions.suggestion_viewers(suggestion).where(User.id.in_(wanted)))
    )


def _supporters(session: Session, suggestion: Suggestion) -> set[int]:
    return set(
        session.scalars(
            sa.select(SuggestionSupport.user_id).where(
                SuggestionSupport.suggestion_id == suggestion.id
            )
        )
    )


def _tell(
    session: Session,
    suggestion: Suggestion,
    ids: Iterable[int],
    what: str,
    title: str,
    actor: User,
    body: str = "",
    link: str | None = None,
    kind: str = KIND,
) -> set[int]:
    return notifications.notify(
        session,
        _visible(session, suggestion, ids),
        kind,
        key=f"suggestion:{suggestion.id}:{what}",
        title=title,
        body=body,
        link=link or _link(suggestion),
        actor=actor,
    )


def proposed(session: Session, suggestion: Suggestion, actor: User) -> set[int]:
    """Tell the people who answer it: the team's managers, or the admins for the whole
    organisation's."""
    answerers = sa.select(User.id).where(User.role == Role.ADMIN.value)
    if suggestion.team_id is not None:
        answerers = sa.select(Membership.user_id).where(
            Membership.team_id == suggestion.team_id, Membership.manages
        )
    return _tell(
        session,
        suggestion,
        session.scalars(answerers),
        "new",
        f"New suggestion to answer: “{suggestion.title}”",
        actor,
        body=suggestion.body,
    )


def answered(session: Session, suggestion: Suggestion, actor: User) -> set[int]:
    """Tell the proposer and the supporters; the call to answer it is done."""
    notifications.done(session, keys=[f"suggestion:{suggestion.id}:new"])
    status = SuggestionStatus(suggestion.status)
    proposer = {suggestion.author_id} if suggestion.author_id else set()
    supporters = _supporters(session, suggestion)
    told: set[int] = set()
    if status is SuggestionStatus.ACCEPTED:
        told |= _tell(
            session,
            suggestion,
            proposer,
            "accepted",
            f"Your suggestion “{suggestion.title}” is accepted: a draft decision credits you",
            actor,
            link=f"/decisions/{suggestion.decision_id}",
        )
        told |= _tell(
            session,
            suggestion,
            supporters,
            "accepted",
            f"A suggestion you support is accepted: “{suggestion.title}”",
            actor,
        )
    elif status is SuggestionStatus.DECLINED:
        told |= _tell(
            session,
            suggestion,
            proposer | supporters,
            "declined",
            f"Declined, with a reason: “{suggestion.title}”",
            actor,
            body=suggestion.decline_reason,
        )
    else:
        told |= _tell(
            session,
            suggestion,
            proposer | supporters,
            "in_progress",
            f"In progress: “{suggestion.title}”",
            actor,
        )
    return told


def commented(
    session: Session, suggestion: Suggestion, comment: SuggestionComment, actor: User
) -> set[int]:
    """Tell the people @mentioned, then the proposer, supporters and earlier commenters."""
    seen = session.execute(
        permissions.suggestion_viewers(suggestion).add_columns(User.display_name, User.email)
    )
    people = [Person(i, name, email) for i, name, email in seen]
    names = {person.id for person in mentioned(comment.body, people)}
    told = _tell(
        session,
        suggestion,
        names,
        f"comment:{comment.id}:mention",
        f"{actor.display_name} mentioned you on “{suggestion.title}”",
        actor,
        body=comment.body,
        link=f"{_link(suggestion)}#comment-{comment.id}",
        kind=MENTION,
    )
    earlier = set(
        session.scalars(
            sa.select(SuggestionComment.author_id).where(
                SuggestionComment.suggestion_id == suggestion.id,
                SuggestionComment.author_id.is_not(None),
            )
        )
    )
    involved = ({suggestion.author_id} | _supporters(session, suggestion) | earlier) - names
    told |= _tell(
        session,
        suggestion,
        {i for i in involved if i is not None},
        f"comment:{comment.id}",
        f"{actor.display_name} commented on “{suggestion.title}”",
        actor,
        body=comment.body,
        link=f"{_link(suggestion)}#comment-{comment.id}",
        kind="comment",
    )
    return told
