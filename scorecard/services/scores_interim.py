"""Stand-in for the scores service's dashboard API until it lands: same names, same shapes.

It rescans the decisions of the scope on every call; the real service keeps per team-quarter
sums. Delete this file and import scorecard.services.scores once main has it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.models import Decision, Team
from scorecard.services.reference import current_method
from scorecard.services.scores import decision_frames


@dataclass(frozen=True)
class TeamsTable:
    quarter: Quarter
    method_version: int
    rows: pd.DataFrame
    slugs: dict[int, str]


@dataclass(frozen=True)
class Breakdown:
    method_version: int
    groups: pd.DataFrame
    waste: pd.DataFrame
    co2e: pd.DataFrame
    counts: pd.DataFrame


def _sums(
    session: Session, team_ids: Collection[int] | None
) -> tuple[pd.DataFrame, scoring.Method]:
    method = current_method(session)
    where = sa.true() if team_ids is None else Decision.team_id.in_(list(team_ids))
    decisions, impacts, waste = decision_frames(session, where)
    return scoring.quarter_sums(decisions, impacts, waste, method), method


def _teams(session: Session, team_ids: Collection[int] | None) -> list[Team]:
    query = sa.select(Team).order_by(Team.name)
    if team_ids is not None:
        query = query.where(Team.id.in_(list(team_ids)))
    return list(session.scalars(query))


def teams_table(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None = None
) -> TeamsTable:
    sums, method = _sums(session, team_ids)
    teams = _teams(session, team_ids)
    rows = scoring.teams_table(sums, method, quarter.index, {t.id: t.name for t in teams})
    return TeamsTable(quarter, method.version, rows, {t.id: t.slug for t in teams})


def team_series(
    session: Session,
    team_id: int | None,
    quarters: Sequence[Quarter],
    team_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    sums, method = _sums(session, team_ids)
    series = scoring.team_series(sums, method, team_id, [q.index for q in quarters])
    series.index = pd.Index([str(q) for q in quarters], name="quarter")
    return series


def composite_trends(
    session: Session, quarters: Sequence[Quarter], team_ids: Collection[int] | None = None
) -> pd.DataFrame:
    sums, method = _sums(session, team_ids)
    names = {t.id: t.name for t in _teams(session, team_ids)}
    upto = sums[sums.index.get_level_values(1) <= quarters[-1].index]
    decided = upto["n"].groupby(level=0).sum()
    rows = {}
    for team_id in decided.index[decided > 0]:
        series = scoring.team_series(sums, method, int(team_id), [q.index for q in quarters])
        rows[names.get(int(team_id), f"Team {team_id}")] = series["Composite"].to_numpy()
    columns = [str(q) for q in quarters]
    if not rows:
        return pd.DataFrame(columns=columns, dtype=float)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    return frame.sort_index(key=lambda s: s.str.casefold())


def breakdown(
    session: Session,
    quarters: Sequence[Quarter],
    team_id: int | None = None,
    team_ids: Collection[int] | None = None,
) -> Breakdown:
    sums, method = _sums(session, team_ids)
    if team_id is not None:
        sums = sums[sums.index.get_level_values(0) == team_id]
    per_quarter = sums.groupby(level=1).sum().reindex([q.index for q in quarters], fill_value=0)
    labels = pd.Index([str(q) for q in quarters], name="quarter")
    n = per_quarter["n"].to_numpy(dtype=float)

    def frame(columns: dict[str, pd.Series]) -> pd.DataFrame:
        return pd.DataFrame({k: v.to_numpy(dtype=float) for k, v in columns.items()}, index=labels)

    groups = frame({g.name: per_quarter[f"group_{g.id}_sum"] for g in method.groups})
    groups = groups.div(pd.Series(n, index=labels).where(lambda s: s > 0), axis=0)
    waste = frame({c.name: per_quarter[f"waste_{c.id}_sum"] for c in method.categories})
    co2e = frame({c.name: per_quarter[f"co2e_{c.id}_sum"] for c in method.categories})
    counts = pd.DataFrame(
        {
            "Decisions": per_quarter["n"].to_numpy(),
            "Shared value": per_quarter["shared_n"].to_numpy(),
            "Harm": per_quarter["harm_n"].to_numpy(),
        },
        index=labels,
    )
    return Breakdown(method.version, groups, waste, co2e, counts)
