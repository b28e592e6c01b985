"""The scoring method of SCORING.md, by stage (method, decisions, sums, kpis, tables): figures of a decision, team-quarter sums, KPIs, improvement.

Everything here is pure and vectorised: DataFrames in, DataFrames out, no loop per decision.
The per-(team, quarter) sums are additive, so they can be stored, added over teams and
turned into KPIs later; every figure the app shows comes from these functions.
"""

from __future__ import annotations

from scorecard.domain.scoring.counted import (  # noqa: F401
    CONSULTATION,
    KPI_COUNTS,
    QUERY_NAMES,
    Counted,
    as_query,
    counted_by,
    matching,
)
from scorecard.domain.scoring.decisions import (  # noqa: F401
    ROW_COLUMNS,
    decision_figures,
    row_figures,
)
from scorecard.domain.scoring.explain import (  # noqa: F401
    RATIOS,
    Parts,
    averaged_over,
    kpi_parts,
)
from scorecard.domain.scoring.kpis import (  # noqa: F401
    WEIGHED_KPIS,
    compare_with_cut,
    composite_parts,
    improvement,
    kpis_from_sums,
)
from scorecard.domain.scoring.method import (  # noqa: F401
    ALL_TEAMS,
    BASE_SUM_COLUMNS,
    COMPARE_DECIMALS,
    COUNT_SUM_COLUMNS,
    DECISION_COLUMNS,
    DECLINING,
    DEFAULT_CATEGORIES,
    DEFAULT_GROUPS,
    DEFAULT_WEIGHTS,
    FIGURE_COLUMNS,
    HARM_AT,
    IMPACT_COLUMNS,
    IMPROVEMENT_COLUMNS,
    IMPROVING,
    KPI_COLUMNS,
    MAX_CALIBRATION_ERROR,
    MAX_IMPACT,
    SCORED_STATUSES,
    SUMS_INDEX,
    TEAMS_COLUMNS,
    WASTE_COLUMNS,
    WEIGHT_KEYS,
    Category,
    Group,
    Method,
    default_method,
    sum_columns,
    sums_key,
)
from scorecard.domain.scoring.progress import (  # noqa: F401
    Cut,
    Progress,
    progress,
    with_cut,
)
from scorecard.domain.scoring.sums import (  # noqa: F401
    as_sums,
    contributions,
    quarter_sums,
    signed_cell_sums,
)
from scorecard.domain.scoring.tables import (  # noqa: F401
    QuarterBreakdown,
    breakdown,
    composite_trends,
    score_quarter,
    series_by_team,
    team_series,
    teams_table,
)
