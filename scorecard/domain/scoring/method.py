"""The scoring method's settings: groups, categories, weights, versions; the column names."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

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

# The columns the scoring functions need of their three inputs (the inputs' lists, once).
DECISION_COLUMNS = (
    "id",
    "team_id",
    "status",
    "archived",
    "decided_on",
    "review_due",
    "reviewed_on",
)
IMPACT_COLUMNS = ("decision_id", "group_id", "impact", "consulted")
WASTE_COLUMNS = ("decision_id", "category_id", "created", "avoided")


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


# The reference data of SCORING.md: (name, weight, is owner) and (name, unit, cost, CO2e).
DEFAULT_GROUPS = (
    ("Workers", 1.0, False),
    ("Customers", 1.0, False),
    ("Communities", 1.0, False),
    ("Nature", 1.0, False),
    ("Owners", 1.0, True),
)
DEFAULT_CATEGORIES = (
    ("Materials", "kg", 2.0, 1.5),
    ("Energy", "kWh", 0.3, 0.4),
    ("Water", "m3", 2.5, 0.3),
    ("Travel", "km", 0.6, 0.17),
    ("Staff time", "h", 50.0, 0.0),
    ("Spend", "$", 1.0, 0.0),
)


def default_method(version: int = 1) -> Method:
    """The defaults of SCORING.md: groups 1..5 and categories 1..6 in its order."""
    groups = tuple(
        Group(i, name, weight, is_owner)
        for i, (name, weight, is_owner) in enumerate(DEFAULT_GROUPS, 1)
    )
    categories = tuple(
        Category(i, name, unit, cost, co2e)
        for i, (name, unit, cost, co2e) in enumerate(DEFAULT_CATEGORIES, 1)
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
