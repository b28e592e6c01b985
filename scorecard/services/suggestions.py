"""Suggestions: propose, support and withdraw, comment, answer (in progress, accept with a
draft decision, decline with a reason), the board, and the figures beside the method.
Permissions come from participation_access; the caller (a view or a command) commits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from scorecard import permissions
from scorecard.domain import suggestions as rules
from scorecard.domain.quarters import Quarter
from scorecard.domain.suggestions import SuggestionFacts, SuggestionFigures, SuggestionStatus
from scorecard.domain.workbook_suggestions import SuggestionSheet, naive_utc
from scorecard.models import Decision, Status, Team, User
from scorecard.models_suggestions import (
    Suggestion,
    SuggestionComment,
    SuggestionGroup,
    SuggestionSupport,
    SuggestionWaste,
)
from scorecard.services import audit, decision_inputs, decisions, reference, suggestion_notices

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_COMMENT = 5000
PER_PAGE = 30
SORTS = ("newest", "supported")


class SuggestionError(ValueError):
    """A write that cannot be, with a message for the user (and the field it is about)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SuggestionForbidden(PermissionError):
    """The user may not do this to this suggestion."""


@dataclass(frozen=True)
class SuggestionInput:
    team_id: int | None  # None: for the whole organisation
    title: str
    body: str
    group_ids: tuple[int, ...] = ()
    waste: tuple[tuple[int, float], ...] = ()  # (category id, amount avoided)


def _now() -> datetime:
    return datetime.now(UTC)


def _check(session: Session, actor: User, data: SuggestionInput) -> None:
    if not data.title.strip():
        raise SuggestionError("Say in a few words what could be done better.", "title")
    if len(data.title.strip()) > MAX_TITLE:
        raise SuggestionError(f"The title has at most {MAX_TITLE} characters.", "title")
    if len(data.body) > MAX_BODY:
        raise SuggestionError(f"The description has at most {MAX_BODY} characters.", "body")
    if data.team_id is not None and session.get(Team, data.team_id) is None:
        raise SuggestionError("That team does not exist.", "team_id")
    if not permissions.can_propose_for(session, actor, data.team_id):
        raise SuggestionError(
            "Propose for one of your teams, or for the whole organisation.", "team_id"
        )
    active_groups = {g.id for g in reference.active_groups(session)}
    if set(data.group_ids) - active_groups:
        raise SuggestionError("Choose stakeholder groups from the list.", "group_ids")
    active_categories = {c.id for c in reference.active_categories(session)}
    for category_id, avoided in data.waste:
        if category_id not in active_categories:
            raise SuggestionError("Choose waste categories from the list.", "waste")
        if not avoided > 0:
            raise SuggestionError("Waste avoided is a number above 0.", "waste")


def create(session: Session, actor: User, data: SuggestionInput) -> Suggestion:
    _check(session, actor, data)
    suggestion = Suggestion(
        team_id=data.team_id,
        author_id=actor.id,
        title=data.title.strip(),
        body=data.body.strip(),
        status=SuggestionStatus.OPEN.value,
        created_at=_now(),
    )
    suggestion.groups = [SuggestionGroup(group_id=g) for g in sorted(set(data.group_ids))]
    suggestion.waste = [SuggestionWaste(category_id=c, avoided=float(a)) for c, a in data.waste]
    session.add(suggestion)
    session.flush()
    audit.record(
        session,
        actor,
        "suggestion",
        suggestion.id,
        "create",
        {
            "team_id": data.team_id,
            "title": suggestion.title,
            "body": suggestion.body,
            "group_ids": sorted(set(data.group_ids)),
            "waste": [[c, float(a)] for c, a in data.waste],
        },
    )
    suggestion_notices.proposed(session, suggestion, actor)
    return suggestion


def get(session: Session, suggestion_id: int, *, whole: bool = False) -> Suggestion | None:
    options = (
        [
            joinedload(Suggestion.team),
            joinedload(Suggestion.author),
            joinedload(Suggestion.answered_by),
            joinedload(Suggestion.decision),
            selectinload(Suggestion.groups).joinedload(SuggestionGroup.group),
            selectinload(Suggestion.waste).joinedload(SuggestionWaste.category),
            selectinload(Suggestion.supports).joinedload(SuggestionSupport.user),
            selectinload(Suggestion.comments).joinedload(SuggestionComment.author),
        ]
        if whole
        else []
    )
    return session.get(Suggestion, suggestion_id, options=options)


def for_decision(session: Session, decision_id: int) -> Suggestion | None:
    """The suggestion a decision was made from, if any."""
    return session.scalar(
        sa.select(Suggestion)
        .options(joinedload(Suggestion.author))
        .where(Suggestion.decision_id == decision_id)
    )


# Support ---------------------------------------------------------------------------------------


def _recount(session: Session, suggestion: Suggestion) -> None:
    count = (
        sa.select(sa.func.count())
        .select_from(SuggestionSupport)
        .where(SuggestionSupport.suggestion_id == suggestion.id)
        .scalar_subquery()
    )
    session.execute(
        sa.update(Suggestion).where(Suggestion.id == suggestion.id).values(supporters_count=count)
    )
    session.refresh(suggestion, ["supporters_count", "supports"])


def supporter_ids(session: Session, suggestion: Suggestion) -> set[int]:
    return set(
        session.scalars(
            sa.select(SuggestionSupport.user_id).where(
                SuggestionSupport.suggestion_id == suggestion.id
            )
        )
    )


def support(session: Session, actor: User, suggestion: Suggestion) -> bool:
    """Add the actor's support; False when they support it already."""
    if not permissions.can_support(session, actor, suggestion):
        raise SuggestionForbidden("you may not support this suggestion")
    if session.get(SuggestionSupport, (suggestion.id, actor.id)) is not None:
        return False
    session.add(SuggestionSupport(suggestion_id=suggestion.id, user_id=actor.id, created_at=_now()))
    session.flush()
    _recount(session, suggestion)
    audit.record(session, actor, "suggestion", suggestion.id, "support", {})
    return True


def withdraw(session: Session, actor: User, suggestion: Suggestion) -> bool:
    """Withdraw the actor's support; False when there was none."""
    found = session.get(SuggestionSupport, (suggestion.id, actor.id))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    _recount(session, suggestion)
    audit.record(session, actor, "suggestion", suggestion.id, "withdraw support", {})
    return True


# Comments --------------------------------------------------------------------------------------


def add_comment(
    session: Session, actor: User, suggestion: Suggestion, body: str
) -> SuggestionComment:
    if not permissions.can_comment_on_suggestion(session, actor, suggestion):
        raise SuggestionForbidden("you may not comment on this suggestion")
    body = body.strip()
    if not body:
        raise SuggestionError("A comment needs some text.", "body")
    if len(body) > MAX_COMMENT:
        raise SuggestionError(f"A comment has at most {MAX_COMMENT} characters.", "body")
    comment = SuggestionComment(
        suggestion_id=suggestion.id, author_id=actor.id, body=body, created_at=_now()
    )
    session.add(comment)
    session.flush()
    audit.record(
        session,
        actor,
        "suggestion_comment",
        comment.id,
        "create",
        {"suggestion_id": suggestion.id, "body": body},
    )
    suggestion_notices.commented(session, suggestion, comment, actor)
    return comment


# Answers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: str  # in_progress, accepted or declined
    reason: str = ""  # why it is declined
    team_id: int | None = None  # the team of the decision, for a whole-organisation suggestion


def _draft_from(session: Session, actor: User, suggestion: Suggestion, team_id: int) -> Decision:
    """The draft decision an accepted suggestion becomes, crediting its proposer."""
    proposer = suggestion.author.display_name if suggestion.author else "a former colleague"
    groups = [g.group.name for g in suggestion.groups]
    context = [f"From suggestion #{suggestion.id}, proposed by {proposer}."]
    if suggestion.body:
        context.append(suggestion.body)
    if groups:
        context.append(f"It would help or spare: {', '.join(groups)}.")
    today = date.today()
    data = decision_inputs.DecisionInput(
        team_id=team_id,
        title=suggestion.title[:MAX_TITLE],
        question=f"How do we act on {proposer}'s suggestion: {suggestion.title}?"[:2000],
        decided_on=today,
        status=Status.DRAFT.value,
        context="\n\n".join(context),
        impacts=tuple(
            decision_inputs.ImpactInput(group_id=g.id, impact=0, consulted=False)
            for g in reference.active_groups(session)
        ),
        waste=tuple(
            decision_inputs.WasteInput(
                category_id=w.category_id,
                created=0.0,
                avoided=w.avoided,
                note="Estimated in the suggestion",
            )
            for w in suggestion.waste
            if w.category_id in {c.id for c in reference.active_categories(session)}
        ),
    )
    return decisions.create(session, actor, data)


def answer(session: Session, actor: User, suggestion: Suggestion, given: Answer) -> Suggestion:
    """Mark it in progress, accept it (making a draft decision linked to it) or decline it
    with a reason. The first answer's moment is kept for the figures."""
    if not permissions.can_answer_suggestion(session, actor, suggestion):
        raise SuggestionForbidden("you may not answer this suggestion")
    try:
        rules.check_answer(suggestion.status, given.status, given.reason)
    except rules.SuggestionRuleError as error:
        raise SuggestionError(str(error), "reason" if "why" in str(error) else "status") from None
    if given.status == SuggestionStatus.ACCEPTED:
        team_id = suggestion.team_id if suggestion.team_id is not None else given.team_id
        if team_id is None or session.get(Team, team_id) is None:
            raise SuggestionError("Choose the team whose decision it becomes.", "team_id")
        decision = _draft_from(session, actor, suggestion, team_id)
        suggestion.decision_id = decision.id
    now = _now()
    before = suggestion.status
    suggestion.status = given.status
    suggestion.decline_reason = given.reason.strip() if given.status == "declined" else ""
    suggestion.answered_at = now
    suggestion.answered_by_id = actor.id
    if suggestion.first_answer_at is None:
        suggestion.first_answer_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "suggestion",
        suggestion.id,
        "answer",
        {
            "status": [before, given.status],
            "reason": suggestion.decline_reason,
            "decision_id": suggestion.decision_id,
        },
    )
    suggestion_notices.answered(session, suggestion, actor)
    return suggestion


# Figures beside the method ---------------------------------------------------------------------


def _facts_query(team_ids: Collection[int] | None, quarter: Quarter) -> sa.Select:
    """Suggestions created or first answered in the quarter (moments are stored in UTC)."""
    start = datetime.combine(quarter.start, datetime.min.time(), UTC)
    end = datetime.combine(quarter.next().start, datetime.min.time(), UTC)
    query = sa.select(
        Suggestion.team_id,
        Suggestion.created_at,
        Suggestion.first_answer_at,
        Suggestion.status == SuggestionStatus.ACCEPTED.value,
    ).where(
        sa.or_(
            (Suggestion.created_at >= start) & (Suggestion.created_at < end),
            (Suggestion.first_answer_at >= start) & (Suggestion.first_answer_at < end),
        )
    )
    if team_ids is not None:
        query = query.where(Suggestion.team_id.in_(sorted(team_ids)))
    return query


def facts(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None
) -> list[SuggestionFacts]:
    """What the figures of the quarter need, for these teams (None: the whole organisation,
    with its own suggestions)."""
    rows = session.execute(_facts_query(team_ids, quarter)).all()
    return [SuggestionFacts(t, c, f, bool(a)) for t, c, f, a in rows]


def quarter_figures(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None
) -> SuggestionFigures:
    """Suggestions made, answered, accepted % and median days to answer, in the quarter."""
    return rules.figures(facts(session, quarter, team_ids), quarter)


def figures_table(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None
) -> list[tuple[str, SuggestionFigures]]:
    """Per team of the scope (by name), then All teams."""
    query = sa.select(Team.id, Team.name).order_by(Team.name)
    if team_ids is not None:
        query = query.where(Team.id.in_(sorted(team_ids)))
    teams = dict(session.execute(query).all())
    return rules.figures_table(
        facts(session, quarter, team_ids), quarter, teams, whole_organisation=team_ids is None
    )


def sheet(session: Session, quarter: Quarter, team_ids: Collection[int] | None) -> SuggestionSheet:
    """The workbook's Suggestions sheet: the figures per team, then every suggestion made or
    first answered in the quarter."""
    query = (
        sa.select(
            Team.name,
            Suggestion.title,
            Suggestion.status,
            Suggestion.supporters_count,
            Suggestion.created_at,
            Suggestion.first_answer_at,
            Suggestion.decision_id,
        )
        .outerjoin(Team, Team.id == Suggestion.team_id)
        .where(_facts_query(team_ids, quarter).whereclause)
        .order_by(Suggestion.created_at, Suggestion.id)
    )
    rows = []
    for team, title, status, supporters, created, answered, decision_id in session.execute(query):
        rows.append(
            [
                team or rules.WHOLE_ORGANISATION,
                title,
                SuggestionStatus(status).label,
                supporters,
                naive_utc(created),
                naive_utc(answered),
                rules.days_between(created, answered) if answered else None,
                decision_id,
            ]
        )
    return SuggestionSheet(figures=figures_table(session, quarter, team_ids), suggestions=rows)
