"""The demo organisation's suggestions: a handful per team over the last two quarters, some
supported, answered (accepted into a draft decision, declined with a reason, in progress) or
still open, so that the board and the figures beside the scorecard have something to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.models import (
    Decision,
    StakeholderGroup,
    StakeholderImpact,
    Status,
    Team,
    User,
    WasteCategory,
    WasteLine,
)
from scorecard.models_suggestions import (
    Suggestion,
    SuggestionGroup,
    SuggestionSupport,
    SuggestionWaste,
)
from scorecard.services import score_cache


@dataclass(frozen=True)
class Plan:
    team: str | None  # slug; None: the whole organisation
    author: str
    title: str
    body: str
    days_ago: int
    groups: tuple[str, ...] = ()
    waste: tuple[tuple[str, float], ...] = ()
    supporters: tuple[str, ...] = ()
    answer: tuple[str, str, int] | None = None  # (status, reason, days after proposal)


PLANS = (
    Plan(
        "operations",
        "staff@example.com",
        "Reuse the pallets our suppliers leave behind",
        "Every week a stack of good pallets goes to the skip. The Lyon site already reuses its own.",
        120,
        ("Nature", "Owners"),
        (("Materials", 1800.0),),
        ("tomasz.nowak@example.com", "aisha.rahman@example.com", "liam.oconnor@example.com"),
        ("accepted", "", 6),
    ),
    Plan(
        "operations",
        "aisha.rahman@example.com",
        "Night-shift drivers should be asked before route changes",
        "Route changes land on us with a day's notice; a short call first would catch problems.",
        75,
        ("Workers",),
        (),
        ("staff@example.com", "tomasz.nowak@example.com"),
        ("in_progress", "", 3),
    ),
    Plan(
        "operations",
        "tomasz.nowak@example.com",
        "Switch the forklift chargers to off-peak hours",
        "",
        40,
        ("Nature", "Owners"),
        (("Energy", 2400.0),),
        ("staff@example.com",),
        ("declined", "The chargers run off-peak already since March; the meters showed it.", 2),
    ),
    Plan(
        "operations",
        "liam.oconnor@example.com",
        "A shared calendar for the loading bays",
        "Trucks queue at bay 3 while bay 5 is empty.",
        9,
        ("Workers", "Customers"),
        (("Travel", 300.0),),
        ("aisha.rahman@example.com",),
    ),
    Plan(
        None,
        "mei.chen@example.com",
        "Second-hand office furniture for the new floor",
        "Refurbished desks cost half and keep a tonne of materials in use.",
        30,
        ("Nature", "Owners"),
        (("Materials", 1000.0), ("Spend", 12000.0)),
        ("staff@example.com", "jonas.becker@example.com"),
    ),
)


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def load(session: Session, today: date) -> int:
    """Write the demo suggestions (after the demo's teams and users); returns how many."""
    teams = {t.slug: t for t in session.scalars(sa.select(Team))}
    users = {u.email: u for u in session.scalars(sa.select(User))}
    groups = {g.name: g.id for g in session.scalars(sa.select(StakeholderGroup))}
    categories = {c.name: c.id for c in session.scalars(sa.select(WasteCategory))}
    managers = {slug: _manager_of(session, team) for slug, team in teams.items()}
    admin = next((u for u in users.values() if u.is_admin), None)
    written = 0
    for plan in PLANS:
        author = users.get(plan.author)
        if author is None or (plan.team is not None and plan.team not in teams):
            continue
        created = _moment(today - timedelta(days=plan.days_ago), 9)
        team = teams[plan.team] if plan.team else None
        suggestion = Suggestion(
            team_id=team.id if team else None,
            author_id=author.id,
            title=plan.title,
            body=plan.body,
            status="open",
            created_at=created,
        )
        suggestion.groups = [
            SuggestionGroup(group_id=groups[g]) for g in plan.groups if g in groups
        ]
        suggestion.waste = [
            SuggestionWaste(category_id=categories[c], avoided=a)
            for c, a in plan.waste
            if c in categories
        ]
        supporters = [users[e] for e in plan.supporters if e in users]
        suggestion.supports = [
            SuggestionSupport(user_id=u.id, created_at=created + timedelta(hours=n + 1))
            for n, u in enumerate(supporters)
        ]
        suggestion.supporters_count = len(supporters)
        if plan.answer is not None:
            answerer = (managers.get(plan.team) if plan.team else None) or admin
            _answer(session, suggestion, plan.answer, answerer, team, created, author)
        session.add(suggestion)
        written += 1
    session.flush()
    return written


def _manager_of(session: Session, team: Team) -> User | None:
    return next((m.user for m in team.memberships if m.manages), None)


def _answer(
    session: Session,
    suggestion: Suggestion,
    answer: tuple[str, str, int],
    answerer: User | None,
    team: Team | None,
    created: datetime,
    author: User,
) -> None:
    status, reason, after = answer
    moment = created + timedelta(days=after, hours=5)
    suggestion.status = status
    suggestion.decline_reason = reason
    suggestion.first_answer_at = suggestion.answered_at = moment
    suggestion.answered_by_id = answerer.id if answerer else None
    if status == "accepted" and team is not None:
        draft = Decision(
            team_id=team.id,
            author_id=answerer.id if answerer else None,
            title=suggestion.title,
            question=f"How do we act on {author.display_name}'s suggestion: {suggestion.title}?",
            context=f"From a suggestion proposed by {author.display_name}.\n\n{suggestion.body}",
            decided_on=moment.date(),
            status=Status.DRAFT.value,
            external_id=f"DEMO-SUGGESTION-{len(suggestion.title)}-{moment:%Y%m%d}",
        )
        active = session.scalars(sa.select(StakeholderGroup.id).where(StakeholderGroup.active))
        draft.impacts = [StakeholderImpact(group_id=g, impact=0) for g in active]
        draft.waste_lines = [
            WasteLine(category_id=w.category_id, created=0.0, avoided=w.avoided, position=n)
            for n, w in enumerate(suggestion.waste)
        ]
        with score_cache.changing(session, draft):
            session.add(draft)
        suggestion.decision_id = draft.id
