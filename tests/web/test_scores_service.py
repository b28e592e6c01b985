"""The scores service loads decisions from the database and agrees with the scoring module."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import (
    Decision,
)
from scorecard.services import accounts, score_cache, score_inputs, scores
from tests.worked_example_orm import store_worked_example


def test_decision_figures_of_ops_1(app, make, org):
    ops1 = make.decision(
        org.ops,
        org.staff,
        decided_on=date(2026, 1, 20),
        review_due=date(2026, 4, 15),
        reviewed_on=date(2026, 4, 10),
        impacts={"Workers": 1, "Customers": 1, "Communities": 2, "Nature": 3, "Owners": -1},
        consulted=("Customers", "Communities"),
        waste=[("Spend", 1200, 0), ("Energy", 0, 500), ("Travel", 0, 8000)],
        actuals={"Workers": 1, "Customers": 0, "Communities": 2, "Nature": 2, "Owners": 0},
    )
    with app.app_context():
        figures = scores.decision_figures(db.session, [ops1.id]).loc[ops1.id]
        actual = scores.decision_figures(db.session, [ops1.id], actual=True).loc[ops1.id]
    assert figures["impact_index"] == pytest.approx(40)
    assert figures["business_index"] == pytest.approx(-33.333, abs=1e-3)
    assert not figures["shared_value"]
    assert figures["net_waste"] == pytest.approx(3750)
    assert figures["coverage"] == pytest.approx(40)
    assert actual["impact_index"] == pytest.approx(100 * 5 / 15)


def test_no_decisions_gives_an_empty_frame(app):
    with app.app_context():
        assert scores.decision_figures(db.session, []).empty


# --- the service's tables on the worked example ---------------------------------------------

Q1, Q2 = Quarter(2026, 1), Quarter(2026, 2)


def test_teams_table_of_the_worked_example(app):
    store_worked_example(app)
    with app.app_context():
        table = scores.teams_table(db.session, Q2)
    assert table.quarter == Q2
    assert table.method_version == 1
    assert list(table.rows.columns) == list(scoring.TEAMS_COLUMNS)
    assert str(table.rows.index.dtype) == "Int64"
    assert list(table.rows["Team"]) == ["Operations", "All teams"]
    assert pd.isna(table.rows.index[-1])
    operations_id = int(table.rows.index[0])
    assert table.slugs == {operations_id: "operations"}
    for row in table.rows.itertuples(index=False):
        assert row[list(scoring.TEAMS_COLUMNS).index("Composite")] == pytest.approx(
            69.333, abs=5e-4
        )


def test_team_filter_gives_all_teams_over_those_teams_only(app, make):
    store_worked_example(app)
    store_worked_example(app, "Sales")
    with app.app_context():
        sales_id = accounts.team_by_slug(db.session, "sales").id
        both = scores.teams_table(db.session, Q2)
        only = scores.teams_table(db.session, Q2, team_ids=[sales_id])
        none = scores.teams_table(db.session, Q2, team_ids=[])
    assert list(both.rows["Team"]) == ["Operations", "Sales", "All teams"]
    assert both.rows["Decisions"].iloc[-1] == 4
    assert list(only.rows["Team"]) == ["Sales", "All teams"]
    assert only.slugs == {sales_id: "sales"}
    assert only.rows["Decisions"].iloc[-1] == 2
    assert list(none.rows["Team"]) == ["All teams"]
    assert pd.isna(none.rows["Composite"].iloc[0])


def test_team_series_composite_trends_and_breakdown(app):
    ids = store_worked_example(app)
    quarters = Q2.last_n(3)
    with app.app_context():
        team_id = db.session.get(Decision, ids["OPS-1"]).team_id
        series = scores.team_series(db.session, team_id, quarters)
        everyone = scores.team_series(db.session, None, quarters)
        elsewhere = scores.team_series(db.session, team_id, quarters, team_ids=[team_id + 1])
        trends = scores.composite_trends(db.session, quarters)
        parts = scores.breakdown(db.session, quarters, team_id=team_id)

    assert list(series.index) == ["2025Q4", "2026Q1", "2026Q2"]
    assert list(series.columns) == [*scoring.KPI_COLUMNS, *scoring.IMPROVEMENT_COLUMNS]
    assert series.loc["2026Q1", "Composite"] == pytest.approx(40)
    assert series.loc["2026Q2", "Change"] == pytest.approx(29.333, abs=5e-4)
    assert pd.isna(series.loc["2025Q4", "Composite"])
    pd.testing.assert_frame_equal(series, everyone)
    assert elsewhere["Decisions"].tolist() == [0, 0, 0]

    assert list(trends.index) == ["Operations"]
    assert list(trends.columns) == ["2025Q4", "2026Q1", "2026Q2"]
    assert pd.isna(trends.loc["Operations", "2025Q4"])
    assert trends.loc["Operations", "2026Q2"] == pytest.approx(69.333, abs=5e-4)

    assert parts.method_version == 1
    # 2026Q1: OPS-1 and OPS-2; OPS-1 Workers +1, OPS-2 Workers -2.
    assert parts.groups.loc["2026Q1", "Workers"] == pytest.approx(-0.5)
    assert parts.groups.loc["2026Q2", "Communities"] == pytest.approx(0.5)
    assert parts.groups.loc["2025Q4"].isna().all()
    assert parts.waste.loc["2026Q1", "Travel"] == pytest.approx(4800)
    assert parts.waste.loc["2026Q1"].sum() == pytest.approx(1720)
    assert parts.co2e.loc["2026Q2"].sum() == pytest.approx(450)
    assert parts.waste.loc["2025Q4"].isna().all()
    assert parts.counts.loc["2026Q1"].tolist() == [2, 0, 1]
    assert parts.counts.loc["2026Q2"].tolist() == [2, 2, 0]
    assert parts.counts.loc["2025Q4"].tolist() == [0, 0, 0]


def test_empty_quarter_lists(app):
    with app.app_context():
        assert scores.team_series(db.session, None, []).empty
        assert scores.composite_trends(db.session, []).empty
        assert scores.breakdown(db.session, []).counts.empty


def test_series_of_teams_equals_each_team_series(app):
    store_worked_example(app)
    store_worked_example(app, "Sales")
    quarters = Q2.last_n(4)
    with app.app_context():
        every = scores.series_of_teams(db.session, quarters)
        assert len(every) == 2
        for team_id, series in every.items():
            pd.testing.assert_frame_equal(series, scores.team_series(db.session, team_id, quarters))


def test_a_rebuild_by_id_ranges_stores_the_sums_of_the_whole_log(app, make, org, monkeypatch):
    """Ranges of decision ids hold a part of the log in memory at a time; their cells add up to
    the sums of one pass over the whole log (to float rounding: another order of adding)."""
    store_worked_example(app)
    for n, team in enumerate((org.ops, org.sales, org.ops, org.sales)):
        make.decision(
            team,
            impacts={"Workers": n - 2, "Nature": 3 - n, "Owners": 1},
            waste=[("Energy", 0.1 * n, 1.3)],
            decided_on=date(2026, 1 + n, 3),
        )
    with app.app_context():
        session = db.session
        method = scores.current_method(session)
        whole = score_inputs.sums_of_decisions(session, method)
        ids = session.scalars(sa.select(Decision.id).order_by(Decision.id)).all()
        assert next(score_cache.id_ranges(session, at_most=2)) == (ids[0], ids[0] + 1)
        assert list(score_cache.id_ranges(session)) == [(ids[0], ids[-1])]
        monkeypatch.setattr(score_cache, "REBUILD_BATCH", 2)
        pieces = score_cache.sums_of_every_cell(session, method)
        pd.testing.assert_frame_equal(
            score_cache.frame_of_sums(pieces, method), whole, check_exact=False, rtol=1e-12
        )
