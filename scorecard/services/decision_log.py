"""Finding decisions: the filtered, sorted, paged log, and the reviews that are due."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.sql import operators

from scorecard import permissions
from scorecard.domain import scoring, search_words
from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import Method
from scorecard.models import (
    Decision,
    Membership,
    Review,
    StakeholderImpact,
    Team,
    User,
    tag_list,
)
from scorecard.services import queries, scores, text_search

PER_PAGE = 50
# The log counts its matches only this far past the page shown: an exact total of a million
# decisions would cost a scan of them on every page, and "more than 500" is as useful.
COUNT_AHEAD = 500
SORTS = {
    # A text search's best matches first; without a search, and among equal matches, newest.
    "relevance": "Best match",
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
    author_id: int | None = None
    due: bool = False
    text: str = ""
    sort: str = "newest"
    archived: bool = False  # include archived decisions (of teams the user manages)
    page: int = 1
    # Only decisions the scoring method counts (decided or reviewed, not archived), and of
    # those the ones that answer the scoring method's questions (quarter = decided in it).
    scored: bool = False
    counted: scoring.Counted = dataclasses.field(default_factory=scoring.Counted)
    author: str = ""  # the author's email, as the import format writes it
    tag: str = ""
    dashboard: bool = False  # only the teams of the user's dashboard (its All teams)

    @property
    def words(self) -> tuple[str, ...]:
        """The words of the text search (`domain.search_words`)."""
        return search_words.words(self.text)

    @property
    def scoring_filter(self) -> scoring.Counted | None:
        """The scoring method's questions, with the quarter; None when none is asked."""
        if not self.scored and self.counted.empty:
            return None
        decided_in = None if self.quarter is None else self.quarter.index
        return dataclasses.replace(self.counted, decided_in=decided_in)


YES_NO = {"yes": True, "no": False}


def filters_of(values: Mapping[str, Any], *, may_show_archived: bool, page: int = 1) -> LogFilters:
    """The log's filters from the names of its address, which the Decisions page and the API
    share: `q`, `team`, `quarter`, `status`, `group`, `effect`, `author`, `due`, `archived`,
    `sort`, `scored`, `dashboard`, `harm`, `shared`, `neutral` (yes or no), `consultation`,
    `due_in`, `in_time`, `reviewed_in` and `author_email`, `tag`. The values are already
    checked by the caller's form or schema; an empty one is no filter."""

    def answer(name: str) -> bool | None:
        return YES_NO.get(values.get(name) or "")

    def quarter(name: str) -> Quarter | None:
        text = values.get(name)
        return Quarter.parse(text) if text else None

    def index(name: str) -> int | None:
        found = quarter(name)
        return None if found is None else found.index

    return LogFilters(
        team_id=values.get("team"),
        quarter=quarter("quarter"),
        status=values.get("status") or None,
        group_id=values.get("group"),
        effect=values.get("effect") or None,
        author_id=values.get("author"),
        due=bool(values.get("due")),
        text=values.get("q") or "",
        sort=values.get("sort") or "newest",
        archived=may_show_archived and bool(values.get("archived")),
        page=page,
        scored=bool(values.get("scored")),
        dashboard=bool(values.get("dashboard")),
        counted=scoring.Counted(
            harm=answer("harm"),
            shared=answer("shared"),
            waste_neutral=answer("neutral"),
            consultation=values.get("consultation") or None,
            due_in=index("due_in"),
            in_time=answer("in_time"),
            reviewed_in=index("reviewed_in"),
        ),
        author=values.get("author_email") or "",
        tag=values.get("tag") or "",
    )


class Named(NamedTuple):
    """What a row or a list shows of a team, a person or a group: its id and its name."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class LogRow:
    """A decision as a row of the log shows it: read as plain columns, not as a mapped object
    (fifty of those cost more than the rest of the page's reads)."""

    id: int
    team_id: int
    author_id: int | None
    title: str
    question: str
    context: str
    decided_on: date
    review_due: date | None
    status: str
    archived: bool
    tags: str
    team: Named
    author: Named | None

    @property
    def tag_list(self) -> list[str]:
        return tag_list(self.tags)


_ROW_TEAM = aliased(Team, name="row_team")
_ROW_AUTHOR = aliased(User, name="row_author")
_ROW_COLUMNS = (
    Decision.id,
    Decision.team_id,
    Decision.author_id,
    Decision.title,
    Decision.question,
    Decision.context,
    Decision.decided_on,
    Decision.review_due,
    Decision.status,
    Decision.archived,
    Decision.tags,
    _ROW_TEAM.name,
    _ROW_AUTHOR.display_name,
)


def _rows(session: Session, query: sa.Select) -> list[LogRow]:
    return [
        LogRow(
            *fields,
            team=Named(fields[1], team_name),
            author=None if fields[2] is None else Named(fields[2], author_name),
        )
        for *fields, team_name, author_name in session.execute(query)
    ]


@dataclass(frozen=True)
class LogPage:
    decisions: list[LogRow]
    figures: dict[int, dict[str, Any]]
    total: int  # exact, unless `more`: then at least this many match
    page: int
    pages: int  # pages known to exist (more may follow when `more`)
    per_page: int
    method_version: int
    more: bool = False  # more decisions match than were counted
    unranked: bool = False  # best match was asked, but too many match: listed newest first
    words: tuple[str, ...] = ()  # searched for, to be marked where they were found

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


def search_clauses(
    session: Session, text: str, *, many: bool = False
) -> list[sa.ColumnElement[bool]]:
    """Every word must start a word of the title, the question or the context (any case),
    found through the full-text index (`services.text_search`; `many`: a common word)."""
    return text_search.conditions(_dialect(session), search_words.words(text), many=many)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def conditions(
    session: Session, user: User, filters: LogFilters, today: date, *, many: bool = False
) -> list[sa.ColumnElement[bool]]:
    """The log's filters as SQL; `many`: the text search matches more than a page and its
    count, so it is read as a filter of the log's order (`text_search.conditions`)."""
    where = [visible_clause(session, user), _archived_clause(session, user, filters.archived)]
    if filters.team_id is not None:
        where.append(Decision.team_id == filters.team_id)
    if filters.dashboard:
        where.append(permissions.dashboard_teams(session, user).where(Decision.team_id))
    if filters.quarter is not None:
        where.append(Decision.decided_on.between(filters.quarter.start, filters.quarter.end))
    if filters.status:
        where.append(Decision.status == filters.status)
    if filters.author_id is not None:
        where.append(Decision.author_id == filters.author_id)
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
    where += search_clauses(session, filters.text, many=many)
    if filters.author:
        where.append(author_clause(filters.author))
    if filters.tag:
        where.append(tag_clause(filters.tag))
    asked = filters.scoring_filter
    if asked is not None:
        where.append(queries.SCORED)
        if not asked.empty:
            where.append(Decision.id.in_(counted_ids(session, where, asked, today)))
    return where


def author_clause(email: str) -> sa.ColumnElement[bool]:
    """Written by the account with this email, or imported naming it (any case)."""
    address = email.strip().lower()
    accounts = sa.select(User.id).where(sa.func.lower(User.email) == address)
    return Decision.author_id.in_(accounts) | (sa.func.lower(Decision.author_email) == address)


def tag_clause(tag: str) -> sa.ColumnElement[bool]:
    """Tagged so (any case), as `Decision.tag_list` reads the comma-separated tags."""
    tags = sa.func.lower("," + Decision.tags + ",")
    for spaced in (", ", " ,"):
        tags = sa.func.replace(sa.func.replace(tags, spaced, ","), spaced, ",")
    return tags.like(f"%,{_escaped(tag.strip().lower())},%", escape="\\")


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def counted_ids(
    session: Session,
    where: list[sa.ColumnElement[bool]],
    asked: scoring.Counted,
    today: date,
) -> list[int]:
    """The decisions matching `where` that the scoring method counts as `asked` says, with
    every quarter cut at today: read off the rows the sums add up (`scoring.contributions`)."""
    narrowed = [*where, *candidates(asked)]
    decisions, impacts, waste = scores.decision_frames(session, sa.and_(*narrowed))
    method = scores.current_method(session)
    parts = scoring.contributions(decisions, impacts, waste, method, upto=today)
    return [int(i) for i in scoring.matching(parts, asked)]


def candidates(asked: scoring.Counted) -> list[sa.ColumnElement[bool]]:
    """Date ranges that every decision the question can match lies in (so fewer are read)."""
    where = []
    for index, column in (
        (asked.decided_in, Decision.decided_on),
        (asked.due_in, Decision.review_due),
    ):
        if index is not None:
            quarter = Quarter.from_index(index)
            where.append(column.between(quarter.start, quarter.end))
    if asked.reviewed_in is not None:
        quarter = Quarter.from_index(asked.reviewed_in)
        reviewed = sa.select(Review.decision_id).where(
            Review.reviewed_on.between(quarter.start, quarter.end)
        )
        where.append(Decision.id.in_(reviewed))
    return where


def _order(filters: LogFilters, method: Method, dialect: str) -> list[Any]:
    sort = filters.sort
    if sort == "due" and filters.due:
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
    if sort == "relevance" and filters.words:
        rank = text_search.best_first(dialect, filters.words)
        return [rank.asc(), Decision.decided_on.desc(), Decision.id.desc()]
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
    row_figures: bool = False,
) -> LogPage:
    """One page of the log, with each decision's figures from the scoring module: all of them,
    or with `row_figures` those a row of the list shows (`scores.row_figures`, fewer reads)."""
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
    unranked = False
    if filters.words and more:
        # A common word: ranking every match would cost a sort of all of them, so the log
        # lists them newest first (as the page says) and stops after the page.
        where = conditions(session, user, filters, today, many=True)
        if filters.sort == "relevance":
            filters, unranked = dataclasses.replace(filters, sort="newest"), True
    rows = _rows(
        session,
        sa.select(*_ROW_COLUMNS)
        .join(_ROW_TEAM, _ROW_TEAM.id == Decision.team_id)
        .outerjoin(_ROW_AUTHOR, _ROW_AUTHOR.id == Decision.author_id)
        .where(*where)
        .order_by(*_order(filters, method, _dialect(session)))
        .limit(per_page)
        .offset((page - 1) * per_page),
    )
    ids = [d.id for d in rows]
    if row_figures:
        figures = scores.row_figures(session, ids, method=method)
    else:
        figures = scores.decision_figures(session, ids, method=method).to_dict("index")
    return LogPage(
        decisions=rows,
        figures=figures,
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        method_version=method.version,
        more=more,
        words=filters.words,
        unranked=unranked,
    )


def count_upto(session: Session, where: list[sa.ColumnElement[bool]], limit: int) -> int:
    """How many decisions match, counting no further than `limit`: the cost is that of reading
    `limit` matches at most, however long the log."""
    return session.scalar(counter(where, limit)) or 0


def counter(where: list[sa.ColumnElement[bool]], limit: int) -> sa.Select[tuple[int]]:
    """The statement of `count_upto`, also for one that counts several things."""
    matches = sa.select(Decision.id).where(*where).limit(limit).subquery()
    return sa.select(sa.func.count()).select_from(matches)


QUARTERS_OFFERED = 80  # twenty years: the log's quarter filter stays a short list


def quarters(session: Session, user: User, limit: int = QUARTERS_OFFERED) -> list[Quarter]:
    """The quarters that hold decisions of the user's teams, newest first, at most `limit`
    (none where they hold no decision).

    One statement, walking back from quarter to quarter: each step is an index lookup per team
    (the team's latest decision before the start of the quarter found last, by
    ix_decision_team_log), or one for someone who sees every team (by ix_decision_decided_id),
    never a scan of the decisions, and a quarter without decisions, however far apart two dates
    are, costs nothing.
    """
    teams = permissions.visible_teams(session, user)
    team_ids = sa.select(Team.id).where(teams.where(Team.id)).subquery()

    def latest(before: sa.ColumnElement[date] | None) -> sa.ScalarSelect[date]:
        if teams.every:  # one lookup in ix_decision_decided_id, whatever the number of teams
            anyone = sa.select(sa.func.max(Decision.decided_on))
            if before is not None:
                anyone = anyone.where(Decision.decided_on < before)
            return anyone.scalar_subquery()
        per_team = sa.select(Decision.decided_on).where(Decision.team_id == team_ids.c.id)
        if before is not None:
            per_team = per_team.where(Decision.decided_on < before)
        per_team = per_team.order_by(Decision.decided_on.desc()).limit(1)
        last = per_team.correlate_except(Decision).scalar_subquery()
        return sa.select(sa.func.max(last)).select_from(team_ids).scalar_subquery()

    edges = sa.select(latest(None).label("day"), sa.literal(1).label("n")).cte(
        "quarter_edges", recursive=True
    )
    step = sa.select(
        latest(queries.quarter_start(edges.c.day)).label("day"), (edges.c.n + 1).label("n")
    ).where(edges.c.day.is_not(None), edges.c.n < limit)
    edges = edges.union_all(step)
    days = session.scalars(sa.select(edges.c.day).where(edges.c.day.is_not(None)))
    return [Quarter.of(_as_date(day)) for day in days]


def _as_date(day: date | str) -> date:
    """A day from the recursive statement: SQLite gives its text (the CTE has no column type)."""
    return day if isinstance(day, date) else date.fromisoformat(day)


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


def authors(session: Session, user: User, limit: int = 500) -> list[tuple[int, str]]:
    """(id, name) of the people of the user's teams (everyone for admins), for the log's
    author filter."""
    query = sa.select(User.id, User.display_name).order_by(User.display_name, User.id)
    teams = permissions.visible_teams(session, user)
    if not teams.every:
        members = sa.select(Membership.user_id).where(teams.where(Membership.team_id))
        query = query.where(User.id.in_(members))
    return [(i, name) for i, name in session.execute(query.limit(limit))]


@dataclass(frozen=True)
class FeedPage:
    decisions: list[Decision]
    figures: dict[int, dict[str, Any]]
    method_version: int
    has_more: bool


def _term(clause: Any) -> tuple[Any, Any]:
    """An ORDER BY clause as (expression, direction); a bare expression sorts ascending."""
    modifier = getattr(clause, "modifier", None)
    if modifier in (operators.asc_op, operators.desc_op):
        return clause.element, modifier
    return clause, operators.asc_op


def _after(
    session: Session, order: list[Any], after_id: int, where: list[sa.ColumnElement[bool]]
) -> sa.ColumnElement[bool] | None:
    """Rows that come after the decision `after_id` in this order (a keyset condition): the
    order's values are read from that decision again, under the same conditions (a search's
    rank is read with its match), so a cursor carries only an id."""
    terms = [_term(clause) for clause in order]
    values = session.execute(
        sa.select(*(element for element, _ in terms)).where(Decision.id == after_id, *where)
    ).first()
    if values is None:
        return None
    branches = []
    for i, (element, modifier) in enumerate(terms):
        equal = [e.is_not_distinct_from(v) for (e, _), v in zip(terms[:i], values[:i], strict=True)]
        later = element < values[i] if modifier is operators.desc_op else element > values[i]
        branches.append(sa.and_(*equal, later))
    return sa.or_(*branches)


def feed(
    session: Session,
    user: User,
    filters: LogFilters,
    *,
    after_id: int | None = None,
    limit: int = PER_PAGE,
    today: date | None = None,
) -> FeedPage | None:
    """The log read by cursor: the decisions after `after_id` in the filters' order (None when
    that decision is not one the user may page past)."""
    today = today or date.today()
    where = conditions(session, user, filters, today)
    method = scores.current_method(session)
    order = _order(filters, method, _dialect(session))
    if after_id is not None:
        visible = session.scalar(sa.select(Decision.id).where(Decision.id == after_id, *where))
        after = _after(session, order, after_id, where) if visible is not None else None
        if after is None:
            return None
        where = [*where, after]
    rows = list(
        session.scalars(
            sa.select(Decision)
            .options(joinedload(Decision.team), joinedload(Decision.author))
            .where(*where)
            .order_by(*order)
            .limit(limit + 1)
        )
    )
    page = rows[:limit]
    figures = scores.decision_figures(session, [d.id for d in page], method=method)
    return FeedPage(page, figures.to_dict("index"), method.version, len(rows) > limit)
