"""Comments as a conversation: who is told of a comment, @mentions, questions and answers.

Each person is told of one comment once, by the most specific reason: mentioned, asked
(a question on their decision), answered (a reply to their question), or taking part (the
decision's author, its reviewer, and those who commented on it before). The commenter is told
of nothing; only people who can see the decision are told or may be mentioned.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.domain import mentions
from scorecard.models import Comment, Decision, User
from scorecard.services import notifications

SUGGESTIONS = 8


def people_who_can_see(session: Session, decision: Decision) -> list[User]:
    """Active people who can see the decision: its team's members and the admins, by name."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.active, permissions.decision_audience(decision))
            .order_by(User.display_name, User.id)
        )
    )


def as_people(users: list[User]) -> list[mentions.Person]:
    return [mentions.Person(u.id, u.display_name, u.email) for u in users]


def suggestions(session: Session, decision: Decision, typed: str) -> list[dict[str, str]]:
    """People to mention on this decision whose name or handle starts with what was typed."""
    users = people_who_can_see(session, decision)
    addresses = [u.email for u in users]
    typed = typed.strip().lstrip("@").lower()
    found = []
    for user in users:
        handle = mentions.handle_of(user.email, addresses)
        words = [handle.lower(), *user.display_name.lower().split()]
        if not typed or any(w.startswith(typed) for w in words):
            found.append({"name": user.display_name, "handle": handle})
        if len(found) == SUGGESTIONS:
            break
    return found


def _participants(session: Session, decision: Decision, comment: Comment) -> set[int]:
    people = {decision.author_id} if decision.author_id else set()
    if decision.review is not None and decision.review.reviewer_id:
        people.add(decision.review.reviewer_id)
    people |= set(
        session.scalars(
            sa.select(Comment.author_id).where(
                Comment.decision_id == decision.id,
                Comment.id != comment.id,
                Comment.author_id.is_not(None),
            )
        )
    )
    return {p for p in people if p is not None}


def comment_posted(session: Session, actor: User, decision: Decision, comment: Comment) -> None:
    """Tell the people concerned of a new comment, in the caller's transaction."""
    link = f"/decisions/{decision.id}#comment-{comment.id}"
    told: set[int] = {actor.id}

    def tell(people: set[int], kind: str, title: str) -> None:
        told.update(
            notifications.notify(
                session,
                people - told,
                kind,
                key=f"{kind}:{comment.id}",
                title=title,
                body=comment.body,
                link=link,
                decision=decision,
                actor=actor,
            )
        )

    name, about = actor.display_name, f"“{decision.title}”"
    visible = as_people(people_who_can_see(session, decision))
    tell(
        {p.id for p in mentions.mentioned(comment.body, visible)},
        "mention",
        f"{name} mentioned you on {about}",
    )
    question = comment.reply_to
    if question is not None and question.is_question and question.author_id:
        tell({question.author_id}, "answer", f"{name} answered your question on {about}")
        notifications.done(session, keys=[f"question:{question.id}"])
    if comment.is_question and decision.author_id:
        tell({decision.author_id}, "question", f"{name} asked you a question on {about}")
    tell(_participants(session, decision, comment), "comment", f"{name} commented on {about}")


def open_questions(session: Session, user: User, limit: int = 20) -> list[Comment]:
    """Questions on the person's decisions that no one has answered yet, oldest first."""
    answered = sa.select(Comment.reply_to_id).where(Comment.reply_to_id.is_not(None))
    return list(
        session.scalars(
            sa.select(Comment)
            .join(Decision, Decision.id == Comment.decision_id)
            .where(
                Decision.author_id == user.id,
                Decision.archived.is_(False),
                Comment.is_question,
                Comment.author_id != user.id,
                Comment.id.not_in(answered),
            )
            .order_by(Comment.created_at)
            .limit(limit)
        )
    )
