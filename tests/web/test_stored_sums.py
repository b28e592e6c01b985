"""The stored team-quarter sums are kept exact by every write, in the write's own transaction.

Writes go through `score_cache.SumsChange` (or `changing`), as the services do; reads take what
is stored and never compute, except for the rebuild after a change of groups or categories.
"""

from __future__ import annotations

import random
import re
import threading
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import (
    Decision,
    Review,
    ScoreCut,
    StakeholderGroup,
    StakeholderImpact,
    Team,
    TeamQuarterCut,
    TeamQuarterSums,
    WasteLine,
)
from scorecard.services import accounts, reference, score_cache, score_inputs, scores
from tests.conftest import sign_in
from tests.worked_example_orm import store_worked_example

TEAMS = ("Operations", "Sales", "Legal")
FIRST = date(2025, 1, 1)
Q1, Q2 = Quarter(2026, 1), Quarter(2026, 2)
QUARTERS = [q.index for q in Quarter.range(Quarter(2026, 1), Quarter(2027, 2))]
TODAY = date(2026, 2, 15)  # day 46 of 2026Q1: figures compare with 2025Q4 to its day 46


def scratch(session) -> pd.DataFrame:
    return scores.sums_of_decisions(session, reference.current_method(session))


def stored(session) -> pd.DataFrame:
    """The stored cells as they are, without the cells that hold nothing any more."""
    method = reference.current_method(session)
    rows = session.execute(
        sa.select(TeamQuarterSums.team_id, TeamQuarterSums.quarter, TeamQuarterSums.sums)
    ).all()
    frame = score_cache.frame_of_sums({(t, q): s for t, q, s in rows}, method)
    return frame[(frame.abs() > 1e-9).any(axis=1)]


def assert_stored_sums_exact(app) -> None:
    """The stored sums, what reads give and `scores --verify` all agree with a computation
    from every decision (to float rounding: a sum kept by differences adds in another order)."""
    with app.app_context():
        session = db.new_session()
        expected = scratch(session)
        method = reference.current_method(session)
        # (On a new database, the first read builds every cell.)
        read = score_cache.fresh_sums(session, method)
        pd.testing.assert_frame_equal(
            read[(read.abs() > 1e-9).any(axis=1)], expected, check_exact=False, rtol=1e-12
        )
        session.close()
        session = db.new_session()
        checked, differences = scores.verify_sums(session, method)
        assert differences == []
        assert checked >= len(expected)
        pd.testing.assert_frame_equal(stored(session), expected, check_exact=False, rtol=1e-12)
        # Every stored cut too: the cells of its quarter, cut at its day, from every decision.
        cuts = session.execute(sa.select(ScoreCut.quarter, ScoreCut.day)).all()
        for quarter, day in cuts:
            (fresh,) = score_inputs.cut_sums_of_decisions(
                session, method, sa.select(Decision.id), [day]
            )
            fresh = fresh[fresh.index.get_level_values(1) == quarter]
            kept = score_cache.stored_cut(session, method, (quarter, day), None)
            pd.testing.assert_frame_equal(
                kept[(kept.abs() > 1e-9).any(axis=1)], fresh, check_exact=False, rtol=1e-12
            )
        for quarter in (Quarter(2025, 3), Quarter(2026, 2), Quarter(2027, 1)):
            table = scores.teams_table(session, quarter)
            names = dict(session.execute(sa.select(Team.id, Team.name)).all())
            pd.testing.assert_frame_equal(
                table.rows,
                scoring.teams_table(expected, method, quarter.index, names),
                check_exact=False,
                rtol=1e-9,
            )
        session.close()


class RandomWrites:
    """Random writes of a small log, each in its own committed transaction, each through a
    SumsChange as the services make them: ORM edits of every part, deletes, Core bulk updates."""

    def __init__(self, app, rng: random.Random) -> None:
        self.app = app
        self.random = rng
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
        with score_cache.changing(session, decision):
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
                "remove-waste",
                "review",
                "unreview",
                "archive",
                "status",
                "move",
                "dates",
                "delete",
                "bulk-archive",
            ]
        )
        if action == "bulk-archive":
            team = self.random.choice(self.teams)
            where = (Decision.team_id == team, Decision.decided_on < self.day())
            ids = session.scalars(sa.select(Decision.id).where(*where)).all()
            with score_cache.changing(session, ids):
                session.execute(
                    sa.update(Decision.__table__)
                    .where(Decision.__table__.c.id.in_(ids))
                    .values(archived=self.random.random() < 0.5)
                )
            return None
        with score_cache.changing(session, decision):
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
            elif action == "remove-waste" and decision.waste_lines:
                decision.waste_lines.remove(self.random.choice(decision.waste_lines))
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
            elif action == "delete":
                session.delete(decision)
        return None

    def step(self) -> None:
        with self.app.app_context(), db.writing() as session:
            if self.random.random() < 0.3:
                self.create(session)
            else:
                self.edit(session)

    def read(self) -> None:
        """A reader in between; it also stores the cuts of a day in the log's quarters."""
        with self.app.app_context():
            scores.teams_table(
                db.session, Quarter.from_index(self.random.choice(QUARTERS)), today=TODAY
            )


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), steps=st.integers(1, 25))
def test_random_writes_keep_the_stored_sums_exact(app, seed, steps):
    """Whatever came before (the examples share the database), any sequence of writes leaves
    the stored sums equal to a full recompute, and reads in between never rebuild them."""
    writes = RandomWrites(app, random.Random(seed))
    writes.step()
    writes.read()  # the first read of a new database builds every cell once
    with app.app_context():
        generation = db.session.scalar(sa.select(score_cache.STATE.c.generation))
    for _ in range(steps):
        writes.step()
        if writes.random.random() < 0.3:
            writes.read()
    with app.app_context():
        assert {
            tuple(c) for c in db.session.execute(sa.select(ScoreCut.quarter, ScoreCut.day))
        } == {
            (Quarter(2026, 1).index, TODAY),
            (Quarter(2025, 4).index, date(2025, 11, 15)),
        }
    assert_stored_sums_exact(app)
    with app.app_context():
        assert db.session.scalar(sa.select(score_cache.STATE.c.generation)) == generation


def test_concurrent_writers_keep_the_stored_sums_exact(app):
    """Writers in threads, each in its own transactions, on the same few team-quarters: the
    row locks (PostgreSQL) or the write lock (SQLite) order them, and no difference is lost."""
    setup = RandomWrites(app, random.Random(7))
    for _ in range(12):
        with app.app_context(), db.writing() as session:
            setup.create(session)
    setup.read()
    failures: list[BaseException] = []

    def writer(seed: int) -> None:
        writes = RandomWrites(app, random.Random(seed))
        try:
            for _ in range(15):
                writes.step()
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert_stored_sums_exact(app)


def test_a_write_changes_the_stored_cells_in_its_own_transaction(app):
    ids = store_worked_example(app)
    assert_stored_sums_exact(app)
    with app.app_context():
        session = db.new_session(write=True)
        decision = session.get(Decision, ids["OPS-2"])
        with score_cache.changing(session, decision):
            decision.archived = True
        # The transaction reads its own write from the stored cells...
        assert scores.teams_table(session, Q1).rows["Decisions"].tolist() == [1, 1]
        assert score_cache.fingerprint(session, scores.current_method(session)) is None
        session.rollback()
        session.close()
    # ... and the rollback takes the difference back with the write.
    with app.app_context():
        assert scores.teams_table(db.session, Q1).rows["Decisions"].tolist() == [2, 2]
    assert_stored_sums_exact(app)


def _statements_of(app, read) -> list[str]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            read(db.session)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
    return statements


def test_reads_never_read_a_decision_even_just_after_a_write(app):
    ids = store_worked_example(app)
    with app.app_context():
        scores.teams_table(db.session, Q2)  # the first read of a new database builds the cells

    def read(session) -> None:
        scores.teams_table(session, Q2)
        scores.team_series(session, None, Q2.last_n(8))

    for _ in range(2):
        statements = _statements_of(app, read)
        assert statements
        assert not [s for s in statements if re.search(r"\b(decision|review)\b", s)], statements
        with app.app_context(), db.writing() as session:
            decision = session.get(Decision, ids["OPS-1"])
            with score_cache.changing(session, decision):
                decision.impacts[0].impact = 3
    assert_stored_sums_exact(app)


def test_sums_read_again_cost_one_aggregate_until_a_write_changes_a_cell(app):
    """A process keeps the frame of stored sums under the cells' fingerprint: a later page
    reads no cell, and a write, by this process or another, is seen by the next read."""
    ids = store_worked_example(app)
    with app.app_context():
        scores.teams_table(db.session, Q2)  # the first read of a new database builds the cells

    def read(session) -> None:
        score_cache.fresh_sums(session, scores.current_method(session))

    _statements_of(app, read)
    again = _statements_of(app, read)
    cells = re.compile(r"team_quarter_sums\.sums\b")  # the values, not sums_key
    assert again and not [s for s in again if cells.search(s)], again
    with app.app_context(), db.writing() as session:
        decision = session.get(Decision, ids["OPS-1"])
        with score_cache.changing(session, decision):
            decision.impacts[0].impact = 3
    after = _statements_of(app, read)
    assert [s for s in after if cells.search(s)], after
    assert_stored_sums_exact(app)


def test_a_write_outside_the_write_path_is_found_by_verify(app, runner):
    """Nothing listens to the session: a write that skips the SumsChange leaves the stored
    sums behind, and `scores --verify` names the cell."""
    ids = store_worked_example(app)
    assert_stored_sums_exact(app)
    with app.app_context(), db.writing() as session:
        session.get(Decision, ids["OPS-1"]).archived = True
    result = runner.invoke(args=["scores", "--verify"])
    assert result.exit_code == 1
    assert "Operations 2026Q1: n stored 2, from the decisions 1" in result.output


def test_core_writes_of_known_decisions_are_counted(app):
    ids = store_worked_example(app)
    moved = [ids["OPS-1"], ids["OPS-2"]]
    with app.app_context(), db.writing() as session, score_cache.changing(session, moved):
        session.connection().execute(
            sa.update(Decision.__table__)
            .where(Decision.__table__.c.id.in_(moved))
            .values(decided_on=date(2026, 4, 1))
        )
    with app.app_context():
        assert scores.teams_table(db.session, Q1).rows["Decisions"].tolist() == [0]
        assert scores.teams_table(db.session, Q2).rows["Decisions"].tolist() == [4, 4]
    assert_stored_sums_exact(app)


def test_new_weights_reuse_the_stored_sums_and_new_groups_call_for_a_rebuild(
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
    assert_stored_sums_exact(app)

    with app.app_context(), db.writing() as session:
        workers = session.scalar(
            sa.select(StakeholderGroup).where(StakeholderGroup.name == "Workers")
        )
        workers.weight = 3.0
        reference.new_version(session, None, "Workers count three times")
    # Until the rebuild, writes leave the cells of the old groups alone...
    store_worked_example(app, "Sales")
    with app.app_context():
        table = scores.teams_table(db.session, Q2)
    # ... and the first read rebuilds them all, once, with the new groups.
    assert table.method_version == 3
    assert rebuilds == [1]
    assert_stored_sums_exact(app)
    with app.app_context():
        scores.teams_table(db.session, Q1)
    assert rebuilds == [1]


def test_a_move_within_a_quarter_moves_the_figures_cut_at_a_day(app):
    """The sums of a quarter do not change when a decision moves within it, but the figures of
    the quarter before cut at the same day do: the cells are bumped all the same, so no figure
    kept for the old cells is given again."""
    ids = store_worked_example(app)
    assert_stored_sums_exact(app)  # the first read builds the stored cells
    today = Quarter(2026, 2).start + timedelta(days=9)  # day 10 of 2026Q2
    quarter = Q1
    moved = ids["OPS-1"]

    def previous_n() -> int:
        with app.app_context():
            session = db.new_session()
            method = scores.current_method(session)
            cut = scores.cut_of(session, method, Q2.index, None, today)
            session.close()
            return int(cut.previous["n"].sum())

    def move(day: date) -> None:
        with app.app_context(), db.writing() as session:
            decision = session.get(Decision, moved)
            with score_cache.changing(session, decision):
                decision.decided_on = day

    move(quarter.start)  # on or before the cut day of 2026Q1 (its day 10)
    before = previous_n()
    move(quarter.end)  # the same quarter, after the cut day
    assert previous_n() == before - 1
    assert_stored_sums_exact(app)


def test_verify_checks_the_stored_cuts_too(app, runner):
    store_worked_example(app)
    with app.app_context():
        scores.teams_table(db.session, Q1, today=TODAY)  # stores the cells and both cuts
    result = runner.invoke(args=["scores", "--verify"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.writing() as session:
        cut = session.scalars(
            sa.select(TeamQuarterCut).where(TeamQuarterCut.quarter == Q1.index)
        ).one()
        assert cut.day == TODAY
        cut.sums = [cut.sums[0] + 1, *cut.sums[1:]]  # one decision more than there is
    result = runner.invoke(args=["scores", "--verify"])
    assert result.exit_code == 1, result.output
    assert f"Operations 2026Q1 cut at {TODAY.isoformat()}: n stored" in result.output
