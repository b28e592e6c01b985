"""Stakeholders' answers and the figures beside the method, against hand-computed examples."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import default_method, quarter_sums
from scorecard.domain.voice import (
    HEARD,
    HEARD_BASE,
    beside_table,
    counts_as_consulted,
    gap_column,
    heard_sums,
    summarise,
    with_answers_consulted,
)

METHOD = default_method()
GROUPS = {g.name: g.id for g in METHOD.groups}
Q1, Q2 = Quarter(2026, 1).index, Quarter(2026, 2).index


def test_summary_of_answers():
    summary = summarise([1, 0, -1, 2])
    assert summary.count == 4
    assert summary.mean == 0.5
    assert summary.distribution == {-3: 0, -2: 0, -1: 1, 0: 1, 1: 1, 2: 1, 3: 0}
    assert summary.share(2) == 25.0
    assert summary.counts_in_figures
    assert not summarise([3, 3]).counts_in_figures
    assert summarise([]).mean is None


def test_a_rating_outside_the_scale_is_refused():
    with pytest.raises(ValueError, match="−3 to \\+3"):
        summarise([4])


def test_answers_on_or_before_the_decision_count_as_consulted():
    decided = date(2026, 2, 1)
    assert counts_as_consulted([date(2026, 1, 20)], decided)
    assert counts_as_consulted([date(2026, 2, 1)], decided)
    assert not counts_as_consulted([date(2026, 2, 2), date(2026, 3, 1)], decided)
    assert not counts_as_consulted([], decided)


def test_answered_groups_are_consulted_and_the_authors_word_stays():
    impacts = pd.DataFrame(
        {
            "decision_id": [1, 1, 2],
            "group_id": [1, 2, 1],
            "impact": [1, -1, 2],
            "consulted": [True, False, False],
        }
    )
    heard = pd.DataFrame({"decision_id": [1, 3], "group_id": [2, 1]})
    marked = with_answers_consulted(impacts, heard)
    assert marked["consulted"].tolist() == [True, True, False]
    assert impacts["consulted"].tolist() == [True, False, False]  # the input is left as it was


def _example():
    """Two teams in 2026Q1 (and one decision in Q2); see the docstring of the test below."""
    decisions = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6, 7],
            "team_id": [1, 1, 1, 1, 1, 2, 1],
            "status": ["decided", "reviewed", "decided", "draft", "decided", "decided", "decided"],
            "archived": [False] * 7,
            "decided_on": pd.to_datetime(
                [
                    "2026-01-15",
                    "2026-02-01",
                    "2026-03-01",
                    "2026-03-02",
                    "2026-02-10",
                    "2026-03-20",
                    "2026-04-02",
                ]
            ),
            "review_due": pd.NaT,
            "reviewed_on": pd.NaT,
        }
    )
    rows = [
        (1, "Customers", 2),
        (1, "Communities", 1),
        (2, "Workers", -1),
        (4, "Customers", 3),
        (5, "Owners", 1),
        (6, "Workers", 2),
        (7, "Customers", 1),
    ]
    impacts = pd.DataFrame(
        {
            "decision_id": [r[0] for r in rows],
            "group_id": [GROUPS[r[1]] for r in rows],
            "impact": [r[2] for r in rows],
            "consulted": False,
            "actual": math.nan,
        }
    )
    answers = {
        (1, "Customers"): [1, 0, -1, 2],
        (1, "Communities"): [3, 3],
        (2, "Nature"): [1, 1, 1],
        (3, "Customers"): [-3, -3, -3],
        (4, "Customers"): [1, 1, 1],
        (6, "Workers"): [2, 2, 3],
        (7, "Customers"): [1, 1, 1],
    }
    answer_frame = pd.DataFrame(
        {
            "decision_id": [d for d, _ in answers],
            "group_id": [GROUPS[g] for _, g in answers],
            "count": [len(v) for v in answers.values()],
            "total": [sum(v) for v in answers.values()],
        }
    )
    waste = pd.DataFrame(columns=["decision_id", "category_id", "created", "avoided"])
    return decisions, impacts, answer_frame, waste


def test_heard_and_estimate_gaps_by_hand():
    """Operations (team 1) in 2026Q1: decisions 1, 2 and 5 affect a group; 3 affects none and 4
    is a draft. Only decision 1 has an affected group (Customers, +2) with 3 answers or more:
    Heard % = 1/3. Customers' gap: decision 1, 2 − mean(1, 0, −1, 2) = 1.5, and decision 3,
    0 − (−3) = 3: mean 2.25. Nature: decision 2, 0 − 1 = −1. Communities had 2 answers only.
    Sales (team 2): decision 6, Workers +2 against a mean of 7/3: heard, gap −1/3.
    All teams: 2 heard of 4, Customers 2.25, Workers −1/3, Nature −1."""
    decisions, impacts, answers, waste = _example()
    sums = quarter_sums(decisions, impacts, waste, METHOD)
    heard = heard_sums(decisions, impacts, answers, METHOD)
    table = beside_table(sums, heard, METHOD, Q1, {1: "Operations", 2: "Sales"})

    assert table["Team"].tolist() == ["Operations", "Sales", "All teams"]
    ops, sales, everyone = (table.iloc[i] for i in range(3))
    assert ops[HEARD_BASE] == 3
    assert ops[HEARD] == pytest.approx(100 / 3)
    assert ops[gap_column("Customers")] == pytest.approx(2.25)
    assert ops[gap_column("Nature")] == pytest.approx(-1)
    assert math.isnan(ops[gap_column("Communities")])
    assert math.isnan(ops[gap_column("Workers")])
    assert sales[HEARD] == pytest.approx(100)
    assert sales[gap_column("Workers")] == pytest.approx(2 - 7 / 3)
    assert everyone[HEARD_BASE] == 4
    assert everyone[HEARD] == pytest.approx(50)
    assert everyone[gap_column("Customers")] == pytest.approx(2.25)
    assert everyone[gap_column("Workers")] == pytest.approx(2 - 7 / 3)
    assert math.isnan(everyone[gap_column("Owners")])


def test_the_next_quarter_counts_only_its_own_decisions():
    decisions, impacts, answers, waste = _example()
    sums = quarter_sums(decisions, impacts, waste, METHOD)
    heard = heard_sums(decisions, impacts, answers, METHOD)
    table = beside_table(sums, heard, METHOD, Q2, {1: "Operations", 2: "Sales"})
    assert table["Team"].tolist() == ["Operations", "All teams"]
    assert table.iloc[0][HEARD] == pytest.approx(100)
    assert table.iloc[0][gap_column("Customers")] == pytest.approx(0)


def test_a_quarter_without_answers_has_empty_gaps_and_heard_zero():
    decisions, impacts, answers, waste = _example()
    sums = quarter_sums(decisions, impacts, waste, METHOD)
    heard = heard_sums(decisions, impacts, answers.iloc[0:0], METHOD)
    table = beside_table(sums, heard, METHOD, Q1, {1: "Operations", 2: "Sales"})
    assert table[HEARD].tolist() == [0, 0, 0]
    assert table[[gap_column(g.name) for g in METHOD.groups]].isna().all().all()


def test_a_quarter_without_decisions_has_only_an_empty_all_teams_row():
    decisions, impacts, answers, waste = _example()
    sums = quarter_sums(decisions, impacts, waste, METHOD)
    heard = heard_sums(decisions, impacts, answers, METHOD)
    table = beside_table(sums, heard, METHOD, Quarter(2025, 4).index, {})
    assert table["Team"].tolist() == ["All teams"]
    assert table.iloc[0][HEARD_BASE] == 0
    assert math.isnan(table.iloc[0][HEARD])
