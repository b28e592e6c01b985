"""The figures beside the scoring method that stakeholders' answers make: Heard % and the
estimate gap per group (SCORING.md, "Beside the method"), for the dashboard and the workbook.

Computed by domain.voice from the scoring module's stored sums (the decisions that affect a
group) and from the answers of the quarter's decisions, read in one grouped query.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring, voice
from scorecard.domain.quarters import Quarter
from scorecard.models import Answer, Consultation, Decision, StakeholderImpact, Team
from scorecard.services import scores


def beside_table(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """A row per team with a decision affecting a group in the quarter, then All teams;
    columns Team and `voice.beside_columns(method)`. Index: team_id, <NA> on All teams."""
    method = scores.current_method(session)
    sums = scores.sums_of_team_quarters(session, team_ids, upto=quarter)
    names = {t: name for t, name in session.execute(sa.select(Team.id, Team.name))}
    heard = voice.heard_sums(*_answered_decisions(session, quarter, team_ids), method)
    return voice.beside_table(sums, heard, method, quarter.index, names)


def _answered_decisions(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The scored decisions of the quarter that stakeholders answered, their impacts, and their
    answers' count and sum per group."""
    where = [
        Decision.decided_on >= quarter.start,
        Decision.decided_on <= quarter.end,
        Decision.status.in_(scoring.SCORED_STATUSES),
        ~Decision.archived,
    ]
    if team_ids is not None:
        where.append(Decision.team_id.in_(sorted(team_ids)))
    answered = session.execute(
        sa.select(
            Consultation.decision_id,
            Consultation.group_id,
            sa.func.count(Answer.id),
            sa.func.sum(Answer.rating),
        )
        .join(Answer, Answer.consultation_id == Consultation.id)
        .join(Decision, Decision.id == Consultation.decision_id)
        .where(*where)
        .group_by(Consultation.decision_id, Consultation.group_id)
    ).all()
    answers = pd.DataFrame(answered, columns=["decision_id", "group_id", "count", "total"])
    ids = sorted({int(i) for i in answers["decision_id"]})
    decisions = pd.DataFrame(
        session.execute(
            sa.select(
                Decision.id,
                Decision.team_id,
                Decision.status,
                Decision.archived,
                Decision.decided_on,
            ).where(Decision.id.in_(ids))
        ).all(),
        columns=["id", "team_id", "status", "archived", "decided_on"],
    )
    impacts = pd.DataFrame(
        session.execute(
            sa.select(
                StakeholderImpact.decision_id, StakeholderImpact.group_id, StakeholderImpact.impact
            ).where(StakeholderImpact.decision_id.in_(ids))
        ).all(),
        columns=["decision_id", "group_id", "impact"],
    )
    decisions["decided_on"] = pd.to_datetime(decisions["decided_on"])
    return decisions, impacts, answers
