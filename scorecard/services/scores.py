"""Figures from the scoring module, loaded from the database in a few set-based queries."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring
from scorecard.models import Decision, Review, StakeholderImpact, WasteLine
from scorecard.services.reference import current_method

__all__ = ["current_method", "decision_figures", "decision_frames"]

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


def decision_figures(
    session: Session,
    decision_ids: Collection[int],
    *,
    actual: bool = False,
    method: scoring.Method | None = None,
) -> pd.DataFrame:
    """Figures of these decisions (FIGURE_COLUMNS, indexed by id) with the current method."""
    method = method or current_method(session)
    if not decision_ids:
        return pd.DataFrame(
            columns=list(scoring.FIGURE_COLUMNS), index=pd.Index([], name="decision_id")
        )
    decisions, impacts, waste = decision_frames(session, Decision.id.in_(list(decision_ids)))
    return scoring.decision_figures(decisions, impacts, waste, method, actual=actual)
