"""Stage 4: the tables for the dashboard, the CLI and the workbook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scorecard.domain.scoring.kpis import _ratio, improvement, kpis_from_sums
from scorecard.domain.scoring.method import (
    ALL_TEAMS,
    BASE_SUM_COLUMNS,
    IMPROVEMENT_COLUMNS,
    KPI_COLUMNS,
    SUMS_INDEX,
    TEAMS_COLUMNS,
    Category,
    Group,
    Method,
    sum_columns,
)
from scorecard.domain.scoring.sums import quarter_sums

# --- tables for the dashboard, the CLI and the workbook ------------------------------------------


def teams_table(
    sums: pd.DataFrame, method: Method, quarter: int, team_names: Mapping[int, str]
) -> pd.DataFrame:
    """The Teams sheet for one quarter: teams with any scored decision up to it, then All teams.

    Indexed by team_id (<NA> on the All teams row); columns are TEAMS_COLUMNS.
    """
    upto = sums[sums.index.get_level_values(1) <= quarter]
    decided = upto["n"].groupby(level=0).sum()
    team_ids = [int(t) for t in decided.index[decided > 0]]
    team_ids.sort(key=lambda t: (_team_name(team_names, t).casefold(), t))

    teams = upto[upto.index.get_level_values(0).isin(team_ids)]
    wanted = pd.MultiIndex.from_arrays(
        [np.array(team_ids, dtype=np.int64), np.full(len(team_ids), quarter, dtype=np.int64)],
        names=SUMS_INDEX,
    )
    figures = _figures_with_history(teams, method, wanted).reindex(wanted)
    figures.insert(0, "Team", [_team_name(team_names, t) for t in team_ids])

    everyone = team_series(upto, method, None, [quarter])
    everyone.insert(0, "Team", ALL_TEAMS)

    table = pd.concat([figures.reset_index(drop=True), everyone.reset_index(drop=True)])
    table.index = pd.Index([*team_ids, pd.NA], dtype="Int64", name="team_id")
    return _typed_table(table[list(TEAMS_COLUMNS)])


def team_series(
    sums: pd.DataFrame, method: Method, team_id: int | None, quarters: list[int]
) -> pd.DataFrame:
    """KPIs and improvement of one team (None = all teams) for the given quarters."""
    columns = [*KPI_COLUMNS, *IMPROVEMENT_COLUMNS]
    if not quarters:
        return _typed_table(pd.DataFrame(columns=columns, index=pd.Index([], name="quarter")))
    upto = sums[sums.index.get_level_values(1) <= max(quarters)]
    if team_id is not None:
        upto = upto[upto.index.get_level_values(0) == team_id]
    # The series is scored as one pseudo-team 0: for all teams, the sums of every team added.
    per_quarter = upto.groupby(level=1).sum()
    one_team = per_quarter.set_axis(
        pd.MultiIndex.from_arrays(
            [np.zeros(len(per_quarter), dtype=np.int64), per_quarter.index.astype(np.int64)],
            names=SUMS_INDEX,
        )
    )
    wanted = pd.MultiIndex.from_arrays(
        [np.zeros(len(quarters), dtype=np.int64), np.array(quarters, dtype=np.int64)],
        names=SUMS_INDEX,
    )
    series = _figures_with_history(one_team, method, wanted).reindex(wanted)
    series.index = pd.Index(quarters, dtype=np.int64, name="quarter")
    return _typed_table(series[columns])


def series_by_team(
    sums: pd.DataFrame, method: Method, team_ids: Iterable[int], quarters: list[int]
) -> pd.DataFrame:
    """KPIs and improvement of each team for the given quarters, in one pass over the sums.

    Indexed by (team_id, quarter) in the order given; the same figures as `team_series` of
    each team alone.
    """
    teams = [int(t) for t in team_ids]
    columns = [*KPI_COLUMNS, *IMPROVEMENT_COLUMNS]
    wanted = pd.MultiIndex.from_arrays(
        [
            np.repeat(np.array(teams, dtype=np.int64), len(quarters)),
            np.tile(np.array(quarters, dtype=np.int64), len(teams)),
        ],
        names=SUMS_INDEX,
    )
    if not len(wanted):
        return _typed_table(pd.DataFrame(columns=columns, index=wanted))
    upto = sums[
        (sums.index.get_level_values(1) <= max(quarters))
        & sums.index.get_level_values(0).isin(teams)
    ]
    series = _figures_with_history(upto, method, wanted).reindex(wanted)
    return _typed_table(series[columns])


def score_quarter(
    decisions: pd.DataFrame,
    impacts: pd.DataFrame,
    waste: pd.DataFrame,
    method: Method,
    quarter: int,
    team_names: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """The Teams table of a quarter straight from decisions (for the demo and tests)."""
    sums = quarter_sums(decisions, impacts, waste, method)
    return teams_table(sums, method, quarter, team_names or {})


def _figures_with_history(
    sums: pd.DataFrame, method: Method, wanted: pd.MultiIndex
) -> pd.DataFrame:
    """KPIs and improvement over all rows of sums plus the wanted rows (empty if new)."""
    rows = sums.index.union(wanted) if len(sums) else wanted
    sums = sums.reindex(index=rows, columns=list(BASE_SUM_COLUMNS), fill_value=0)
    return improvement(kpis_from_sums(sums, method))


def _typed_table(table: pd.DataFrame) -> pd.DataFrame:
    """Decisions and streak as int, figures as float, Status as text."""
    types = {c: float for c in table.columns if c not in ("Team", "Status")}
    types["Decisions"] = np.int64
    types["Improving streak"] = np.int64
    return table.astype(types)


def _team_name(team_names: Mapping[int, str], team_id: int) -> str:
    return team_names.get(team_id, f"Team {team_id}")


def composite_trends(
    sums: pd.DataFrame, method: Method, quarters: list[int], team_names: Mapping[int, str]
) -> pd.DataFrame:
    """Composite per team (rows, team_id) per quarter (columns, quarter index).

    Only teams with a composite in one of the quarters; NaN where a quarter has none.
    """
    chosen = sums[sums.index.get_level_values(1).isin(quarters)]
    composite = kpis_from_sums(chosen, method)["Composite"]
    table = composite.unstack(level=1) if len(composite) else pd.DataFrame()
    table = table.reindex(columns=pd.Index(quarters, dtype=np.int64, name="quarter"))
    table = table.loc[table.notna().any(axis=1)].astype(float)
    team_ids = sorted(
        (int(t) for t in table.index), key=lambda t: (_team_name(team_names, t).casefold(), t)
    )
    table = table.reindex(pd.Index(team_ids, dtype=np.int64, name="team_id"))
    return table


@dataclass(frozen=True)
class QuarterBreakdown:
    """Per quarter (index: quarter index) of the scored decisions decided in it."""

    groups: pd.DataFrame  # mean impact per stakeholder group (columns: group names)
    waste: pd.DataFrame  # net money avoided per waste category (columns: category names)
    co2e: pd.DataFrame  # net kg CO2e avoided per waste category
    counts: pd.DataFrame  # "Decisions", "Shared value", "Harm"


def breakdown(sums: pd.DataFrame, method: Method, quarters: list[int]) -> QuarterBreakdown:
    """Impact by group, waste by category and counts per quarter, over every row of sums.

    Means and money are empty (NaN) in a quarter without decisions; counts are 0 there.
    """
    columns = sum_columns(method)
    per_quarter = (
        sums.reindex(columns=columns, fill_value=0).groupby(level=1).sum()
        if len(sums)
        else pd.DataFrame(columns=columns, dtype=float)
    )
    index = pd.Index(quarters, dtype=np.int64, name="quarter")
    per_quarter = per_quarter.reindex(index, fill_value=0)
    n = per_quarter["n"].to_numpy(dtype=float)

    def per(prefix: str, items: Iterable[Group | Category], mean: bool) -> pd.DataFrame:
        data = {}
        for item in items:
            values = per_quarter[f"{prefix}_{item.id}_sum"].to_numpy(dtype=float)
            data[item.name] = _ratio(values, n) if mean else np.where(n > 0, values, np.nan)
        return pd.DataFrame(data, index=index, columns=[i.name for i in items], dtype=float)

    counts = pd.DataFrame(
        {
            "Decisions": per_quarter["n"].to_numpy(dtype=np.int64),
            "Shared value": per_quarter["shared_n"].to_numpy(dtype=np.int64),
            "Harm": per_quarter["harm_n"].to_numpy(dtype=np.int64),
        },
        index=index,
    )
    return QuarterBreakdown(
        groups=per("group", method.groups, mean=True),
        waste=per("waste", method.categories, mean=False),
        co2e=per("co2e", method.categories, mean=False),
        counts=counts,
    )
