"""The scoring method against SCORING.md: the worked example and small literal cases."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import (
    DEFAULT_WEIGHTS,
    KPI_COLUMNS,
    TEAMS_COLUMNS,
    Category,
    Group,
    Method,
    decision_figures,
    default_method,
    improvement,
    kpis_from_sums,
    quarter_sums,
    score_quarter,
    sum_columns,
    team_series,
    teams_table,
)
from tests.domain.worked_example import load_worked_example

Q1, Q2 = Quarter(2026, 1).index, Quarter(2026, 2).index
EMPTY = math.nan

# The table of SCORING.md's worked example, team Operations.
WORKED_EXAMPLE = {
    Q1: {
        "Decisions": 2,
        "Impact index": 26.667,
        "Shared value %": 0,
        "Harm %": 50,
        "Waste-neutral %": 50,
        "Net waste avoided": 1720,
        "Net CO2e avoided (kg)": 1520,
        "Consultation %": 20,
        "Review %": EMPTY,
        "Calibration error": EMPTY,
        "Composite": 40.000,
        "Change": EMPTY,
        "Status": "new",
        "Improving streak": 0,
        "Trend per quarter": EMPTY,
    },
    Q2: {
        "Decisions": 2,
        "Impact index": 23.333,
        "Shared value %": 100,
        "Harm %": 0,
        "Waste-neutral %": 50,
        "Net waste avoided": -150,
        "Net CO2e avoided (kg)": 450,
        "Consultation %": 75,
        "Review %": 33.333,
        "Calibration error": 0.6,
        "Composite": 69.333,
        "Change": 29.333,
        "Status": "improving",
        "Improving streak": 1,
        "Trend per quarter": EMPTY,
    },
}


def assert_figure(actual: object, expected: object, label: str) -> None:
    if isinstance(expected, str):
        assert actual == expected, label
    elif isinstance(expected, float) and math.isnan(expected):
        assert pd.isna(actual), f"{label}: expected empty, got {actual}"
    else:
        assert actual == pytest.approx(expected, abs=5e-4), label


@pytest.fixture(scope="module")
def example():
    return load_worked_example()


@pytest.fixture(scope="module")
def method() -> Method:
    return default_method()


@pytest.mark.parametrize("quarter", [Q1, Q2])
def test_worked_example_table(example, method, quarter: int) -> None:
    table = score_quarter(
        example.decisions, example.impacts, example.waste, method, quarter, example.team_names
    )
    assert list(table.columns) == list(TEAMS_COLUMNS)
    assert list(table["Team"]) == ["Operations", "All teams"]
    for team, row in table.iterrows():
        for column, expected in WORKED_EXAMPLE[quarter].items():
            assert_figure(row[column], expected, f"{row['Team']} {column}")
        assert isinstance(row["Decisions"], (int, np.integer)), team
        assert isinstance(row["Improving streak"], (int, np.integer)), team


def test_worked_example_previous_composite(example, method) -> None:
    table = score_quarter(example.decisions, example.impacts, example.waste, method, Q2)
    assert table["Previous composite"].tolist() == pytest.approx([40.0, 40.0])


def test_worked_example_ops_1(example, method) -> None:
    figures = decision_figures(example.decisions, example.impacts, example.waste, method)
    ops_1 = figures.loc[example.decision_id("OPS-1")]
    assert ops_1["impact_index"] == pytest.approx(40)
    assert ops_1["business_index"] == pytest.approx(-100 / 3)
    assert ops_1["societal_index"] == pytest.approx(100 * 7 / 12)
    assert ops_1["net_waste"] == pytest.approx(3750)
    assert ops_1["net_co2e"] == pytest.approx(500 * 0.4 + 8000 * 0.17)
    assert ops_1["coverage"] == pytest.approx(40)
    assert not ops_1["harm"]
    assert not ops_1["shared_value"]


def test_decision_figures_cover_every_decision_whatever_its_status(example, method) -> None:
    figures = decision_figures(example.decisions, example.impacts, example.waste, method)
    assert list(figures.index) == list(example.decisions["id"])
    ops_5 = figures.loc[example.decision_id("OPS-5")]  # the draft
    assert ops_5["impact_index"] == pytest.approx(-20)
    assert ops_5["harm"]
    assert ops_5["coverage"] == 0  # Communities affected, not consulted


def test_actual_figures_of_ops_1(example, method) -> None:
    figures = decision_figures(
        example.decisions, example.impacts, example.waste, method, actual=True
    )
    ops_1 = figures.loc[example.decision_id("OPS-1")]
    # Actual impacts 1, 0, 2, 2, 0.
    assert ops_1["impact_index"] == pytest.approx(100 * 5 / 15)
    assert ops_1["business_index"] == pytest.approx(0)
    assert not ops_1["shared_value"]  # B = 0 is not > 0
    # Really affected: Workers (not consulted), Communities (consulted), Nature (not).
    assert ops_1["coverage"] == pytest.approx(100 / 3)
    assert ops_1["net_waste"] == pytest.approx(3750)  # no actual waste lines: the estimate


# --- literal cases ---------------------------------------------------------------------------


def decisions_frame(*rows: dict) -> pd.DataFrame:
    defaults = {
        "team_id": 1,
        "status": "decided",
        "archived": False,
        "decided_on": date(2026, 1, 15),
        "review_due": None,
        "reviewed_on": None,
    }
    columns = ["id", *defaults]
    return pd.DataFrame([defaults | row for row in rows], columns=columns)


def impacts_frame(*rows: tuple) -> pd.DataFrame:
    """Rows of (decision_id, group_id, impact, consulted[, actual])."""
    full = [(*row, math.nan) if len(row) == 4 else row for row in rows]
    return pd.DataFrame(full, columns=["decision_id", "group_id", "impact", "consulted", "actual"])


def waste_frame(*rows: tuple) -> pd.DataFrame:
    """Rows of (decision_id, category_id, created, avoided, actual_created, actual_avoided)."""
    full = [row + (math.nan,) * (6 - len(row)) for row in rows]
    return pd.DataFrame(
        full,
        columns=[
            "decision_id",
            "category_id",
            "created",
            "avoided",
            "actual_created",
            "actual_avoided",
        ],
    )


NO_IMPACTS = impacts_frame()
NO_WASTE = waste_frame()


def test_missing_group_counts_as_zero_and_unknown_group_is_ignored(method) -> None:
    impacts = impacts_frame((1, 4, 3, True), (1, 99, -3, True))
    figures = decision_figures(decisions_frame({"id": 1}), impacts, NO_WASTE, method)
    row = figures.loc[1]
    assert row["impact_index"] == pytest.approx(100 * 3 / 15)
    assert not row["harm"]  # the -3 is for a group outside the method
    assert row["coverage"] == 100


def test_coverage_is_empty_when_no_group_is_affected(method) -> None:
    impacts = impacts_frame((1, 1, 0, True))
    figures = decision_figures(decisions_frame({"id": 1}), impacts, NO_WASTE, method)
    assert math.isnan(figures.loc[1, "coverage"])


def test_shared_value_needs_both_sides_and_no_harm(method) -> None:
    decisions = decisions_frame({"id": 1}, {"id": 2}, {"id": 3}, {"id": 4})
    impacts = impacts_frame(
        (1, 1, 1, False),
        (1, 5, 1, False),  # both positive: shared
        (2, 1, 1, False),  # owner 0: not shared
        (3, 1, 3, False),
        (3, 2, -2, False),
        (3, 5, 3, False),  # harm: not shared
        (4, 5, 2, False),  # societal 0: not shared
    )
    figures = decision_figures(decisions, impacts, NO_WASTE, method)
    assert figures["shared_value"].tolist() == [True, False, False, False]
    assert figures["harm"].tolist() == [False, False, True, False]


def test_without_owner_group_business_is_empty_and_ignored() -> None:
    method = default_method()
    method = replace(method, groups=tuple(g for g in method.groups if not g.is_owner))
    impacts = impacts_frame((1, 1, 1, False), (1, 5, -1, False))
    figures = decision_figures(decisions_frame({"id": 1}), impacts, NO_WASTE, method)
    assert math.isnan(figures.loc[1, "business_index"])
    assert figures.loc[1, "shared_value"]
    assert figures.loc[1, "impact_index"] == pytest.approx(100 / 12)


def test_group_weights_weigh_the_index() -> None:
    method = default_method()
    groups = tuple(replace(g, weight=3.0) if g.id == 1 else g for g in method.groups)
    method = replace(method, groups=groups)
    impacts = impacts_frame((1, 1, 3, False), (1, 2, -3, False))
    figures = decision_figures(decisions_frame({"id": 1}), impacts, NO_WASTE, method)
    assert figures.loc[1, "impact_index"] == pytest.approx(100 * (9 - 3) / (3 * 7))


def test_a_societal_index_of_zero_is_not_positive_despite_float_noise() -> None:
    weights = {1: 0.1, 2: 0.2, 3: 0.3}
    method = default_method()
    groups = tuple(replace(g, weight=weights.get(g.id, g.weight)) for g in method.groups)
    method = replace(method, groups=groups)
    # 0.1 + 0.2 - 0.3 is 5.6e-17 in floats.
    impacts = impacts_frame((1, 1, 1, False), (1, 2, 1, False), (1, 3, -1, False), (1, 5, 3, False))
    figures = decision_figures(decisions_frame({"id": 1}), impacts, NO_WASTE, method)
    assert figures.loc[1, "societal_index"] == pytest.approx(0, abs=1e-9)
    assert not figures.loc[1, "shared_value"]


def test_waste_lines_add_up_and_actuals_replace_estimates(method) -> None:
    waste = waste_frame(
        (1, 1, 10.0, 0.0),  # materials: -10 kg
        (1, 1, 0.0, 4.0, math.nan, 6.0),  # +4 kg estimated, +6 kg actually
        (1, 4, 0.0, 100.0, 50.0, math.nan),  # travel: +100 km, actually created 50 too
        (1, 99, 0.0, 1000.0),  # unknown category
    )
    estimate = decision_figures(decisions_frame({"id": 1}), NO_IMPACTS, waste, method)
    assert estimate.loc[1, "net_waste"] == pytest.approx(-6 * 2.0 + 100 * 0.6)
    assert estimate.loc[1, "net_co2e"] == pytest.approx(-6 * 1.5 + 100 * 0.17)
    actual = decision_figures(decisions_frame({"id": 1}), NO_IMPACTS, waste, method, actual=True)
    assert actual.loc[1, "net_waste"] == pytest.approx(-4 * 2.0 + 50 * 0.6)


def test_waste_neutral_survives_float_noise(method) -> None:
    # 3 kg (6.0) and 18 kWh (5.4) avoided, 19 km (11.4) created: 0 on paper, -1.8e-15 in floats.
    decisions = decisions_frame({"id": 1})
    waste = waste_frame((1, 1, 0.0, 3.0), (1, 2, 0.0, 18.0), (1, 4, 19.0, 0.0))
    sums = quarter_sums(decisions, NO_IMPACTS, waste, method)
    assert sums["waste_neutral_n"].iloc[0] == 1


def test_decision_ids_must_be_unique(method) -> None:
    with pytest.raises(ValueError, match="unique"):
        decision_figures(decisions_frame({"id": 1}, {"id": 1}), NO_IMPACTS, NO_WASTE, method)


def test_missing_columns_are_named(method) -> None:
    with pytest.raises(ValueError, match="consulted"):
        decision_figures(
            decisions_frame({"id": 1}), NO_IMPACTS.drop(columns="consulted"), NO_WASTE, method
        )


def test_drafts_and_archived_count_nowhere(method) -> None:
    decisions = decisions_frame(
        {"id": 1},
        {"id": 2, "status": "draft"},
        {"id": 3, "archived": True},
        {"id": 4, "status": "reviewed", "reviewed_on": date(2026, 2, 1)},
    )
    sums = quarter_sums(decisions, NO_IMPACTS, NO_WASTE, method)
    assert sums.loc[(1, Q1), "n"] == 2


def test_review_in_time_up_to_the_last_day_of_the_due_quarter(method) -> None:
    decisions = decisions_frame(
        {"id": 1, "review_due": date(2026, 5, 1), "reviewed_on": date(2026, 6, 30)},
        {"id": 2, "review_due": date(2026, 5, 1), "reviewed_on": date(2026, 7, 1)},
        {"id": 3, "review_due": date(2026, 5, 1), "reviewed_on": date(2026, 3, 1)},
        {"id": 4, "review_due": date(2026, 6, 30)},
    )
    sums = quarter_sums(decisions, NO_IMPACTS, NO_WASTE, method)
    assert sums.loc[(1, Q2), "review_due_n"] == 4
    assert sums.loc[(1, Q2), "reviewed_in_time_n"] == 2
    kpis = kpis_from_sums(sums, method)
    assert kpis.loc[(1, Q2), "Review %"] == pytest.approx(50)
    # Nothing decided in Q2: Review % is there, the composite is not.
    assert kpis.loc[(1, Q2), "Decisions"] == 0
    assert math.isnan(kpis.loc[(1, Q2), "Composite"])


def test_calibration_is_pooled_over_groups_by_review_quarter(method) -> None:
    decisions = decisions_frame(
        {"id": 1, "status": "reviewed", "reviewed_on": date(2026, 4, 2)},
        {"id": 2, "status": "reviewed", "reviewed_on": date(2026, 5, 2)},
    )
    impacts = impacts_frame(
        (1, 1, 2, False, 0.0),  # |2 - 0| = 2
        (2, 1, 1, False, 1.0),  # 0
        (2, 2, 0, False, 1.0),  # 1
        (2, 3, 1, False, 1.0),  # 0
        (2, 4, 3, False),  # not assessed
        (2, 99, 3, False, -3.0),  # not in the method
    )
    kpis = kpis_from_sums(quarter_sums(decisions, impacts, NO_WASTE, method), method)
    # Pooled: (2 + 0 + 1 + 0) / 4, not the mean of the decisions' means (1.0 and 1/3).
    assert kpis.loc[(1, Q2), "Calibration error"] == pytest.approx(0.75)


def test_group_and_category_sums(method) -> None:
    decisions = decisions_frame({"id": 1}, {"id": 2}, {"id": 3, "team_id": 2})
    impacts = impacts_frame((1, 2, 3, False), (2, 2, -1, False), (3, 2, 1, False))
    waste = waste_frame((1, 3, 0.0, 2.0), (2, 3, 1.0, 0.0))
    sums = quarter_sums(decisions, impacts, waste, method)
    assert sums.loc[(1, Q1), "group_2_sum"] == 2
    assert sums.loc[(1, Q1), "group_1_sum"] == 0
    assert sums.loc[(1, Q1), "waste_3_sum"] == pytest.approx(2.5)
    assert sums.loc[(1, Q1), "co2e_3_sum"] == pytest.approx(0.3)
    assert sums.loc[(2, Q1), "group_2_sum"] == 1


def test_sums_of_nothing(method) -> None:
    sums = quarter_sums(decisions_frame(), NO_IMPACTS, NO_WASTE, method)
    assert sums.empty
    assert list(sums.index.names) == ["team_id", "quarter"]
    assert "group_5_sum" in sums.columns
    assert "co2e_6_sum" in sums.columns
    table = teams_table(sums, method, Q1, {})
    assert list(table["Team"]) == ["All teams"]
    assert table["Decisions"].tolist() == [0]
    assert table["Status"].tolist() == ["new"]


# --- composite -----------------------------------------------------------------------------


def sums_row(**sums: float) -> pd.DataFrame:
    row = dict.fromkeys(sum_columns(default_method()), 0) | sums
    return pd.DataFrame([row])


def test_composite_re_weights_the_present_kpis(method) -> None:
    sums = sums_row(n=1, impact_sum=100.0, shared_n=0, harm_n=1, waste_neutral_n=1)
    kpis = kpis_from_sums(sums, method)
    # impact 100, shared 0, harm 0, waste 100; consultation and review empty.
    assert kpis["Composite"].iloc[0] == pytest.approx((30 * 100 + 20 * 100) / 80)


def test_calibration_counts_once_it_has_a_weight() -> None:
    method = replace(default_method(), weights=DEFAULT_WEIGHTS | {"calibration": 10})
    sums = sums_row(
        n=1, impact_sum=100.0, shared_n=1, waste_neutral_n=1, calibration_abs_sum=3.0,
        calibration_n=1,
    )  # fmt: skip
    kpis = kpis_from_sums(sums, method)
    assert kpis["Calibration error"].iloc[0] == 3
    assert kpis["Composite"].iloc[0] == pytest.approx((80 * 100 + 10 * 50) / 90)


def test_composite_is_empty_when_present_kpis_weigh_nothing() -> None:
    weights = dict.fromkeys(DEFAULT_WEIGHTS, 0) | {"review": 10}
    method = replace(default_method(), weights=weights)
    kpis = kpis_from_sums(sums_row(n=1, impact_sum=50.0), method)
    assert math.isnan(kpis["Composite"].iloc[0])


def test_no_decisions_no_figures(method) -> None:
    kpis = kpis_from_sums(sums_row(review_due_n=2, reviewed_in_time_n=1), method)
    row = kpis.iloc[0]
    assert row["Decisions"] == 0
    assert row["Review %"] == 50
    for column in KPI_COLUMNS:
        if column not in ("Decisions", "Review %"):
            assert math.isnan(row[column]), column


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"impact": 30}, "missing"),
        (DEFAULT_WEIGHTS | {"impakt": 1}, "unknown"),
        (DEFAULT_WEIGHTS | {"harm": -1}, ">= 0"),
        (DEFAULT_WEIGHTS | {"harm": math.nan}, ">= 0"),
    ],
)
def test_method_rejects_bad_weights(weights: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(default_method(), weights=weights)


def test_method_rejects_bad_groups_and_categories() -> None:
    method = default_method()
    with pytest.raises(ValueError, match="> 0"):
        replace(method, groups=(Group(1, "Workers", 0.0, False),))
    with pytest.raises(ValueError, match="unique"):
        replace(method, categories=(Category(1, "A", "kg", 1, 1), Category(1, "B", "kg", 1, 1)))


def test_method_keeps_its_own_weights() -> None:
    weights = dict(DEFAULT_WEIGHTS)
    method = Method(1, (), (), weights)
    weights["impact"] = 0
    assert method.weights["impact"] == 30
    assert hash(default_method()) == hash(default_method())


# --- improvement ---------------------------------------------------------------------------


def composites(values: dict[int, float], team: int = 1) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples([(team, q) for q in values], names=["team_id", "quarter"])
    return pd.DataFrame({"Composite": list(values.values())}, index=index)


@pytest.mark.parametrize(
    ("before", "after", "status"),
    [
        (50.0, 52.0, "improving"),
        (0.3, 2.3, "improving"),  # 1.9999999999999998 in floats: still exactly +2
        (60.0, 57.9, "declining"),
        (3.3, 1.3, "declining"),  # -1.9999999999999998 in floats: exactly -2
        (50.0, 51.999, "steady"),
        (50.0, 48.001, "steady"),
        (50.0, 50.0, "steady"),
        (50.0, math.nan, "new"),
        (math.nan, 50.0, "new"),
    ],
)
def test_status_thresholds(before: float, after: float, status: str) -> None:
    result = improvement(composites({10: before, 11: after}))
    assert result["Status"].iloc[1] == status


def test_change_needs_the_calendar_quarter_just_before() -> None:
    result = improvement(composites({10: 40.0, 12: 60.0}))
    assert math.isnan(result["Previous composite"].iloc[1])
    assert math.isnan(result["Change"].iloc[1])
    assert result["Status"].iloc[1] == "new"


def test_trend_is_the_least_squares_slope_of_the_last_four_quarters() -> None:
    result = improvement(composites({9: 0.0, 10: 10.0, 11: 20.0, 12: 60.0, 13: 60.0}))
    trend = result["Trend per quarter"].tolist()
    assert math.isnan(trend[0])
    assert math.isnan(trend[1])  # only two quarters so far
    assert trend[2] == pytest.approx(10.0)
    assert trend[3] == pytest.approx(np.polyfit([9, 10, 11, 12], [0, 10, 20, 60], 1)[0])
    assert trend[4] == pytest.approx(np.polyfit([10, 11, 12, 13], [10, 20, 60, 60], 1)[0])


def test_trend_skips_empty_quarters_but_needs_three() -> None:
    result = improvement(composites({10: 10.0, 11: math.nan, 12: 30.0, 13: 70.0}))
    assert result["Trend per quarter"].iloc[3] == pytest.approx(
        np.polyfit([10, 12, 13], [10, 30, 70], 1)[0]
    )
    gappy = improvement(composites({10: 10.0, 12: 30.0, 14: 70.0}))
    assert gappy["Trend per quarter"].isna().all()


def test_streak_counts_consecutive_rises_and_breaks_on_a_gap() -> None:
    values = {1: 10.0, 2: 20.0, 3: 30.0, 4: 25.0, 5: 26.0, 6: 27.0, 8: 50.0, 9: 60.0}
    result = improvement(composites(values))
    assert result["Improving streak"].tolist() == [0, 1, 2, 0, 1, 2, 0, 1]


def test_float_noise_is_no_rise() -> None:
    result = improvement(composites({1: 0.3, 2: 0.1 + 0.2}))  # change 5.6e-17
    assert result["Status"].iloc[1] == "steady"
    assert result["Improving streak"].iloc[1] == 0


def test_streaks_are_per_team_and_keep_the_input_order() -> None:
    kpis = pd.concat([composites({2: 1.0, 3: 5.0}, team=7), composites({1: 9.0, 2: 10.0}, team=3)])
    kpis = kpis.iloc[[3, 0, 2, 1]]
    result = improvement(kpis)
    assert result.index.equals(kpis.index)
    assert result["Improving streak"].tolist() == [1, 0, 0, 1]
    assert result["Change"].tolist()[0] == pytest.approx(1.0)


# --- tables --------------------------------------------------------------------------------


def test_teams_table_lists_teams_with_decisions_up_to_the_quarter(method) -> None:
    decisions = decisions_frame(
        {"id": 1, "team_id": 1, "decided_on": date(2025, 11, 1)},  # Zeta, earlier
        {"id": 2, "team_id": 2},  # alpha, this quarter
        {"id": 3, "team_id": 3, "decided_on": date(2026, 4, 1)},  # Mid, later: not listed
        {"id": 4, "team_id": 4, "status": "draft"},  # Drafts: not listed
    )
    names = {1: "Zeta", 2: "alpha", 3: "Mid", 4: "Drafts"}
    table = score_quarter(decisions, NO_IMPACTS, NO_WASTE, method, Q1, names)
    assert table["Team"].tolist() == ["alpha", "Zeta", "All teams"]
    assert table.index.tolist()[:2] == [2, 1]
    assert table["Decisions"].tolist() == [1, 0, 1]
    zeta = table.iloc[1]
    assert math.isnan(zeta["Composite"])
    assert not math.isnan(zeta["Previous composite"])
    assert zeta["Status"] == "new"


def test_team_series_gives_the_asked_quarters(example, method) -> None:
    sums = quarter_sums(example.decisions, example.impacts, example.waste, method)
    quarters = [Q1 - 1, Q1, Q2, Q2 + 1]
    series = team_series(sums, method, 1, quarters)
    assert series.index.tolist() == quarters
    assert series["Decisions"].tolist() == [0, 2, 2, 0]
    assert series["Composite"].tolist()[1:3] == pytest.approx([40.0, 69.0 + 1 / 3])
    assert series["Status"].tolist() == ["new", "new", "improving", "new"]
    everyone = team_series(sums, method, None, quarters)
    pd.testing.assert_frame_equal(series, everyone)
    nobody = team_series(sums, method, 99, quarters)
    assert nobody["Decisions"].sum() == 0
    assert nobody["Composite"].isna().all()
