"""Writers at the same moment: the audit chain never forks, and of two edits of the same
version exactly one is saved (the other is told it is stale)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import AuditEvent, Decision, User
from scorecard.services import audit, decisions
from scorecard.services.decision_inputs import DecisionInput, ImpactInput
from scorecard.services.decisions import StaleDecision

THREADS = 6
WRITES = 5


def run_together(count: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            work(n)
        except BaseException as error:  # reported by the test, not lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_writers_never_fork_the_audit_chain(app, make, org):
    decision = make.decision(org.ops, org.staff)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    start = threading.Barrier(THREADS)

    def write(n: int) -> None:
        with app.app_context():
            start.wait()
            for i in range(WRITES):
                session = db.new_session(write=True)
                try:
                    actor = session.get(User, org.staff.id)
                    target = session.get(Decision, decision.id)
                    decisions.add_comment(session, actor, target, f"writer {n}, comment {i}")
                    session.commit()
                finally:
                    session.close()

    assert run_together(THREADS, write) == []
    with app.app_context():
        report = audit.verify_chain(db.session)
        assert report.ok, report
        total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        assert total == before + THREADS * WRITES
        assert report.checked == total
        links = db.session.scalar(sa.select(sa.func.count(sa.distinct(AuditEvent.prev_hash))))
        assert links == total  # no two events extend the same one


def _input_from(decision: Decision, title: str) -> DecisionInput:
    return DecisionInput(
        team_id=decision.team_id,
        title=title,
        question=decision.question,
        decided_on=decision.decided_on,
        review_due=decision.review_due,
        status=decision.status,
        decision_taken="Decided.",
        impacts=tuple(
            ImpactInput(i.group_id, i.impact, i.consulted, i.note) for i in decision.impacts
        ),
    )


def test_two_edits_of_the_same_version_at_once_save_exactly_one(app, make, org, backend):
    decision = make.decision(org.ops, org.staff, title="Before")
    loaded = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(n: int) -> None:
        with app.app_context():
            if backend == "sqlite":
                loaded.wait()  # SQLite writers queue at BEGIN IMMEDIATE, before reading
            session = db.new_session(write=True)
            try:
                actor = session.get(User, org.staff.id)
                target = session.get(Decision, decision.id)
                data = _input_from(target, f"Edited by {n}")
                if backend != "sqlite":
                    loaded.wait()  # both have read version 1 before either writes
                try:
                    decisions.update(session, actor, target, data, expected_version=1)
                    session.commit()
                    outcomes.append("saved")
                except StaleDecision:
                    session.rollback()
                    outcomes.append("stale")
            finally:
                session.close()

    assert run_together(2, edit) == []
    assert sorted(outcomes) == ["saved", "stale"]
    with app.app_context():
        stored = db.session.get(Decision, decision.id)
        assert stored.version == 2
        assert stored.title in ("Edited by 0", "Edited by 1")
        assert len(stored.revisions) == 1
        assert audit.verify_chain(db.session).ok
