"""A quarter in progress, by hand, on the worked example (SCORING.md, "A quarter in progress").

Today is 2026-04-20: day 20 of the 91 of 2026Q2. 2026Q2 cut at that day counts OPS-3 only
(decided 2026-04-08; OPS-4 comes on 2026-05-12), the review of OPS-1 (due 2026-04-15, done
2026-04-10) but not those of OPS-2 and OPS-3 (due later in the quarter); 2026Q1 cut at its own
day 20 (2026-01-20) counts OPS-1 only.

  2026Q2 cut: I = 100·(1+2+1)/15 = 26.667, shared value (S = 25, B = 33.3), no harm,
  N = 300·2 − 10·50 = 100 (neutral), CO2e = 300·1.5 = 450, coverage 3 of 3 = 100 %,
  Review % = 1 of 1 = 100, calibration of OPS-1 = 0.6.
  Composite = (30·63.333 + 20·100 + 10·100 + 20·100 + 10·100 + 10·100) / 100 = 89.
  2026Q1 cut: OPS-1 alone: I = 40, not shared, no harm, neutral, coverage 40, no review due:
  Composite = (30·70 + 20·0 + 10·100 + 20·100 + 10·40) / 90 = 61.111.
  Change = 89 − 61.111 = +27.889: improving, streak 1; trend empty (two quarters only).
"""

from __future__ import annotations

from datetime import date

import pytest

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from tests.domain.worked_example import load_worked_example

TODAY = date(2026, 4, 20)
Q1, Q2 = Quarter(2026, 1), Quarter(2026, 2)


@pytest.fixture
def method() -> scoring.Method:
    return scoring.default_method()


@pytest.fixture
def cut(method):
    example = load_worked_example(method=method)
    frames = (example.decisions, example.impacts, example.waste, method)
    progress = scoring.progress(Q2, TODAY)
    current = scoring.quarter_sums(*frames, upto=progress.cut)
    previous = scoring.quarter_sums(*frames, upto=progress.previous_cut)
    full = scoring.quarter_sums(*frames)
    return full, scoring.Cut(
        progress,
        current[current.index.get_level_values(1) == Q2.index],
        previous[previous.index.get_level_values(1) == Q1.index],
    )


def test_progress_of_a_quarter() -> None:
    progress = scoring.progress(Q2, TODAY)
    assert (progress.day, progress.days) == (20, 91)
    assert progress.label == "in progress, day 20 of 91"
    assert progress.cut == TODAY and progress.previous_cut == date(2026, 1, 20)
    assert scoring.progress(Q1, TODAY) is None  # complete: never cut
    # Day 92 of a quarter of 92 days cuts a previous quarter of 90 days at its last day.
    assert scoring.progress(Quarter(2026, 3), date(2026, 9, 30)).previous_cut == date(2026, 6, 30)


def test_the_cut_quarter_and_its_comparison(cut, method) -> None:
    full, quarter_cut = cut
    row = scoring.team_series(full, method, 1, [Q1.index, Q2.index], quarter_cut).loc[Q2.index]
    expected = {
        "Decisions": 1,
        "Impact index": 26.667,
        "Shared value %": 100,
        "Harm %": 0,
        "Waste-neutral %": 100,
        "Net waste avoided": 100,
        "Net CO2e avoided (kg)": 450,
        "Consultation %": 100,
        "Review %": 100,
        "Calibration error": 0.6,
        "Composite": 89.0,
        "Previous composite": 61.111,
        "Change": 27.889,
    }
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, abs=5e-4), name
    assert row["Status"] == "improving"
    assert row["Improving streak"] == 1
    assert row["Trend per quarter"] != row["Trend per quarter"]  # empty (NaN)


def test_the_previous_quarter_keeps_its_own_complete_figures(cut, method) -> None:
    full, quarter_cut = cut
    row = scoring.team_series(full, method, 1, [Q1.index, Q2.index], quarter_cut).loc[Q1.index]
    assert row["Composite"] == pytest.approx(40.0)
    assert row["Decisions"] == 2


def test_the_teams_table_cuts_the_same_way(cut, method) -> None:
    full, quarter_cut = cut
    table = scoring.teams_table(full, method, Q2.index, {1: "Operations"}, quarter_cut)
    for position in (0, 1):  # the team, and All teams
        row = table.iloc[position]
        assert row["Composite"] == pytest.approx(89.0)
        assert row["Review %"] == pytest.approx(100.0)
        assert row["Previous composite"] == pytest.approx(61.111, abs=5e-4)
        assert row["Status"] == "improving"


def test_without_the_cut_the_full_quarter(cut, method) -> None:
    full, _ = cut
    row = scoring.team_series(full, method, 1, [Q1.index, Q2.index]).loc[Q2.index]
    assert row["Composite"] == pytest.approx(69.333, abs=5e-4)
    assert row["Review %"] == pytest.approx(33.333, abs=5e-4)
