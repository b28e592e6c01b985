"""The SQL conditions and column lists that several services share, each defined once:
which decisions are scored, which are due for review, which are in a set of teams, and the
columns of a decision's text, impacts and waste lines as the import format and the
scorecard's Decisions sheet read them. (Who may see what is `scorecard.permissions`.)"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.models import Decision, Review, StakeholderImpact, Status, User, WasteLine

# Scored: decided or reviewed, and not archived.
SCORED = Decision.status.in_(scoring.SCORED_STATUSES) & ~Decision.archived
# Waiting for its review: decided (not reviewed yet), not archived, with a review date.
AWAITING_REVIEW = sa.and_(
    Decision.status == Status.DECIDED,
    ~Decision.archived,
    Decision.review_due.is_not(None),
)
# The author as the import format and the scorecard write it: the account's email, or the
# email an import named when there was no such account.
AUTHOR = sa.func.coalesce(User.email, Decision.author_email, "")
# A decision's words and dates, in the order of the import format.
DECISION_TEXT = (
    Decision.title,
    Decision.decided_on,
    Decision.status,
    Decision.question,
    Decision.context,
    Decision.decision_taken,
    Decision.alternatives,
    Decision.review_due,
)
IMPACT_COLUMNS = (
    StakeholderImpact.decision_id,
    StakeholderImpact.group_id,
    StakeholderImpact.impact,
    StakeholderImpact.consulted,
    StakeholderImpact.actual,
)
WASTE_ESTIMATES = (
    WasteLine.decision_id,
    WasteLine.category_id,
    WasteLine.created,
    WasteLine.avoided,
)
WASTE_COLUMNS = (*WASTE_ESTIMATES, WasteLine.actual_created, WasteLine.actual_avoided)
REVIEW_TEXT = (Review.reviewed_on, Review.lessons)


def due_by(day: date) -> sa.ColumnElement[bool]:
    """Waiting for its review, and the review date is `day` or earlier."""
    return sa.and_(AWAITING_REVIEW, Decision.review_due <= day)


def decided_in(quarter: Quarter) -> sa.ColumnElement[bool]:
    return sa.and_(Decision.decided_on >= quarter.start, Decision.decided_on <= quarter.end)


def in_teams(team_ids: Collection[int] | None) -> sa.ColumnElement[bool]:
    """A decision of one of these teams (None: of any team)."""
    if team_ids is None:
        return sa.true()
    return Decision.team_id.in_(sorted(team_ids))


class quarter_start(FunctionElement[date]):  # lower case, as SQL functions are named
    """The first day of the quarter of a date column, in SQL (SQLite and PostgreSQL)."""

    type = sa.Date()
    name = "quarter_start"
    inherit_cache = True


@compiles(quarter_start, "sqlite")
def _quarter_start_sqlite(element: quarter_start, compiler: SQLCompiler, **kw: object) -> str:
    day = compiler.process(element.clauses, **kw)
    months_in = f"((CAST(strftime('%m', {day}) AS INTEGER) - 1) % 3)"
    return f"date({day}, 'start of month', '-' || {months_in} || ' months')"


@compiles(quarter_start, "postgresql")
def _quarter_start_postgresql(element: quarter_start, compiler: SQLCompiler, **kw: object) -> str:
    return f"CAST(date_trunc('quarter', {compiler.process(element.clauses, **kw)}) AS DATE)"
