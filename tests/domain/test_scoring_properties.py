"""Properties of the scoring method that must hold for any decisions."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import (
    IMPROVEMENT_COLUMNS,
    KPI_COLUMNS,
    decision_figures,
    default_method,
    improvement,
    kpis_from_sums,
    quarter_sums,
    team_series,
    teams_table,
)

METHOD = default_method()
FIRST_DAY = date(2025, 1, 1)
DAYS = 730  # decisions in 2025 and 2026, reviews up to a year later
QUARTERS = [q.index for q in Quarter.range(Quarter(2025, 1), Quarter(2027, 4))]
EMPTY_QUARTER = Quarter(2030, 1).index
TOLERANCE = 1e-9
FIGURES = [c for c in (*KPI_COLUMNS, *IMPROVEMENT_COLUMNS) if c != "Status"]
RANGES = {
    "Impact index": (-100, 100),
    "Shared value %": (0, 100),
    "Harm %": (0, 100),
    "Waste-neutral %": (0, 100),
    "Consultation %": (0, 100),
    "Review %": (0, 100),
    "Calibration error": (0, 6),
    "Composite": (0, 100),
}
examples = settings(max_examples=50, deadline=None)


@dataclass(frozen=True)
class Log:
    """Input frames of a random decision log."""

    decisions: pd.DataFrame
    impacts: pd.DataFrame
    waste: pd.DataFrame

    def sums(self) -> pd.DataFrame:
        return quarter_sums(self.decisions, self.impacts, self.waste, METHOD)

    def figures(self) -> pd.DataFrame:
        return decision_figures(self.decisions, self.impacts, self.waste, METHOD)


amounts = st.integers(0, 20_000).map(lambda tenths: tenths / 10)
maybe_amount = st.none() | amounts


@st.composite
def decision_rows(draw, first_id: int = 1, max_size: int = 12, scored: bool | None = None):
    """Decisions with their impact rows and waste lines; scored=False gives drafts/archived."""
    decisions, impacts, waste = [], [], []
    for decision_id in range(first_id, first_id + draw(st.integers(0, max_size))):
        decided = FIRST_DAY + timedelta(days=draw(st.integers(0, DAYS - 1)))
        later = st.integers(0, 365).map(lambda days, start=decided: start + timedelta(days=days))
        reviewed = draw(st.none() | later)
        if scored is False:
            status, archived = draw(
                st.sampled_from([("draft", False), ("draft", True), ("decided", True)])
            )
        else:
            status = "reviewed" if reviewed else draw(st.sampled_from(["decided", "draft"]))
            archived = draw(st.booleans()) if scored is None else False
            status = "decided" if scored and status == "draft" else status
        decisions.append(
            {
                "id": decision_id,
                "team_id": draw(st.sampled_from([1, 2, 3])),
                "status": status,
                "archived": archived,
                "decided_on": decided,
                "review_due": draw(st.none() | later),
                "reviewed_on": reviewed,
            }
        )
        for group_id in (*range(1, 6), 99):
            if draw(st.booleans()):
                actual = draw(st.none() | st.integers(-3, 3))
                impacts.append(
                    {
                        "decision_id": decision_id,
                        "group_id": group_id,
                        "impact": draw(st.integers(-3, 3)),
                        "consulted": draw(st.booleans()),
                        "actual": math.nan if actual is None else float(actual),
                    }
                )
        for _ in range(draw(st.integers(0, 3))):
            actual_created, actual_avoided = draw(maybe_amount), draw(maybe_amount)
            waste.append(
                {
                    "decision_id": decision_id,
                    "category_id": draw(st.sampled_from([1, 2, 3, 4, 5, 6, 99])),
                    "created": draw(amounts),
                    "avoided": draw(amounts),
                    "actual_created": math.nan if actual_created is None else actual_created,
                    "actual_avoided": math.nan if actual_avoided is None else actual_avoided,
                }
            )
    return decisions, impacts, waste


def to_log(decisions: list, impacts: list, waste: list) -> Log:
    return Log(
        pd.DataFrame(
            decisions,
            columns=list(scoring.DECISION_COLUMNS),
        ),
        pd.DataFrame(impacts, columns=["decision_id", "group_id", "impact", "consulted", "actual"]),
        pd.DataFrame(
            waste,
            columns=[
                "decision_id",
                "category_id",
                "created",
                "avoided",
                "actual_created",
                "actual_avoided",
            ],
        ),
    )


logs = decision_rows().map(lambda rows: to_log(*rows))


def assert_rows_match(left: pd.Series, right: pd.Series) -> None:
    """Same figures up to float noise from adding in another order; same status."""
    for column in FIGURES:
        a, b = left[column], right[column]
        if pd.isna(a) or pd.isna(b):
            assert pd.isna(a), f"{column}: {a} vs {b}"
            assert pd.isna(b), f"{column}: {a} vs {b}"
        else:
            assert a == pytest.approx(b, rel=TOLERANCE, abs=TOLERANCE), column
    assert left["Status"] == right["Status"]


@examples
@given(logs)
def test_every_kpi_stays_in_its_range(log: Log) -> None:
    kpis = kpis_from_sums(log.sums(), METHOD)
    assert (kpis["Decisions"] >= 0).all()
    for column, (low, high) in RANGES.items():
        values = kpis[column].dropna()
        assert (values >= low - TOLERANCE).all(), column
        assert (values <= high + TOLERANCE).all(), column
    figures = log.figures()
    for column in ("impact_index", "societal_index", "business_index"):
        assert (figures[column].dropna().abs() <= 100 + TOLERANCE).all(), column
    assert figures["coverage"].dropna().between(0, 100).all()


@examples
@given(logs, st.sampled_from(QUARTERS))
def test_composite_stays_within_0_and_100(log: Log, quarter: int) -> None:
    table = teams_table(log.sums(), METHOD, quarter, {})
    values = table["Composite"].dropna()
    assert values.between(-TOLERANCE, 100 + TOLERANCE).all()
    assert (table.loc[table["Decisions"] == 0, "Composite"].isna()).all()


@examples
@given(logs, st.data())
def test_raising_one_impact_never_lowers_the_impact_index(log: Log, data) -> None:
    if log.decisions.empty:
        return
    decision_id = data.draw(st.sampled_from(log.decisions["id"].tolist()))
    group_id = data.draw(st.integers(1, 5))
    impacts = log.impacts.copy()
    row = (impacts["decision_id"] == decision_id) & (impacts["group_id"] == group_id)
    if row.any():
        impacts.loc[row, "impact"] = (impacts.loc[row, "impact"] + 1).clip(upper=3)
    else:
        extra = {"decision_id": decision_id, "group_id": group_id, "impact": 1}
        impacts = pd.concat([impacts, pd.DataFrame([extra | {"consulted": False}])])
    raised = replace(log, impacts=impacts)

    before, after = log.figures(), raised.figures()
    assert after.loc[decision_id, "impact_index"] >= before.loc[decision_id, "impact_index"]
    kpis_before = kpis_from_sums(log.sums(), METHOD)["Impact index"]
    kpis_after = kpis_from_sums(raised.sums(), METHOD)["Impact index"]
    assert kpis_after.index.equals(kpis_before.index)
    both = pd.concat([kpis_before, kpis_after], axis=1, keys=["before", "after"]).dropna()
    assert (both["after"] >= both["before"] - TOLERANCE).all()


@examples
@given(logs, st.integers(0, 2**32 - 1), st.sampled_from(QUARTERS))
def test_the_order_of_the_rows_changes_nothing(log: Log, seed: int, quarter: int) -> None:
    shuffled = Log(*(frame.sample(frac=1, random_state=seed) for frame in vars(log).values()))
    pd.testing.assert_frame_equal(shuffled.sums(), log.sums(), rtol=TOLERANCE, atol=TOLERANCE)
    pd.testing.assert_frame_equal(
        shuffled.figures().sort_index(), log.figures().sort_index(), rtol=TOLERANCE
    )
    table, shuffled_table = (teams_table(x.sums(), METHOD, quarter, {}) for x in (log, shuffled))
    assert table.index.equals(shuffled_table.index)
    for (_, left), (_, right) in zip(table.iterrows(), shuffled_table.iterrows(), strict=True):
        assert_rows_match(left, right)


@examples
@given(decision_rows(), decision_rows(first_id=1000, max_size=5, scored=False))
def test_drafts_and_archived_decisions_change_nothing(rows, extra_rows) -> None:
    log = to_log(*rows)
    more = to_log(*(a + b for a, b in zip(rows, extra_rows, strict=True)))
    pd.testing.assert_frame_equal(more.sums(), log.sums())


@examples
@given(logs)
def test_an_empty_quarter_has_empty_figures(log: Log) -> None:
    sums = log.sums()
    table = teams_table(sums, METHOD, EMPTY_QUARTER, {1: "One", 2: "Two", 3: "Three"})
    series = team_series(sums, METHOD, None, [EMPTY_QUARTER])
    for frame in (table, series):
        assert (frame["Decisions"] == 0).all()
        assert (frame["Improving streak"] == 0).all()
        assert (frame["Status"] == "new").all()
        others = [c for c in FIGURES if c not in ("Decisions", "Improving streak")]
        assert frame[others].isna().all().all()


@examples
@given(logs, st.sampled_from(QUARTERS))
def test_all_teams_row_is_the_union_as_one_team(log: Log, quarter: int) -> None:
    all_teams = teams_table(log.sums(), METHOD, quarter, {}).iloc[-1]
    one_team = replace(log, decisions=log.decisions.assign(team_id=1))
    as_one = teams_table(one_team.sums(), METHOD, quarter, {1: "Everyone"})
    assert as_one["Team"].iloc[-1] == "All teams"
    for _, row in as_one.iterrows():
        assert_rows_match(all_teams, row)


@examples
@given(logs, st.sampled_from(QUARTERS[1:]), st.sampled_from([1, 2, 3]))
def test_a_gap_quarter_breaks_change_and_streak(log: Log, quarter: int, team: int) -> None:
    decided_q = log.decisions["decided_on"].map(lambda d: Quarter.of(d).index)
    in_gap = (log.decisions["team_id"] == team) & (decided_q == quarter - 1)
    gappy = replace(log, decisions=log.decisions[~in_gap])
    row = team_series(gappy.sums(), METHOD, team, [quarter]).iloc[0]
    assert math.isnan(row["Previous composite"])
    assert math.isnan(row["Change"])
    assert row["Status"] == "new"
    assert row["Improving streak"] == 0


@examples
@given(logs)
def test_team_figures_agree_with_decision_figures(log: Log) -> None:
    scored = log.decisions[
        log.decisions["status"].isin(["decided", "reviewed"]) & ~log.decisions["archived"]
    ]
    figures = log.figures().loc[scored["id"]]
    decided_q = scored["decided_on"].map(lambda d: Quarter.of(d).index).to_numpy()
    keys = [scored["team_id"].to_numpy(), decided_q]
    grouped = figures.groupby(keys)
    kpis = kpis_from_sums(log.sums(), METHOD)
    decided = kpis[kpis["Decisions"] > 0]
    assert len(decided) == grouped.ngroups
    for (team, quarter), group in grouped:
        row = decided.loc[(team, quarter)]
        assert row["Decisions"] == len(group)
        assert row["Impact index"] == pytest.approx(group["impact_index"].mean())
        assert row["Harm %"] == pytest.approx(100 * group["harm"].mean())
        assert row["Shared value %"] == pytest.approx(100 * group["shared_value"].mean())
        assert row["Net waste avoided"] == pytest.approx(group["net_waste"].sum())
        coverage = group["coverage"].mean()
        assert pd.isna(row["Consultation %"]) == pd.isna(coverage)


# --- improvement against a plain reference ---------------------------------------------------

composite_values = st.none() | st.integers(0, 1000).map(lambda tenths: tenths / 10)


@examples
@given(st.dictionaries(st.integers(0, 12), composite_values, max_size=13))
def test_improvement_matches_a_plain_reading_of_the_method(values: dict) -> None:
    values = {q: math.nan if v is None else v for q, v in sorted(values.items())}
    index = pd.MultiIndex.from_tuples([(1, q) for q in values], names=["team_id", "quarter"])
    result = improvement(pd.DataFrame({"Composite": list(values.values())}, index=index))

    def composite(q: int) -> float:
        return values.get(q, math.nan)

    streak = {}
    for q in values:
        change = composite(q) - composite(q - 1)
        row = result.loc[(1, q)]
        assert row["Previous composite"] == pytest.approx(composite(q - 1), nan_ok=True)
        assert row["Change"] == pytest.approx(change, nan_ok=True)
        if math.isnan(change):
            status = "new"
        elif round(change, 9) >= 2:
            status = "improving"
        elif round(change, 9) <= -2:
            status = "declining"
        else:
            status = "steady"
        assert row["Status"] == status
        streak[q] = streak.get(q - 1, 0) + 1 if change > 0 else 0
        assert row["Improving streak"] == streak[q]
        window = [(x, composite(x)) for x in range(q - 3, q + 1) if not math.isnan(composite(x))]
        if len(window) >= 3:
            slope = np.polyfit(*zip(*window, strict=True), 1)[0]
            assert row["Trend per quarter"] == pytest.approx(slope, abs=1e-9)
        else:
            assert math.isnan(row["Trend per quarter"])


def _cells_of(sums: pd.DataFrame) -> dict[tuple[int, int], np.ndarray]:
    return {cell: row for cell, row in zip(sums.index, sums.to_numpy(dtype=float), strict=True)}


def _assert_same_cells(left: dict, right: dict) -> None:
    """The same cells with the same sums; a cell that adds up to nothing may be left out."""
    for cell in left.keys() | right.keys():
        a = left.get(cell, np.zeros(len(scoring.sum_columns(METHOD))))
        b = right.get(cell, np.zeros(len(scoring.sum_columns(METHOD))))
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9, err_msg=str(cell))


@examples
@given(logs)
def test_signed_cell_sums_of_every_row_added_are_the_quarter_sums(log: Log) -> None:
    parts = scoring.contributions(log.decisions, log.impacts, log.waste, METHOD)
    signed = scoring.signed_cell_sums(parts, np.ones(len(parts)), METHOD)
    _assert_same_cells(signed, _cells_of(log.sums()))


@examples
@given(decision_rows(), decision_rows())
def test_signed_cell_sums_give_the_difference_between_two_logs(before_rows, after_rows) -> None:
    """Rows of a log before a write taken away (negative ids) and after it added: what the write
    changes in every cell of quarter_sums."""
    before, after = to_log(*before_rows), to_log(*after_rows)
    negated = Log(
        before.decisions.assign(id=-before.decisions["id"]),
        before.impacts.assign(decision_id=-before.impacts["decision_id"]),
        before.waste.assign(decision_id=-before.waste["decision_id"]),
    )
    both = Log(
        *(
            pd.concat([b, a], ignore_index=True)
            for b, a in zip(
                (negated.decisions, negated.impacts, negated.waste),
                (after.decisions, after.impacts, after.waste),
                strict=True,
            )
        )
    )
    parts = scoring.contributions(both.decisions, both.impacts, both.waste, METHOD)
    signs = np.where(parts.index.to_numpy() < 0, -1.0, 1.0)
    difference = scoring.signed_cell_sums(parts, signs, METHOD)
    expected = _cells_of(after.sums())
    for cell, values in _cells_of(before.sums()).items():
        expected[cell] = expected.get(cell, np.zeros(len(values))) - values
    _assert_same_cells(difference, expected)


@examples
@given(logs, st.sampled_from([METHOD, replace(METHOD, groups=METHOD.groups[:3])]))
def test_row_figures_are_those_of_every_decision(log: Log, method) -> None:
    """A page's figures from plain numbers (impact rows of groups outside the method and of
    decisions not asked for included) are those `decision_figures` gives, exactly."""
    ids = [int(i) for i in log.decisions["id"]]
    numbers = log.impacts[["decision_id", "group_id", "impact"]].to_numpy(dtype=float)
    asked = ids[: len(ids) // 2 + 1] if ids else []
    rows = scoring.row_figures(asked, numbers, method)
    whole = decision_figures(log.decisions, log.impacts, log.waste, method)
    assert list(rows) == asked
    for decision_id in asked:
        row = rows[decision_id]
        assert list(row) == list(scoring.ROW_COLUMNS)
        expected = whole.loc[decision_id]
        assert row["harm"] is bool(expected["harm"])
        assert row["shared_value"] is bool(expected["shared_value"])
        if math.isnan(expected["impact_index"]):
            assert math.isnan(row["impact_index"])
        else:
            assert row["impact_index"] == expected["impact_index"]


def test_row_figures_refuse_repeated_ids() -> None:
    with pytest.raises(ValueError, match="unique"):
        scoring.row_figures([1, 1], np.empty((0, 3)), METHOD)
