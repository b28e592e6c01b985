"""The scoring module's inputs, loaded from the database in three set-based queries."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring
from scorecard.models import Decision, Review, StakeholderImpact, WasteLine

DECISION_COLUMNS = [
    "id",
    "team_id",
    "status",
    "archived",
    "decided_on",
    "review_due",
    "reviewed_on",
]
IMPACT_COLUMNS = ["decision_id", "group_id", "impact", "consulted", "actual"]
WASTE_COLUMNS = [
    "decision_id",
    "category_id",
    "created",
    "avoided",
    "actual_created",
    "actual_avoided",
]
SCORED = Decision.status.in_(scoring.SCORED_STATUSES) & ~Decision.archived


def _frame(session: Session, query: sa.Select, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def decision_frames(
    session: Session, where: sa.ColumnElement[bool]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The scoring module's inputs for the decisions matching `where`: three queries in all."""
    ids = sa.select(Decision.id).where(where).scalar_subquery()
    decisions = _frame(
        session,
        sa.select(
            Decision.id,
            Decision.team_id,
            Decision.status,
            Decision.archived,
            Decision.decided_on,
            Decision.review_due,
            Review.reviewed_on,
        )
        .outerjoin(Review, Review.decision_id == Decision.id)
        .where(where),
        DECISION_COLUMNS,
    )
    impacts = _frame(
        session,
        sa.select(
            StakeholderImpact.decision_id,
            StakeholderImpact.group_id,
            StakeholderImpact.impact,
            StakeholderImpact.consulted,
            StakeholderImpact.actual,
        ).where(StakeholderImpact.decision_id.in_(ids)),
        IMPACT_COLUMNS,
    )
    waste = _frame(
        session,
        sa.select(
            WasteLine.decision_id,
            WasteLine.category_id,
            WasteLine.created,
            WasteLine.avoided,
            WasteLine.actual_created,
            WasteLine.actual_avoided,
        ).where(WasteLine.decision_id.in_(ids)),
        WASTE_COLUMNS,
    )
    impacts["actual"] = pd.to_numeric(impacts["actual"], errors="coerce").astype(float)
    for column in ("actual_created", "actual_avoided"):
        waste[column] = pd.to_numeric(waste[column], errors="coerce").astype(float)
    return decisions, impacts, waste


def sums_of_decisions(
    session: Session, method: scoring.Method, where: sa.ColumnElement[bool] | None = None
) -> pd.DataFrame:
    """`scoring.quarter_sums` of the scored decisions matching `where` (None: all of them).

    Rows come in a fixed order (decisions by id, waste lines by value), so that the sums of a
    team-quarter are the same to the last bit whichever set of decisions they were taken from.
    """
    condition = SCORED if where is None else SCORED & where
    decisions, impacts, waste = decision_frames(session, condition)
    decisions = decisions.sort_values("id", kind="stable", ignore_index=True)
    waste = waste.sort_values(
        ["decision_id", "category_id", "created", "avoided"], kind="stable", ignore_index=True
    )
    return scoring.quarter_sums(decisions, impacts, waste, method)
