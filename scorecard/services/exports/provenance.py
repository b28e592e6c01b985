"""Where each figure of a scorecard comes from: for each team and figure, the decisions behind
it (read one team at a time, so memory follows the largest team, not the quarter), and the head
of the audit hash chain when the workbook was made."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring, workbook
from scorecard.domain.quarters import Quarter
from scorecard.models import AuditEvent, Decision, Review
from scorecard.services import audit, queries


def audit_head(session: Session) -> str:
    """The hash of the newest audit event (the chain's start when there is none)."""
    newest = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return newest or audit.GENESIS


def provenance_rows(
    session: Session, quarter: Quarter, teams: pd.DataFrame, cut: date | None = None
) -> Iterator[list[Any]]:
    """Rows of the Provenance sheet (`workbook.PROVENANCE_COLUMNS` up to References), for every
    team row of the Teams table; the All teams row rests on the rows above it. A quarter in
    progress is cut at `cut`, as its figures are: nothing after that day is behind them."""
    for team_id, record in zip(teams.index, teams.itertuples(index=False), strict=True):
        values = dict(zip(teams.columns, record, strict=True))
        if pd.isna(team_id):
            for figure in workbook.PROVENANCE_FIGURES:
                yield [scoring.ALL_TEAMS, figure, values[figure], None, workbook.EVERY_TEAM_ABOVE]
            continue
        behind = _decisions_behind(session, int(team_id), quarter, cut)
        for figure in workbook.PROVENANCE_FIGURES:
            refs = behind.get(workbook.FIGURE_BASIS.get(figure, ""))
            if refs is None:
                yield [values["Team"], figure, values[figure], None, workbook.EARLIER_QUARTERS]
                continue
            for part in workbook.reference_parts(refs):
                yield [values["Team"], figure, values[figure], len(refs), part]


def _decisions_behind(
    session: Session, team_id: int, quarter: Quarter, cut: date | None
) -> dict[str, list[str]]:
    """The team's scored decisions counted in the quarter (up to `cut`), by basis: decided in
    it ("decided"), review due in it ("due"), reviewed in it ("reviewed"), and any of these."""
    first, last = quarter.start, quarter.end if cut is None else min(cut, quarter.end)
    in_quarter = lambda column: sa.and_(column >= first, column <= last)  # noqa: E731
    query = (
        sa.select(Decision.id, Decision.external_id, Decision.decided_on, Decision.review_due)
        .add_columns(Review.reviewed_on)
        .outerjoin(Review, Review.decision_id == Decision.id)
        .where(
            Decision.team_id == team_id,
            queries.SCORED,
            sa.or_(
                in_quarter(Decision.decided_on),
                in_quarter(Decision.review_due),
                in_quarter(Review.reviewed_on),
            ),
        )
        .order_by(Decision.decided_on, Decision.id)
    )
    behind: dict[str, list[str]] = {"decided": [], "due": [], "reviewed": [], "any": []}
    for decision_id, external_id, decided_on, review_due, reviewed_on in session.execute(query):
        ref = workbook.reference(decision_id, external_id)
        behind["any"].append(ref)
        if first <= decided_on <= last:
            behind["decided"].append(ref)
        if review_due is not None and first <= review_due <= last:
            behind["due"].append(ref)
        if reviewed_on is not None and first <= reviewed_on <= last:
            behind["reviewed"].append(ref)
    return behind
