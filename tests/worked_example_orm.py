"""Store the worked example of SCORING.md in the database through the ORM, as the app would."""

from __future__ import annotations

import math

import pandas as pd
from flask import Flask

from scorecard.domain.scoring import default_method
from scorecard.extensions import db
from scorecard.models import Decision, Review, StakeholderImpact, WasteLine
from scorecard.services import accounts, reference, score_cache
from tests.domain.worked_example import load_worked_example


def store_worked_example(app: Flask, team_name: str = "Operations") -> dict[str, int]:
    """Add the example's team (if missing) and its five decisions; returns id by external_id."""
    example = load_worked_example()
    with app.app_context(), db.writing() as session:
        team = accounts.team_by_name_or_slug(session, team_name) or accounts.create_team(
            session, None, team_name, None, "The worked example of the scoring method."
        )
        # The example numbers groups and categories as SCORING.md lists them; map them by name.
        method = default_method()
        groups = {g.name: g.id for g in reference.active_groups(session)}
        categories = {c.name: c.id for c in reference.active_categories(session)}
        group_id = {g.id: groups[g.name] for g in method.groups}
        category_id = {c.id: categories[c.name] for c in method.categories}
        ids = {}
        for row in example.decisions.itertuples():
            decision = Decision(
                team_id=team.id,
                title=f"Worked example {row.external_id}",
                external_id=f"{team.slug}-{row.external_id}",
                decided_on=row.decided_on.date(),
                review_due=_day(row.review_due),
                status=row.status,
            )
            for impact in example.impacts[example.impacts["decision_id"] == row.id].itertuples():
                decision.impacts.append(
                    StakeholderImpact(
                        group_id=group_id[impact.group_id],
                        impact=impact.impact,
                        consulted=impact.consulted,
                        actual=None if math.isnan(impact.actual) else int(impact.actual),
                    )
                )
            lines = example.waste[example.waste["decision_id"] == row.id]
            for position, line in enumerate(lines.itertuples()):
                decision.waste_lines.append(
                    WasteLine(
                        category_id=category_id[line.category_id],
                        created=line.created,
                        avoided=line.avoided,
                        position=position,
                    )
                )
            if _day(row.reviewed_on) is not None:
                decision.review = Review(reviewed_on=_day(row.reviewed_on))
            with score_cache.changing(session, decision):
                session.add(decision)
            ids[row.external_id] = decision.id
        return ids


def _day(value: object) -> object:
    return None if value is None or pd.isna(value) else value.date()
