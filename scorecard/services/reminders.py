"""Review reminders: who is told that a review falls due, and when they stop being told.

One pass (`remind`) looks at every decided decision whose review date has come, as of a given
day (the caller says which: the scheduled job and `flask send-reminders` pass today), and
tells the people who may record its review:

- its author, the day it falls due, then when it is 3 and 7 days overdue (one notification
  per step; each replaces the one before);
- the managers of its team, once it is 7 days overdue ("your team's review is overdue"), and
  the managers instead of the author when the author can no longer record it.

A pass is idempotent: the notifications' keys carry the decision, its review date and the step,
so a second pass the same day tells no one anything. Reminders of a decision that is no longer
due (reviewed, archived, its review date moved) are marked done by the next pass, and at once
by the review itself (`reviewed`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from scorecard.models import Decision, Membership, Notification, Role, Status, User, utcnow
from scorecard.services import notifications

# Days after the review date at which the author is told (again): due, 3 and 7 days overdue.
STEPS = (7, 3, 0)
MANAGERS_AFTER_DAYS = 7
BATCH = 500


@dataclass
class ReminderReport:
    """What one pass did: the notifications it created, per kind, and the people told."""

    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    people: set[int] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)  # "address: title" of each notification
    resolved: int = 0

    @property
    def total(self) -> int:
        return sum(self.created.values())


def step(review_due: date, today: date) -> int | None:
    """The reminder step a review has reached on `today`: days after its date (0, 3 or 7)."""
    late = (today - review_due).days
    return next((days for days in STEPS if late >= days), None)


def _due(session: Session, today: date, after_id: int) -> list[Decision]:
    return list(
        session.scalars(
            sa.select(Decision)
            .where(
                Decision.status == Status.DECIDED,
                Decision.archived.is_(False),
                Decision.review_due <= today,
                Decision.id > after_id,
            )
            .options(joinedload(Decision.author))
            .order_by(Decision.id)
            .limit(BATCH)
        )
    )


def _managers(session: Session, team_ids: set[int]) -> dict[int, set[int]]:
    rows = session.execute(
        sa.select(Membership.team_id, Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.team_id.in_(team_ids),
            Membership.manages,
            User.role == Role.MANAGER,
            User.active,
        )
    )
    managers: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in rows:
        managers[team_id].add(user_id)
    return managers


def _author_may_review(session: Session, decision: Decision) -> bool:
    author = decision.author
    if author is None or not author.active:
        return False
    return bool(notifications.can_see_ids(session, decision, {author.id}))


def _author_title(decision: Decision, late: int, author_ok: bool) -> str:
    whose = "Your review" if author_ok else "The review"
    if late == 0:
        title = f"{whose} of “{decision.title}” is due today"
    else:
        title = f"{whose} of “{decision.title}” is {late} day{'s' if late != 1 else ''} overdue"
    return title if author_ok else f"{title} (its author cannot record it)"


def _tell(
    session: Session,
    report: ReminderReport,
    people: set[int],
    kind: str,
    key: str,
    title: str,
    decision: Decision,
) -> None:
    told = notifications.notify(
        session,
        people,
        kind,
        key=key,
        title=title,
        body=decision.question or "",
        link=f"/decisions/{decision.id}/review",
        decision=decision,
    )
    if told:
        report.created[kind] += len(told)
        report.people |= told
        emails = _emails(session, told)
        report.lines.extend(f"{emails[user_id]}: {title}" for user_id in sorted(told))


def _emails(session: Session, user_ids: set[int]) -> dict[int, str]:
    return {
        user_id: email
        for user_id, email in session.execute(
            sa.select(User.id, User.email).where(User.id.in_(user_ids))
        )
    }


def _remind_one(
    session: Session, decision: Decision, today: date, managers: set[int], report: ReminderReport
) -> None:
    assert decision.review_due is not None
    days = step(decision.review_due, today)
    if days is None:
        return
    late = (today - decision.review_due).days
    due = decision.review_due.isoformat()
    author_ok = _author_may_review(session, decision)
    # Without an author who can act, the team's managers are the ones who can.
    people = {decision.author_id} if author_ok and decision.author_id else managers
    keep = [f"review:{decision.id}:{due}:{days}"]
    kind = "review_due" if days == 0 else "review_overdue"
    _tell(
        session, report, people, kind, keep[0], _author_title(decision, late, author_ok), decision
    )
    if late >= MANAGERS_AFTER_DAYS and author_ok and managers:
        keep.append(f"team-review:{decision.id}:{due}")
        who = decision.author.display_name if decision.author else "its author"
        title = f"“{decision.title}” by {who} is {late} days overdue for review"
        _tell(session, report, managers, "team_review_overdue", keep[1], title, decision)
    # Each step replaces the one before: a person sees one reminder per review.
    session.execute(
        sa.update(Notification)
        .where(
            Notification.decision_id == decision.id,
            Notification.kind.in_(notifications.REVIEW_KINDS),
            Notification.done_at.is_(None),
            Notification.key.not_in(keep),
        )
        .values(done_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def _resolve_stale(session: Session, today: date) -> int:
    """Reminders of decisions no longer due (reviewed, archived, moved to later) are done."""
    still_due = sa.select(Decision.id).where(
        Decision.status == Status.DECIDED,
        Decision.archived.is_(False),
        Decision.review_due <= today,
    )
    result = session.execute(
        sa.update(Notification)
        .where(
            Notification.kind.in_(notifications.REVIEW_KINDS),
            Notification.done_at.is_(None),
            Notification.decision_id.not_in(still_due),
        )
        .values(done_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


def remind(session: Session, today: date) -> ReminderReport:
    """One pass of review reminders as of `today`, in the caller's transaction."""
    report = ReminderReport()
    report.resolved = _resolve_stale(session, today)
    after_id = 0
    while batch := _due(session, today, after_id):
        managers = _managers(session, {d.team_id for d in batch})
        for decision in batch:
            _remind_one(session, decision, today, managers.get(decision.team_id, set()), report)
        after_id = batch[-1].id
    return report


def reviewed(session: Session, decision: Decision) -> int:
    """The decision's review is recorded: its reminders stop."""
    return notifications.done(session, decision_id=decision.id, kinds=notifications.REVIEW_KINDS)
