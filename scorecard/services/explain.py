"""Why a number is what it is: the decisions behind a KPI of a team-quarter, each one's part
in it and in its change, from the same rows the scores add up (`scoring.contributions`)."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.models import Decision, Team
from scorecard.services import queries, scores
from scorecard.services.decision_log import candidates

MOVERS = 5


@dataclass(frozen=True)
class DecisionPart:
    """One decision behind a KPI: its own figure, its part in the KPI and in its change."""

    id: int
    title: str
    team: str
    decided_on: date
    own: float | None
    contribution: float | None
    push: float | None


@dataclass(frozen=True)
class CompositePart:
    """One KPI's points in the composite, this quarter and the one compared with."""

    kpi: str
    weight: float
    points: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.points is None or self.previous is None:
            return None
        return self.points - self.previous


@dataclass(frozen=True)
class Why:
    kpi: str
    quarter: Quarter
    value: float | None
    previous: float | None
    progress: scoring.Progress | None
    method_version: int
    decisions: list[DecisionPart]  # those the KPI is made of, largest part first
    up: list[DecisionPart]  # the decisions that pushed it up most against last quarter
    down: list[DecisionPart]
    composite: list[CompositePart]  # for the composite: each KPI's points
    counted: scoring.Counted  # the decisions the figure counts, as log filters

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def why(
    session: Session,
    kpi: str,
    quarter: Quarter,
    team_ids: Collection[int] | None,
    *,
    today: date,
) -> Why:
    """The KPI of these teams together (None: every team) in the quarter, explained."""
    if kpi not in scoring.KPI_COUNTS:
        raise ValueError(f"unknown KPI {kpi!r}")
    method = scores.current_method(session)
    row = scores.team_series(session, None, [quarter], team_ids, today=today).loc[str(quarter)]
    previous = scores.compared_with(session, quarter, None, team_ids, today=today)
    value, before = _number(row[kpi]), _number(previous[kpi])
    composite: list[CompositePart] = []
    if kpi == "Composite":
        now, then = scoring.composite_parts(row, method), scoring.composite_parts(previous, method)
        composite = [
            CompositePart(name, method.weights[key], _number(now[key]), _number(then[key]))
            for key, name in scoring.WEIGHED_KPIS.items()
        ]
    parts = _decisions(session, kpi, quarter, team_ids, before, today, method)
    pushed = [p for p in parts if p.push is not None]
    return Why(
        kpi=kpi,
        quarter=quarter,
        value=value,
        previous=before,
        progress=scores.progress_of(quarter, today),
        method_version=method.version,
        decisions=parts,
        up=sorted((p for p in pushed if p.push > 0), key=lambda p: -p.push)[:MOVERS],
        down=sorted((p for p in pushed if p.push < 0), key=lambda p: p.push)[:MOVERS],
        composite=composite,
        counted=scoring.counted_by(kpi, quarter.index),
    )


def _decisions(
    session: Session,
    kpi: str,
    quarter: Quarter,
    team_ids: Collection[int] | None,
    previous: float | None,
    today: date,
    method: scoring.Method,
) -> list[DecisionPart]:
    """The decisions the KPI is made of, with their parts (none for the composite)."""
    if kpi == "Composite":
        kpi = "Decisions"  # its decisions, listed; their parts are those of its KPIs
        previous = None
    over = scoring.averaged_over(kpi, quarter.index)
    where = sa.and_(queries.SCORED, queries.in_teams(team_ids), *candidates(over))
    decisions, impacts, waste = scores.decision_frames(session, where)
    contributions = scoring.contributions(decisions, impacts, waste, method, upto=today)
    chosen = contributions.loc[scoring.matching(contributions, over)]
    explained = scoring.kpi_parts(chosen, kpi, previous).rows
    facts = _facts(session, [int(i) for i in explained.index])
    result = []
    for decision_id, values in explained.iterrows():
        title, team, decided_on = facts[int(decision_id)]
        result.append(
            DecisionPart(
                int(decision_id),
                title,
                team,
                decided_on,
                _number(values["own"]),
                _number(values["contribution"]),
                _number(values["push"]),
            )
        )
    result.sort(key=lambda p: (-(abs(p.contribution or 0)), p.decided_on, p.id))
    return result


def _facts(session: Session, ids: list[int]) -> dict[int, tuple[str, str, date]]:
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Decision.id, Decision.title, Team.name, Decision.decided_on)
        .join(Team, Team.id == Decision.team_id)
        .where(Decision.id.in_(ids))
    )
    return {i: (title, team, decided_on) for i, title, team, decided_on in rows}
