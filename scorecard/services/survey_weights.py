"""Group weights proposed by a survey round: what they would be, how each team's composite
would change (computed by the scoring module with the proposed method), and adopting them as
a new method version, as every weight change is (reference.new_version)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.domain import scoring
from scorecard.domain import survey as rules
from scorecard.domain.quarters import Quarter
from scorecard.models import MethodVersion, StakeholderGroup, Team, User
from scorecard.models_surveys import SurveyRound
from scorecard.services import audit, reference, scores, surveys
from scorecard.services.score_inputs import sums_of_decisions


class NothingToAdopt(ValueError):
    """The round proposes no weight that differs from the current ones."""


@dataclass(frozen=True)
class GroupWeight:
    group: StakeholderGroup
    current: float
    proposed: float
    rated: int  # responses that rated the group

    @property
    def changed(self) -> bool:
        return abs(self.current - self.proposed) > 1e-12


@dataclass(frozen=True)
class CompositeChange:
    team: str
    team_id: int | None  # None: All teams
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class Proposal:
    survey: SurveyRound
    respondents: int  # 0 when there are too few to propose anything
    weights: list[GroupWeight]
    quarter: Quarter
    composites: list[CompositeChange]
    method_version: int

    @property
    def changes_anything(self) -> bool:
        return any(w.changed for w in self.weights)


def _proposed(session: Session, survey: SurveyRound) -> tuple[int, list[GroupWeight]]:
    results = surveys.organisation_results(session, survey)
    groups = reference.active_groups(session)
    proposed = {
        p.group_id: p.proposed
        for p in rules.proposed_weights(results, {g.id: g.weight for g in groups})
    }
    return (
        results.respondents if results else 0,
        [
            GroupWeight(
                group=g,
                current=g.weight,
                proposed=proposed[g.id],
                rated=(results.group(g.id).rated if results and results.group(g.id) else 0),
            )
            for g in groups
        ],
    )


def _with_weights(method: scoring.Method, weights: dict[int, float]) -> scoring.Method:
    groups = tuple(
        dataclasses.replace(g, weight=weights.get(g.id, g.weight)) for g in method.groups
    )
    return dataclasses.replace(method, version=method.version + 1, groups=groups)


def _composites(table: pd.DataFrame) -> dict[int | None, float | None]:
    return {
        (None if pd.isna(team) else int(team)): (None if pd.isna(value) else float(value))
        for team, value in table["Composite"].items()
    }


def composite_changes(
    session: Session, quarter: Quarter, weights: dict[int, float]
) -> list[CompositeChange]:
    """Each team's composite of the quarter now and with these group weights, then All teams.

    The proposed figures come from the sums of every decision under the proposed method, as
    the stored sums would be rebuilt after adopting it (nothing is stored here)."""
    now = scores.teams_table(session, quarter)
    method = _with_weights(scores.current_method(session), weights)
    names = dict(session.execute(sa.select(Team.id, Team.name)).all())
    after = scoring.teams_table(sums_of_decisions(session, method), method, quarter.index, names)
    before_by_team, after_by_team = _composites(now.rows), _composites(after)
    teams = list(now.rows["Team"].items())
    return [
        CompositeChange(
            team=str(name),
            team_id=None if pd.isna(team) else int(team),
            before=before_by_team.get(None if pd.isna(team) else int(team)),
            after=after_by_team.get(None if pd.isna(team) else int(team)),
        )
        for team, name in teams
    ]


def proposal(session: Session, user: User, survey: SurveyRound, quarter: Quarter) -> Proposal:
    if not permissions.can_manage_surveys(user):
        raise surveys.SurveyForbidden("only admins propose weights")
    respondents, weights = _proposed(session, survey)
    return Proposal(
        survey=survey,
        respondents=respondents,
        weights=weights,
        quarter=quarter,
        composites=composite_changes(session, quarter, {w.group.id: w.proposed for w in weights}),
        method_version=scores.current_method(session).version,
    )


def adopt(session: Session, actor: User, survey: SurveyRound) -> MethodVersion:
    """Give each group its proposed weight and freeze the result as a new method version."""
    if not permissions.can_manage_surveys(actor):
        raise surveys.SurveyForbidden("only admins adopt weights")
    _, weights = _proposed(session, survey)
    changed = [w for w in weights if w.changed]
    if not changed:
        raise NothingToAdopt("The round proposes the weights the groups have already.")
    for item in changed:
        before = {"weight": item.group.weight}
        item.group.weight = item.proposed
        audit.record(
            session,
            actor,
            "stakeholder_group",
            item.group.id,
            "update",
            {"before": before, "after": {"weight": item.proposed}, "survey_round": survey.id},
        )
    version = reference.new_version(
        session, actor, f"Group weights from the survey round “{survey.title}”"[:300]
    )
    survey.adopted_version = version.number
    session.flush()
    return version
