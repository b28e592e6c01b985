"""The scoring method of SCORING.md: figures of a decision, team-quarter sums, KPIs, improvement.

Everything here is pure and vectorised: DataFrames in, DataFrames out, no loop per decision.
The per-(team, quarter) sums are additive, so they can be stored, added over teams and
turned into KPIs later; every figure the app shows comes from these functions.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scorecard.domain.quarters import quarter_index

SCORED_STATUSES = ("decided", "reviewed")
WEIGHT_KEYS = ("impact", "shared", "harm", "waste", "consultation", "review", "calibration")
DEFAULT_WEIGHTS: dict[str, float] = {
    "impact": 30,
    "shared": 20,
    "harm": 10,
    "waste": 20,
    "consultation": 10,
    "review": 10,
    "calibration": 0,
}
IMPROVING, DECLINING = 2.0, -2.0
# Figures are rounded to this many decimals before a comparison, so float noise never flips one.
COMPARE_DECIMALS = 9
MAX_IMPACT = 3
HARM_AT = -2
MAX_CALIBRATION_ERROR = 6

KPI_COLUMNS = (
    "Decisions",
    "Impact index",
    "Shared value %",
    "Harm %",
    "Waste-neutral %",
    "Net waste avoided",
    "Net CO2e avoided (kg)",
    "Consultation %",
    "Review %",
    "Calibration error",
    "Composite",
)
IMPROVEMENT_COLUMNS = (
    "Previous composite",
    "Change",
    "Trend per quarter",
    "Improving streak",
    "Status",
)
TEAMS_COLUMNS = ("Team", *KPI_COLUMNS, *IMPROVEMENT_COLUMNS)
ALL_TEAMS = "All teams"
FIGURE_COLUMNS = (
    "impact_index",
    "societal_index",
    "business_index",
    "harm",
    "shared_value",
    "net_waste",
    "net_co2e",
    "coverage",
)
BASE_SUM_COLUMNS = (
    "n",
    "impact_sum",
    "shared_n",
    "harm_n",
    "waste_neutral_n",
    "net_waste_sum",
    "net_co2e_sum",
    "coverage_sum",
    "coverage_n",
    "review_due_n",
    "reviewed_in_time_n",
    "calibration_abs_sum",
    "calibration_n",
)
COUNT_SUM_COLUMNS = frozenset(c for c in BASE_SUM_COLUMNS if c == "n" or c.endswith("_n"))
SUMS_INDEX = ("team_id", "quarter")

_DECISION_COLUMNS = (
    "id",
    "team_id",
    "status",
    "archived",
    "decided_on",
    "review_due",
    "reviewed_on",
)
_IMPACT_COLUMNS = ("decision_id", "group_id", "impact", "consulted")
_WASTE_COLUMNS = ("decision_id", "category_id", "created", "avoided")


@dataclass(frozen=True)
class Group:
    """A stakeholder group; owner groups make up the business side."""

    id: int
    name: str
    weight: float
    is_owner: bool


@dataclass(frozen=True)
class Category:
    """A waste category with its money and CO2e factors per unit."""

    id: int
    name: str
    unit: str
    unit_cost: float
    co2e_per_unit: float


@dataclass(frozen=True)
class Method:
    """One version of the scoring settings: active groups, categories, composite weights."""

    version: int
    groups: tuple[Group, ...]
    categories: tuple[Category, ...]
    weights: Mapping[str, float]

    def __post_init__(self) -> None:
        missing = [k for k in WEIGHT_KEYS if k not in self.weights]
        unknown = sorted(set(self.weights) - set(WEIGHT_KEYS))
        if missing or unknown:
            raise ValueError(
                f"composite weights must name exactly {', '.join(WEIGHT_KEYS)}"
                f" (missing: {missing or 'none'}, unknown: {unknown or 'none'})"
            )
        for key, value in self.weights.items():
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"composite weight {key} must be a number >= 0, got {value}")
        for group in self.groups:
            if not (math.isfinite(group.weight) and group.weight > 0):
                raise ValueError(f"weight of group {group.name} must be > 0, got {group.weight}")
        if len({g.id for g in self.groups}) != len(self.groups):
            raise ValueError("stakeholder group ids must be unique")
        if len({c.id for c in self.categories}) != len(self.categories):
            raise ValueError("waste category ids must be unique")
        # A private copy, so that changing the caller's dict cannot change a method version.
        object.__setattr__(self, "weights", {k: float(self.weights[k]) for k in WEIGHT_KEYS})

    def __hash__(self) -> int:
        # The weights dict is not hashable; hashing its items keeps a method usable as a cache key.
        return hash((self.version, self.groups, self.categories, tuple(self.weights.items())))


def default_method(version: int = 1) -> Method:
    """The defaults of SCORING.md: groups 1..5 and categories 1..6 in its order."""
    groups = tuple(
        Group(i, name, 1.0, name == "Owners")
        for i, name in enumerate(("Workers", "Customers", "Communities", "Nature", "Owners"), 1)
    )
    categories = tuple(
        Category(i, name, unit, cost, co2e)
        for i, (name, unit, cost, co2e) in enumerate(
            (
                ("Materials", "kg", 2.0, 1.5),
                ("Energy", "kWh", 0.3, 0.4),
                ("Water", "m3", 2.5, 0.3),
                ("Travel", "km", 0.6, 0.17),
                ("Staff time", "h", 50.0, 0.0),
                ("Spend", "$", 1.0, 0.0),
            ),
            1,
        )
    )
    return Method(version, groups, categories, dict(DEFAULT_WEIGHTS))


def sum_columns(method: Method) -> list[str]:
    """The columns of `quarter_sums` for this method, in order."""
    return [
        *BASE_SUM_COLUMNS,
        *(f"group_{g.id}_sum" for g in method.groups),
        *(f"waste_{c.id}_sum" for c in method.categories),
        *(f"co2e_{c.id}_sum" for c in method.categories),
    ]


def sums_key(method: Method) -> str:
    """A fingerprint of the settings that `quarter_sums` depends on: groups and categories.

    Composite weights are left out: they only weigh KPIs made from the sums, so sums kept
    under one method version stay valid under the next if only the weights changed.
    """
    settings = {
        "groups": [[g.id, g.weight, g.is_owner] for g in method.groups],
        "categories": [[c.id, c.unit_cost, c.co2e_per_unit] for c in method.categories],
    }
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- figures of decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class _Scores:
    """Figures of n decisions as arrays aligned with their ids."""

    ids: pd.Index
    estimate: np.ndarray  # (n, groups) impacts as estimated
    actual: np.ndarray  # (n, groups) actual impacts, NaN where not assessed
    figures: pd.DataFrame  # FIGURE_COLUMNS, indexed by ids
    money: np.ndarray  # (n, categories) net money avoided
    co2e: np.ndarray  # (n, categories) net kg CO2e avoided


def decision_figures(
    decisions: pd.DataFrame,
    impacts: pd.DataFrame,
    waste: pd.DataFrame,
    method: Method,
    *,
    actual: bool = False,
) -> pd.DataFrame:
    """Figures of every decision, whatever its status, indexed by decision id.

    With actual=True, assessed actual impacts and waste replace the estimates ("what really
    happened"); coverage then counts the groups that were really affected.
    """
    _require(decisions, "decisions", ("id",))
    ids = _unique_ids(decisions["id"])
    return _score(ids, impacts, waste, method, actual=actual).figures


def _score(
    ids: pd.Index, impacts: pd.DataFrame, waste: pd.DataFrame, method: Method, *, actual: bool
) -> _Scores:
    estimate, consulted, assessed = _impact_matrices(ids, impacts, method.groups)
    effective = np.where(np.isnan(assessed), estimate, assessed) if actual else estimate
    weights = np.array([g.weight for g in method.groups], dtype=float)
    owner = np.array([g.is_owner for g in method.groups], dtype=bool)

    impact_index = _index(effective, weights)
    societal = _index(effective[:, ~owner], weights[~owner])
    business = _index(effective[:, owner], weights[owner])
    harm = (effective <= HARM_AT).any(axis=1)
    business_ok = _positive(business) if owner.any() else np.ones(len(ids), dtype=bool)
    shared = _positive(societal) & business_ok & ~harm

    affected = effective != 0
    n_affected = affected.sum(axis=1)
    n_consulted = (affected & consulted).sum(axis=1)
    coverage = np.full(len(ids), np.nan)
    np.divide(100.0 * n_consulted, n_affected, out=coverage, where=n_affected > 0)

    net_units = _waste_matrix(ids, waste, method.categories, actual=actual)
    # Adding 0.0 turns -0.0 (avoided 0 of a free category) into 0.0 for display.
    money = net_units * np.array([c.unit_cost for c in method.categories], dtype=float) + 0.0
    co2e = net_units * np.array([c.co2e_per_unit for c in method.categories], dtype=float) + 0.0

    figures = pd.DataFrame(
        {
            "impact_index": impact_index,
            "societal_index": societal,
            "business_index": business,
            "harm": harm,
            "shared_value": shared,
            "net_waste": money.sum(axis=1),
            "net_co2e": co2e.sum(axis=1),
            "coverage": coverage,
        },
        index=ids,
    )
    return _Scores(ids, estimate, assessed, figures, money, co2e)


def _index(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`100 · Σ w·impact / (3 · Σ w)` per row; NaN when there is no group to weigh."""
    if weights.size == 0:
        return np.full(matrix.shape[0], np.nan)
    return 100.0 * (matrix @ weights) / (MAX_IMPACT * weights.sum())


def _positive(values: np.ndarray) -> np.ndarray:
    """values > 0, ignoring float noise; NaN is not positive."""
    return np.round(values, COMPARE_DECIMALS) > 0


def _impact_matrices(
    ids: pd.Index, impacts: pd.DataFrame, groups: tuple[Group, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate, consulted and actual per (decision, group); a missing row is 0, not consulted.

    One row per (decision, group) is expected, as the database keeps it; of duplicates the
    last one counts.
    """
    _require(impacts, "impacts", _IMPACT_COLUMNS)
    shape = (len(ids), len(groups))
    estimate = np.zeros(shape)
    consulted = np.zeros(shape, dtype=bool)
    actual = np.full(shape, np.nan)
    rows = ids.get_indexer(impacts["decision_id"])
    cols = pd.Index([g.id for g in groups]).get_indexer(impacts["group_id"])
    # Rows of other decisions, or of groups outside the method, are ignored.
    keep = (rows >= 0) & (cols >= 0)
    at = (rows[keep], cols[keep])
    estimate[at] = _numbers(impacts["impact"], fill=0.0)[keep]
    consulted[at] = _flags(impacts["consulted"])[keep]
    if "actual" in impacts:
        actual[at] = _numbers(impacts["actual"])[keep]
    return estimate, consulted, actual


def _waste_matrix(
    ids: pd.Index, waste: pd.DataFrame, categories: tuple[Category, ...], *, actual: bool
) -> np.ndarray:
    """Net units avoided per (decision, category), all lines of a category added."""
    _require(waste, "waste", _WASTE_COLUMNS)
    created = _numbers(waste["created"], fill=0.0)
    avoided = _numbers(waste["avoided"], fill=0.0)
    if actual:
        created = _prefer(waste, "actual_created", created)
        avoided = _prefer(waste, "actual_avoided", avoided)
    rows = ids.get_indexer(waste["decision_id"])
    cols = pd.Index([c.id for c in categories]).get_indexer(waste["category_id"])
    keep = (rows >= 0) & (cols >= 0)
    width = len(categories)
    flat = np.bincount(
        rows[keep] * width + cols[keep],
        weights=(avoided - created)[keep],
        minlength=len(ids) * width,
    )
    return flat.reshape(len(ids), width)


def _prefer(frame: pd.DataFrame, column: str, fallback: np.ndarray) -> np.ndarray:
    """The column's values where assessed (not NaN), else the fallback."""
    if column not in frame:
        return fallback
    values = _numbers(frame[column])
    return np.where(np.isnan(values), fallback, values)


def _numbers(series: pd.Series, fill: float = np.nan) -> np.ndarray:
    values = pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan)
    return values if math.isnan(fill) else np.where(np.isnan(values), fill, values)


def _flags(series: pd.Series) -> np.ndarray:
    # Anything but a true value (None, NaN, False) means "no".
    return series.eq(True).fillna(False).to_numpy(dtype=bool)


def _unique_ids(ids: pd.Series) -> pd.Index:
    index = pd.Index(ids, name="decision_id")
    if not index.is_unique:
        raise ValueError("decision ids must be unique")
    return index


def _require(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"{name} is missing the columns {', '.join(missing)}")


# --- per (team, quarter) sums ----------------------------------------------------------------


def quarter_sums(
    decisions: pd.DataFrame, impacts: pd.DataFrame, waste: pd.DataFrame, method: Method
) -> pd.DataFrame:
    """Additive sums per (team_id, quarter index) of the scored decisions.

    Decision counts and figures go by the quarter of decided_on, the review counts by that of
    review_due, calibration by that of reviewed_on. Adding rows over teams gives all teams.
    """
    _require(decisions, "decisions", _DECISION_COLUMNS)
    _unique_ids(decisions["id"])
    scored_mask = decisions["status"].isin(SCORED_STATUSES) & ~decisions["archived"].eq(True)
    scored = decisions.loc[scored_mask.to_numpy(dtype=bool)]
    scores = _score(_unique_ids(scored["id"]), impacts, waste, method, actual=False)
    team = scored["team_id"].to_numpy()
    figures = scores.figures

    decided = pd.DataFrame(
        {
            "n": 1,
            "impact_sum": figures["impact_index"].to_numpy(),
            "shared_n": figures["shared_value"].to_numpy(dtype=int),
            "harm_n": figures["harm"].to_numpy(dtype=int),
            "waste_neutral_n": _neutral(figures["net_waste"].to_numpy()).astype(int),
            "net_waste_sum": figures["net_waste"].to_numpy(),
            "net_co2e_sum": figures["net_co2e"].to_numpy(),
            "coverage_sum": np.nan_to_num(figures["coverage"].to_numpy(), nan=0.0),
            "coverage_n": figures["coverage"].notna().to_numpy(dtype=int),
        }
        | {f"group_{g.id}_sum": scores.estimate[:, j] for j, g in enumerate(method.groups)}
        | {f"waste_{c.id}_sum": scores.money[:, j] for j, c in enumerate(method.categories)}
        | {f"co2e_{c.id}_sum": scores.co2e[:, j] for j, c in enumerate(method.categories)},
        index=figures.index,
    )

    due_q = quarter_index(scored["review_due"]).to_numpy(dtype=float, na_value=np.nan)
    reviewed_q = quarter_index(scored["reviewed_on"]).to_numpy(dtype=float, na_value=np.nan)
    # Reviewed on or before the last day of the due quarter = reviewed in that quarter or earlier.
    reviews = pd.DataFrame(
        {"review_due_n": 1, "reviewed_in_time_n": (reviewed_q <= due_q).astype(int)},
        index=figures.index,
    )

    errors = np.abs(scores.estimate - scores.actual)
    calibration = pd.DataFrame(
        {
            "calibration_abs_sum": np.nansum(errors, axis=1),
            "calibration_n": (~np.isnan(errors)).sum(axis=1),
        },
        index=figures.index,
    )

    decided_q = quarter_index(scored["decided_on"]).to_numpy(dtype=float, na_value=np.nan)
    parts = [
        _by_team_quarter(decided, team, decided_q),
        _by_team_quarter(reviews, team, due_q),
        _by_team_quarter(
            calibration, team, np.where(calibration["calibration_n"] > 0, reviewed_q, np.nan)
        ),
    ]
    sums = pd.concat(parts, axis=1).fillna(0)
    return _typed_sums(sums, method)


def as_sums(sums: pd.DataFrame, method: Method) -> pd.DataFrame:
    """Sums from elsewhere (e.g. stored per cell) in the shape `quarter_sums` returns.

    Every column of the method in order (missing ones are 0), counts as int, sorted by
    (team_id, quarter); rows whose sums are all zero are dropped, as `quarter_sums` never has them.
    """
    typed = _typed_sums(sums, method)
    return typed.loc[typed.to_numpy(dtype=float).any(axis=1)] if len(typed) else typed


def _neutral(net_waste: np.ndarray) -> np.ndarray:
    """N ≥ 0, so that lines that cancel out exactly count as neutral despite float noise."""
    return np.round(net_waste, COMPARE_DECIMALS) >= 0


def _by_team_quarter(rows: pd.DataFrame, team: np.ndarray, quarter: np.ndarray) -> pd.DataFrame:
    """Sum rows per (team, quarter), leaving out rows without a quarter."""
    dated = ~np.isnan(quarter)
    keys = pd.MultiIndex.from_arrays(
        [team[dated].astype(np.int64), quarter[dated].astype(np.int64)], names=SUMS_INDEX
    )
    return rows.loc[dated].set_axis(keys).groupby(level=list(SUMS_INDEX)).sum()


def _typed_sums(sums: pd.DataFrame, method: Method) -> pd.DataFrame:
    """All columns of the method in order, counts as int, sums as float, sorted by key."""
    sums = sums.sort_index()
    index = pd.MultiIndex.from_arrays(
        [
            np.asarray(sums.index.get_level_values(i), dtype=np.int64)
            for i in range(len(SUMS_INDEX))
        ],
        names=SUMS_INDEX,
    )
    zeros = np.zeros(len(sums))
    columns = {
        c: (sums[c].to_numpy() if c in sums else zeros).astype(
            np.int64 if c in COUNT_SUM_COLUMNS else np.float64
        )
        for c in sum_columns(method)
    }
    return pd.DataFrame(columns, index=index)


# --- KPIs and composite ------------------------------------------------------------------------


def kpis_from_sums(sums: pd.DataFrame, method: Method) -> pd.DataFrame:
    """The KPIs of SCORING.md for each row of sums (same index); empty figures are NaN."""

    def column(name: str) -> np.ndarray:
        return sums[name].to_numpy(dtype=float)

    n = column("n")
    figures = {
        "Impact index": _ratio(column("impact_sum"), n),
        "Shared value %": 100 * _ratio(column("shared_n"), n),
        "Harm %": 100 * _ratio(column("harm_n"), n),
        "Waste-neutral %": 100 * _ratio(column("waste_neutral_n"), n),
        "Net waste avoided": np.where(n > 0, column("net_waste_sum"), np.nan),
        "Net CO2e avoided (kg)": np.where(n > 0, column("net_co2e_sum"), np.nan),
        "Consultation %": _ratio(column("coverage_sum"), column("coverage_n")),
        "Review %": 100 * _ratio(column("reviewed_in_time_n"), column("review_due_n")),
        "Calibration error": _ratio(column("calibration_abs_sum"), column("calibration_n")),
    }
    kpis = pd.DataFrame(
        {"Decisions": n.astype(np.int64), **figures, "Composite": _composite(figures, n, method)},
        index=sums.index,
    )
    return kpis


def _composite(kpis: Mapping[str, np.ndarray], n: np.ndarray, method: Method) -> np.ndarray:
    """Weighted mean of the normalised non-empty KPIs, re-weighted; NaN with no decisions."""
    normalised = {
        "impact": (kpis["Impact index"] + 100) / 2,
        "shared": kpis["Shared value %"],
        "harm": 100 - kpis["Harm %"],
        "waste": kpis["Waste-neutral %"],
        "consultation": kpis["Consultation %"],
        "review": kpis["Review %"],
        "calibration": 100 * (1 - kpis["Calibration error"] / MAX_CALIBRATION_ERROR),
    }
    weighted = np.zeros(len(n))
    total = np.zeros(len(n))
    for key, values in normalised.items():
        weight = method.weights[key]
        # Empty KPIs and KPIs without weight drop out; the others are re-weighted.
        present = ~np.isnan(values) & (weight > 0)
        weighted += np.where(present, values * weight, 0.0)
        total += np.where(present, weight, 0.0)
    return np.where(n > 0, _ratio(weighted, total), np.nan)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where there is nothing to divide by."""
    result = np.full(len(numerator), np.nan)
    return np.divide(numerator, denominator, out=result, where=denominator > 0)


# --- continuous improvement --------------------------------------------------------------------


def improvement(kpis: pd.DataFrame) -> pd.DataFrame:
    """Add Previous composite, Change, Trend per quarter, Improving streak and Status.

    kpis is indexed by (team, quarter index); a missing row counts as an empty quarter.
    """
    if not kpis.index.is_unique:
        raise ValueError("improvement needs one row per (team, quarter)")
    teams = pd.factorize(np.asarray(kpis.index.get_level_values(0)))[0]
    quarters = np.asarray(kpis.index.get_level_values(1), dtype=np.int64)
    score = kpis["Composite"].to_numpy(dtype=float, na_value=np.nan)
    # One integer key per (team, quarter), each team in its own band, so looking a few
    # quarters back is one index lookup that never lands on another team.
    first = quarters.min() if len(quarters) else 0
    band = int(quarters.max() - first) + 8 if len(quarters) else 1
    keys = pd.Index(teams * band + (quarters - first + 4))

    def back(offset: int) -> np.ndarray:
        """Composite of the same team `offset` calendar quarters earlier (NaN if none)."""
        found = keys.get_indexer(keys - offset)
        return np.where(found >= 0, score[found], np.nan)

    previous = back(1)
    change = score - previous
    rounded = np.round(change, COMPARE_DECIMALS)
    status = np.select(
        [np.isnan(rounded), rounded >= IMPROVING, rounded <= DECLINING],
        ["new", "improving", "declining"],
        default="steady",
    )
    window = np.column_stack([back(3), back(2), previous, score])
    result = kpis.copy()
    result["Previous composite"] = previous
    result["Change"] = change
    result["Trend per quarter"] = _slopes(window)
    result["Improving streak"] = _streaks(teams, quarters, rounded > 0)
    result["Status"] = status.astype(object)
    return result


def _slopes(window: np.ndarray) -> np.ndarray:
    """Least-squares slope per row of (q−3, q−2, q−1, q) values, over ≥ 3 present ones."""
    present = ~np.isnan(window)
    count = present.sum(axis=1)
    x = np.broadcast_to(np.arange(-3.0, 1.0), window.shape)
    y = np.where(present, window, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = (x * present).sum(axis=1) / count
        y_mean = y.sum(axis=1) / count
        dx = np.where(present, x - x_mean[:, None], 0.0)
        dy = np.where(present, y - y_mean[:, None], 0.0)
        slope = (dx * dy).sum(axis=1) / (dx * dx).sum(axis=1)
    return np.where(count >= 3, slope, np.nan)


def _streaks(teams: np.ndarray, quarters: np.ndarray, improved: np.ndarray) -> np.ndarray:
    """Consecutive quarters ending at each row with change > 0.

    A row that improved always has its previous quarter's row just before it in
    (team, quarter) order, so runs of improved rows in that order are runs of quarters.
    """
    codes = pd.factorize(teams)[0]
    order = np.lexsort((quarters, codes))
    ordered = improved[order]
    team_codes = codes[order]
    new_team = np.r_[True, team_codes[1:] != team_codes[:-1]]
    run = np.cumsum(~ordered | new_team)
    streak_ordered = pd.Series(ordered.astype(np.int64)).groupby(run).cumsum().to_numpy()
    streaks = np.empty_like(streak_ordered)
    streaks[order] = streak_ordered
    return streaks


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
