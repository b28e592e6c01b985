"""Finding decisions: the filtered, sorted, paged log, and the reviews that are due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from scorecard import permissions
from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import Method
from scorecard.models import Decision, StakeholderImpact, Team, User
from scorecard.services import queries, scores

PER_PAGE = 50
MAX_SEARCH_WORDS = 8
# The log counts its matches only this far past the page shown: an exact total of a million
# decisions would cost a scan of them on every page, and "more than 500" is as useful.
COUNT_AHEAD = 500
SORTS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "impact_high": "Highest impact index",
    "impact_low": "Lowest impact index",
    "due": "Review due soonest",
    "title": "Title A–Z",
    "updated": "Recently changed",
}
EFFECTS = {"helped": "helped", "harmed": "harmed"}


@dataclass(frozen=True)
class LogFilters:
    team_id: int | None = None
    quarter: Quarter | None = None
    status: str | None = None
    group_id: int | None = None
    effect: str | None = None  # helped, harmed, or None: affected either way
    due: bool = False
    text: str = ""
    sort: str = "newest"
    archived: bool = False  # include archived decisions (of teams the user manages)
    page: int = 1


@dataclass(frozen=True)
class LogPage:
    decisions: list[Decision]
    figures: dict[int, dict[str, Any]]
    total: int  # exact, unless `more`: then at least this many match
    page: int
    pages: int  # pages known to exist (more may follow when `more`)
    per_page: int
    method_version: int
    more: bool = False  # more decisions match than were counted

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    @property
    def links(self) -> list[int | None]:
        """Page numbers to link to: the first two, the two either side of this page and the
        last two (when the total is known); None marks a gap."""
        shown = {1, 2, *range(self.page - 2, self.page + 3)}
        if not self.more:
            shown |= {self.pages - 1, self.pages}
        links: list[int | None] = []
        for number in sorted(p for p in shown if 1 <= p <= self.pages):
            if links and links[-1] is not None and number > links[-1] + 1:
                links.append(None)
            links.append(number)
        if self.more:
            links.append(None)
        return links

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more


def due_clause(today: date) -> sa.ColumnElement[bool]:
    """Decided, not archived, and its review date has come: what "due for review" means."""
    return queries.due_by(today)


def visible_clause(session: Session, user: User) -> sa.ColumnElement[bool]:
    """The decisions the user may see (the rule lives in `scorecard.permissions`)."""
    return permissions.visible_decisions(session, user)


def _archived_clause(session: Session, user: User, include: bool) -> sa.ColumnElement[bool]:
    if not include:
        return ~Decision.archived
    return permissions.archived_visible(session, user)


def search_clause(text: str) -> sa.ColumnElement[bool] | None:
    """Every word must appear in the title, the question or the context (any case)."""
    words = text.split()[:MAX_SEARCH_WORDS]
    if not words:
        return None
    return sa.and_(
        *(
            sa.or_(
                Decision.title.icontains(word, autoescape=True),
                Decision.question.icontains(word, autoescape=True),
                Decision.context.icontains(word, autoescape=True),
            )
            for word in words
        )
    )


def conditions(
    session: Session, user: User, filters: LogFilters, today: date
) -> list[sa.ColumnElement[bool]]:
    where = [visible_clause(session, user), _archived_clause(session, user, filters.archived)]
    if filters.team_id is not None:
        where.append(Decision.team_id == filters.team_id)
    if filters.quarter is not None:
        where.append(Decision.decided_on.between(filters.quarter.start, filters.quarter.end))
    if filters.status:
        where.append(Decision.status == filters.status)
    if filters.due:
        where.append(due_clause(today))
    if filters.group_id is not None:
        # The decision's impact on the group (one row at most, by the unique decision-group
        # index), read as each decision is: a join would read every impact on the group first.
        impact = (
            sa.select(StakeholderImpact.impact)
            .where(
                StakeholderImpact.decision_id == Decision.id,
                StakeholderImpact.group_id == filters.group_id,
            )
            .scalar_subquery()
        )
        where.append(
            {"helped": impact > 0, "harmed": impact < 0}.get(filters.effect or "", impact != 0)
        )
    text = search_clause(filters.text)
    if text is not None:
        where.append(text)
    return where


def _order(sort: str, method: Method, due_only: bool = False) -> list[Any]:
    if sort == "due" and due_only:
        # Every decision due has a review date: the order of ix_decision_status_review_due.
        return [Decision.review_due.asc(), Decision.id.asc()]
    if sort in ("impact_high", "impact_low"):
        # Orders like the impact index: its denominator is the same for every decision.
        weights = {g.id: g.weight for g in method.groups}
        weighted = (
            sa.select(
                sa.func.coalesce(
                    sa.func.sum(
                        StakeholderImpact.impact
                        * sa.case(weights, value=StakeholderImpact.group_id, else_=0.0)
                    ),
                    0.0,
                )
            )
            .where(StakeholderImpact.decision_id == Decision.id)
            .scalar_subquery()
        )
        key = weighted.desc() if sort == "impact_high" else weighted.asc()
        return [key, Decision.decided_on.desc(), Decision.id.desc()]
    return {
        "oldest": [Decision.decided_on.asc(), Decision.id.asc()],
        "due": [Decision.review_due.is_(None), Decision.review_due.asc(), Decision.id.asc()],
        "title": [sa.func.lower(Decision.title).asc(), Decision.id.asc()],
        "updated": [Decision.updated_at.desc(), Decision.id.desc()],
    }.get(sort, [Decision.decided_on.desc(), Decision.id.desc()])


def find(
    session: Session,
    user: User,
    filters: LogFilters,
    *,
    today: date | None = None,
    per_page: int = PER_PAGE,
) -> LogPage:
    """One page of the log, with each decision's figures from the scoring module."""
    today = today or date.today()
    where = conditions(session, user, filters, today)
    asked = max(filters.page, 1)
    window = (asked - 1) * per_page + COUNT_AHEAD
    total = count_upto(session, where, window + 1)
    more = total > window
    total = min(total, window)
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(asked, pages)
    method = scores.current_method(session)
    rows = list(
        session.scalars(
            sa.select(Decision)
            .options(joinedload(Decision.team), joinedload(Decision.author))
            .where(*where)
            .order_by(*_order(filters.sort, method, filters.due))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    figures = scores.decision_figures(session, [d.id for d in rows], method=method)
    return LogPage(
        decisions=rows,
        figures=figures.to_dict("index"),
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        method_version=method.version,
        more=more,
    )


def count_upto(session: Session, where: list[sa.ColumnElement[bool]], limit: int) -> int:
    """How many decisions match, counting no further than `limit`: the cost is that of reading
    `limit` matches at most, however long the log."""
    matches = sa.select(Decision.id).where(*where).limit(limit).subquery()
    return session.scalar(sa.select(sa.func.count()).select_from(matches)) or 0


QUARTERS_OFFERED = 80  # twenty years: the log's quarter filter stays a short list


def quarters(session: Session, user: User, limit: int = QUARTERS_OFFERED) -> list[Quarter]:
    """The quarters that hold decisions of the user's teams, newest first, at most `limit`.

    One statement per quarter offered, each an index lookup per team (the team's latest
    decision before a day, by ix_decision_team_log), rather than a scan of the decisions; a
    quarter without decisions, however far apart two dates are, costs nothing.
    """
    teams = permissions.visible_teams(session, user)
    team_ids = sa.select(Team.id).where(teams.where(Team.id)).subquery()

    def latest(before: date | None) -> date | None:
        per_team = sa.select(Decision.decided_on).where(Decision.team_id == team_ids.c.id)
        if before is not None:
            per_team = per_team.where(Decision.decided_on < before)
        per_team = per_team.order_by(Decision.decided_on.desc()).limit(1).scalar_subquery()
        edges = sa.select(per_team.label("last")).subquery()
        return session.scalar(sa.select(sa.func.max(edges.c.last)))

    found: list[Quarter] = []
    day = latest(None)
    while day is not None and len(found) < limit:
        found.append(Quarter.of(day))
        day = latest(found[-1].start)
    return found or [Quarter.of(date.today())]


def coming_up(
    session: Session, user: User, *, today: date | None = None, days: int = 30, limit: int = 20
) -> list[Decision]:
    """Decided decisions whose review falls due within the next `days` days."""
    today = today or date.today()
    return list(
        session.scalars(
            sa.select(Decision)
            .options(joinedload(Decision.team), joinedload(Decision.author))
            .where(
                visible_clause(session, user),
                queries.AWAITING_REVIEW,
                Decision.review_due > today,
                Decision.review_due <= today + timedelta(days=days),
            )
            .order_by(Decision.review_due, Decision.id)
            .limit(limit)
        )
    )
