"""A page that asks for the same stored sums several times reads them once per transaction
(their values not at all while this process keeps them under an unchanged fingerprint), and
never serves sums that the transaction's own writes or a later transaction changed."""

from __future__ import annotations

import re

import sqlalchemy as sa

from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Decision
from scorecard.services import scores
from tests.worked_example_orm import store_worked_example

Q1, Q2 = Quarter(2026, 1), Quarter(2026, 2)


VALUES = re.compile(r"team_quarter_sums\.sums\b")  # the cells' values, not their sums_key


def _sum_reads(engine: sa.Engine, action) -> tuple[int, int]:
    """(statements on the stored cells, of which reading their values)."""
    statements: list[str] = []

    def listen(*args) -> None:
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    on_cells = [s for s in statements if "FROM team_quarter_sums" in s]
    return len(on_cells), sum(bool(VALUES.search(s)) for s in on_cells)


def test_the_sums_are_read_once_per_transaction(app):
    store_worked_example(app)
    with app.app_context():
        scores.teams_table(db.session, Q2)  # brings the stored sums up to date
    with app.app_context():
        session, quarters = db.session, Q2.last_n(8)

        def dashboard() -> None:
            scores.teams_table(session, Q2)
            scores.composite_trends(session, quarters)
            scores.team_series(session, None, quarters)
            scores.breakdown(session, quarters)

        # The cells' fingerprint, then their values: once for the four calls.
        assert _sum_reads(db.engine, dashboard) == (2, 1)
        # Another team scope or quarter is another read.
        assert _sum_reads(db.engine, lambda: scores.teams_table(session, Q1)) == (2, 1)
    with app.app_context():
        session = db.session
        # The next request finds the fingerprint unchanged: the values this process kept.
        assert _sum_reads(db.engine, dashboard) == (1, 0)


def test_own_writes_and_new_transactions_read_again(app):
    store_worked_example(app)
    with app.app_context():
        session = db.new_session(write=True)
        assert scores.teams_table(session, Q1).rows["Decisions"].tolist() == [2, 2]
        decision = session.scalar(sa.select(Decision).where(Decision.external_id.like("%OPS-2")))
        with scores.changing(session, decision):
            decision.archived = True
        assert scores.teams_table(session, Q1).rows["Decisions"].tolist() == [1, 1]
        session.commit()
        session.close()
    with app.app_context():
        # A new transaction reads the sums again, with the write committed above.
        assert scores.teams_table(db.session, Q1).rows["Decisions"].tolist() == [1, 1]


def test_the_next_transaction_of_the_same_session_reads_again(app):
    store_worked_example(app)
    with app.app_context():
        reader = db.session
        assert scores.teams_table(reader, Q1).rows["Decisions"].tolist() == [2, 2]
        writer = db.new_session(write=True)
        decision = writer.scalar(sa.select(Decision).where(Decision.external_id.like("%OPS-2")))
        with scores.changing(writer, decision):
            decision.archived = True
        writer.commit()
        writer.close()
        reader.commit()  # ends the reader's transaction, and with it what it had read
        assert scores.teams_table(reader, Q1).rows["Decisions"].tolist() == [1, 1]
