"""The scores service loads decisions from the database and agrees with the scoring module."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import (
    Decision,
    Review,
    StakeholderGroup,
    StakeholderImpact,
    Team,
    TeamQuarterSums,
    WasteLine,
)
from scorecard.services import accounts, reference, score_cache, score_inputs, scores
from tests.conftest import sign_in
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


# --- the stored team-quarter sums stay equal to a computation from scratch -----------------

TEAMS = ("Operations", "Sales", "Legal")
FIRST = date(2025, 1, 1)


def scratch(session) -> pd.DataFrame:
    return scores.sums_of_decisions(session, reference.current_method(session))


def stored(session) -> tuple[pd.DataFrame, int]:
    """The cache table as it is, and how many of its cells are stale."""
    method = reference.current_method(session)
    rows = session.execute(
        sa.select(
            TeamQuarterSums.team_id,
            TeamQuarterSums.quarter,
            TeamQuarterSums.sums,
            TeamQuarterSums.stale,
        )
    ).all()
    fresh = {(t, q): s for t, q, s, is_stale in rows if not is_stale}
    return score_cache.frame_of_sums(fresh, method), sum(1 for row in rows if row.stale)


def assert_cache_matches_scratch(app) -> None:
    """Figures read through the cache are bit-identical to a computation from every decision,
    and after that read every stored cell is fresh and identical too."""
    with app.app_context():
        session = db.new_session()
        expected = scratch(session)
        method = reference.current_method(session)
        pd.testing.assert_frame_equal(score_cache.fresh_sums(session, method), expected)
        for quarter in (Quarter(2025, 3), Quarter(2026, 2), Quarter(2027, 1)):
            table = scores.teams_table(session, quarter)
            names = dict(session.execute(sa.select(Team.id, Team.name)).all())
            pd.testing.assert_frame_equal(
                table.rows, scoring.teams_table(expected, method, quarter.index, names)
            )
        session.close()
    with app.app_context():
        session = db.new_session()
        cached, stale = stored(session)
        assert stale == 0
        pd.testing.assert_frame_equal(cached, scratch(session))
        session.close()


class RandomWrites:
    """Random edits of a small log through the ORM, each in its own committed transaction."""

    def __init__(self, app, seed: int) -> None:
        self.app = app
        self.random = random.Random(seed)
        with app.app_context(), db.writing() as session:
            self.teams = [
                (
                    accounts.team_by_slug(session, name.lower())
                    or accounts.create_team(session, None, name, None, "")
                ).id
                for name in TEAMS
            ]
            self.groups = [g.id for g in reference.active_groups(session)]
            self.categories = [c.id for c in reference.active_categories(session)]

    def day(self, after: date = FIRST, span: int = 600) -> date:
        return after + timedelta(days=self.random.randrange(span))

    def impacts(self) -> list[StakeholderImpact]:
        return [
            StakeholderImpact(
                group_id=g,
                impact=self.random.randint(-3, 3),
                consulted=self.random.random() < 0.5,
                actual=self.random.choice([None, None, *range(-3, 4)]),
            )
            for g in self.groups
            if self.random.random() < 0.8
        ]

    def waste(self) -> list[WasteLine]:
        return [
            WasteLine(
                category_id=self.random.choice(self.categories),
                created=self.random.choice([0, 0.1, 12.5, 300]),
                avoided=self.random.choice([0, 0.3, 7, 1200]),
                position=i,
            )
            for i in range(self.random.randrange(4))
        ]

    def create(self, session) -> None:
        decided = self.day()
        decision = Decision(
            team_id=self.random.choice(self.teams),
            title="Random decision",
            decided_on=decided,
            review_due=self.random.choice([None, self.day(decided, 300)]),
            status=self.random.choice(["draft", "decided", "decided", "reviewed"]),
            archived=self.random.random() < 0.1,
            impacts=self.impacts(),
            waste_lines=self.waste(),
        )
        if self.random.random() < 0.5:
            decision.review = Review(reviewed_on=self.day(decided, 400))
        session.add(decision)

    def pick(self, session) -> Decision | None:
        ids = session.scalars(sa.select(Decision.id).order_by(Decision.id)).all()
        return session.get(Decision, self.random.choice(ids)) if ids else None

    def edit(self, session) -> None:
        decision = self.pick(session)
        if decision is None:
            return self.create(session)
        action = self.random.choice(
            [
                "impact",
                "impact",
                "remove-impact",
                "waste",
                "add-waste",
                "review",
                "unreview",
                "archive",
                "status",
                "move",
                "dates",
                "title",
                "delete",
                "bulk-archive",
            ]
        )
        if action == "impact" and decision.impacts:
            impact = self.random.choice(decision.impacts)
            impact.impact = self.random.randint(-3, 3)
            impact.actual = self.random.choice([None, *range(-3, 4)])
            impact.consulted = not impact.consulted
        elif action == "remove-impact" and decision.impacts:
            decision.impacts.remove(self.random.choice(decision.impacts))
        elif action == "waste" and decision.waste_lines:
            line = self.random.choice(decision.waste_lines)
            line.avoided = line.avoided + 3.7
            line.category_id = self.random.choice(self.categories)
        elif action == "add-waste":
            decision.waste_lines.extend(self.waste())
        elif action == "review":
            if decision.review is None:
                decision.review = Review(reviewed_on=self.day(decision.decided_on, 400))
            else:
                decision.review.reviewed_on = self.day(decision.decided_on, 400)
        elif action == "unreview" and decision.review is not None:
            session.delete(decision.review)
        elif action == "archive":
            decision.archived = not decision.archived
        elif action == "status":
            decision.status = self.random.choice(["draft", "decided", "reviewed"])
        elif action == "move":
            decision.team_id = self.random.choice(self.teams)
        elif action == "dates":
            decision.decided_on = self.day()
            decision.review_due = self.day(decision.decided_on, 300)
        elif action == "title":
            decision.title = "Renamed"
            session.execute(
                sa.update(Decision)
                .where(Decision.id == decision.id)
                .values(version=Decision.version + 1),
                execution_options={"synchronize_session": False},
            )
        elif action == "delete":
            session.delete(decision)
        elif action == "bulk-archive":
            team = self.random.choice(self.teams)
            session.execute(
                sa.update(Decision)
                .where(Decision.team_id == team, Decision.decided_on < self.day())
                .values(archived=self.random.random() < 0.5)
            )
        return None

    def step(self) -> None:
        with self.app.app_context(), db.writing() as session:
            if self.random.random() < 0.3:
                self.create(session)
            else:
                self.edit(session)

    def read(self) -> None:
        """A reader in between, so later writes hit a cache that is fresh."""
        with self.app.app_context():
            scores.teams_table(db.session, Quarter.from_index(self.random.choice(QUARTERS)))


QUARTERS = [q.index for q in Quarter.range(Quarter(2025, 1), Quarter(2027, 2))]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_orm_writes_keep_the_stored_sums_equal_to_a_fresh_computation(app, seed, monkeypatch):
    writes = RandomWrites(app, seed)
    for _ in range(8):
        writes.step()
    writes.read()
    rebuilds = []
    rebuild = score_cache.rebuild
    monkeypatch.setattr(score_cache, "rebuild", lambda *args: rebuilds.append(1) or rebuild(*args))
    for step in range(40):
        writes.step()
        writes.read()
        if step % 10 == 9:
            assert_cache_matches_scratch(app)
    assert_cache_matches_scratch(app)
    # Only stale cells were recomputed: the whole log was never read again.
    assert rebuilds == []


def test_a_transaction_reads_its_own_writes_without_storing_them(app):
    store_worked_example(app)
    assert_cache_matches_scratch(app)
    with app.app_context():
        session = db.new_session(write=True)
        decision = session.scalar(sa.select(Decision).where(Decision.external_id.like("%OPS-2")))
        decision.archived = True
        table = scores.teams_table(session, Q1)
        assert table.rows["Decisions"].tolist() == [1, 1]
        session.rollback()
        session.close()
    with app.app_context():
        assert scores.teams_table(db.session, Q1).rows["Decisions"].tolist() == [2, 2]
        _, stale = stored(db.session)
    assert stale == 0


def test_a_warm_cache_reads_no_decision(app):
    store_worked_example(app)
    with app.app_context():
        scores.teams_table(db.session, Q2)
    statements = []
    with app.app_context():
        engine = db.engine
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            scores.teams_table(db.session, Q2)
            scores.team_series(db.session, None, Q2.last_n(8))
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
    assert statements
    assert not [s for s in statements if re.search(r"\b(decision|review)\b", s)], statements


def test_core_inserts_are_counted_after_invalidate(app, make):
    ids = store_worked_example(app)
    assert_cache_matches_scratch(app)
    with app.app_context(), db.writing() as session:
        team_id = session.get(Decision, ids["OPS-1"]).team_id
        session.connection().execute(
            sa.insert(Decision.__table__),
            [
                {
                    "team_id": team_id,
                    "title": "Imported",
                    "question": "",
                    "context": "",
                    "decision_taken": "",
                    "alternatives": "",
                    "decided_on": date(2026, 2, 1),
                    "status": "decided",
                    "tags": "",
                    "archived": False,
                    "version": 1,
                    "created_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                }
            ],
        )
        scores.invalidate(session, [(team_id, Q1)])
    with app.app_context():
        assert scores.teams_table(db.session, Q1).rows["Decisions"].tolist() == [3, 3]
    assert_cache_matches_scratch(app)
    with app.app_context(), db.writing() as session:
        session.connection().execute(sa.update(Decision.__table__).values(archived=True))
        scores.invalidate_all(session)
    with app.app_context():
        assert scores.teams_table(db.session, Q1).rows["Decisions"].tolist() == [0]
    assert_cache_matches_scratch(app)


def test_a_write_during_a_read_is_never_overwritten(app, monkeypatch):
    """The reader computed a cell before a write committed: it must not store it as fresh."""
    ids = store_worked_example(app)
    assert_cache_matches_scratch(app)
    with app.app_context(), db.writing() as session:
        session.get(Decision, ids["OPS-2"]).impacts[0].impact = 3
    store = score_cache.store_computed

    def write_first(session, computed):
        with app.app_context(), db.writing() as writer:
            writer.get(Decision, ids["OPS-1"]).archived = True
        return store(session, computed)

    monkeypatch.setattr(score_cache, "store_computed", write_first)
    with app.app_context():
        session = db.new_session()
        scores.teams_table(session, Q1)
        session.close()
    monkeypatch.setattr(score_cache, "store_computed", store)
    with app.app_context():
        session = db.new_session()
        _, stale = stored(session)
        assert stale >= 1
        session.close()
    assert_cache_matches_scratch(app)
    with app.app_context():
        assert scores.teams_table(db.session, Q1).rows["Decisions"].tolist() == [1, 1]


def test_series_of_teams_equals_each_team_series(app):
    store_worked_example(app)
    store_worked_example(app, "Sales")
    quarters = Q2.last_n(4)
    with app.app_context():
        every = scores.series_of_teams(db.session, quarters)
        assert len(every) == 2
        for team_id, series in every.items():
            pd.testing.assert_frame_equal(series, scores.team_series(db.session, team_id, quarters))


def test_new_weights_reuse_the_stored_sums_and_new_groups_rebuild_them(
    app, client, org, monkeypatch
):
    store_worked_example(app)
    with app.app_context():
        before = scores.teams_table(db.session, Q2).rows["Composite"].iloc[0]
    rebuilds = []
    rebuild = score_cache.rebuild
    monkeypatch.setattr(score_cache, "rebuild", lambda *args: rebuilds.append(1) or rebuild(*args))
    sign_in(client, "admin@example.com")
    weights = {**dict.fromkeys(reference.WEIGHT_KEYS, 10), "note": "Equal weights"}
    assert client.post("/admin/weights", data=weights).status_code == 302
    with app.app_context():
        table = scores.teams_table(db.session, Q2)
    assert table.method_version == 2
    assert table.rows["Composite"].iloc[0] != pytest.approx(before)
    assert rebuilds == []
    assert_cache_matches_scratch(app)

    with app.app_context(), db.writing() as session:
        workers = session.scalar(
            sa.select(StakeholderGroup).where(StakeholderGroup.name == "Workers")
        )
        workers.weight = 3.0
        reference.new_version(session, None, "Workers count three times")
    with app.app_context():
        table = scores.teams_table(db.session, Q2)
    assert table.method_version == 3
    assert rebuilds == [1]
    assert_cache_matches_scratch(app)


def test_core_updates_are_counted_after_invalidate_decisions(app):
    ids = store_worked_example(app)
    assert_cache_matches_scratch(app)
    moved = [ids["OPS-1"], ids["OPS-2"]]
    with app.app_context(), db.writing() as session:
        scores.invalidate_decisions(session, moved)  # where they counted
        session.connection().execute(
            sa.update(Decision.__table__)
            .where(Decision.__table__.c.id.in_(moved))
            .values(decided_on=date(2026, 4, 1))
        )
        scores.invalidate_decisions(session, moved)  # where they count now
    with app.app_context():
        assert scores.teams_table(db.session, Q1).rows["Decisions"].tolist() == [0]
        assert scores.teams_table(db.session, Q2).rows["Decisions"].tolist() == [4, 4]
    assert_cache_matches_scratch(app)


def test_many_scattered_stale_cells_are_recomputed_in_batches(app):
    ids = store_worked_example(app)
    with app.app_context():
        session = db.new_session()
        team = session.get(Decision, ids["OPS-1"]).team_id
        method = reference.current_method(session)
        # 250 runs of one quarter each, every other quarter from 2000 on: three batches.
        cells = {(team, q) for q in range(Quarter(2000, 1).index, Quarter(2125, 1).index, 2)}
        cells |= {(team, Q1.index), (team, Q2.index)}
        recomputed = score_cache.sums_of_cells(session, method, cells)
        expected = scratch(session)
        session.close()
    pd.testing.assert_frame_equal(score_cache.frame_of_sums(recomputed, method), expected)


def test_a_rebuild_team_by_team_stores_the_sums_of_the_whole_log(app, make, org, monkeypatch):
    """Batches of teams hold a part of the log in memory at a time; each cell adds up its own
    team's decisions in the same order, so the sums are those of one pass, to the last bit."""
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
        whole = score_cache._as_lists(score_inputs.sums_of_decisions(session, method))
        batches = list(score_cache.team_batches(session, at_most=1))
        assert len(batches) == len({team for team, _ in whole}) > 1
        monkeypatch.setattr(score_cache, "REBUILD_BATCH", 1)
        assert score_cache.sums_of_every_cell(session, method) == whole
        assert list(score_cache.team_batches(session)) == [sorted({t for t, _ in whole})]
