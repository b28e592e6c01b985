"""The dashboards' panel of figures beside the scoring method: stakeholders' own voice."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from scorecard.domain import voice
from scorecard.domain.quarters import Quarter
from scorecard.services import scores, voice_figures
from scorecard.views.charts import figure_value


def beside_context(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None
) -> dict[str, Any]:
    """Heard % and the estimate gaps of the quarter: a row per team, All teams last."""
    method = scores.current_method(session)
    table = voice_figures.beside_table(session, quarter, team_ids)
    rows = []
    for team_id, record in zip(table.index, table.to_dict("records"), strict=True):
        rows.append(
            {
                "team_id": None if pd.isna(team_id) else int(team_id),
                "team": record["Team"],
                "base": int(record[voice.HEARD_BASE]),
                "heard": figure_value(record[voice.HEARD]),
                "gaps": [
                    (g.name, figure_value(record[voice.gap_column(g.name)])) for g in method.groups
                ],
            }
        )
    return {"beside": {"rows": rows, "min_answers": voice.MIN_ANSWERS}}
