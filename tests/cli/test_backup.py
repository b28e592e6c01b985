"""Backups and restores keep every record and an intact audit chain."""

from __future__ import annotations

import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import AuditEvent, Team


def _teams(app) -> list[str]:
    with app.app_context():
        session = db.new_session()
        try:
            return sorted(session.scalars(sa.select(Team.slug)))
        finally:
            session.close()


def test_backup_then_restore_brings_back_the_data_and_verifies(runner, app, org, tmp_path):
    target = tmp_path / "backup.dump"
    made = runner.invoke(args=["backup", str(target)])
    assert made.exit_code == 0, made.output
    assert target.stat().st_size > 0
    assert runner.invoke(args=["create-team", "Added After Backup"]).exit_code == 0
    assert "added-after-backup" in _teams(app)

    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "audit chain intact" in restored.output
    assert _teams(app) == ["operations", "sales"]
    verified = runner.invoke(args=["verify-audit"])
    assert verified.exit_code == 0, verified.output


def test_backup_refuses_to_overwrite(runner, tmp_path):
    target = tmp_path / "exists.dump"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert target.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(runner, app, org, tmp_path):
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(b"this is not a database backup at all" * 10)
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code == 1
    assert _teams(app) == ["operations", "sales"]


def test_restore_of_a_tampered_backup_reports_the_broken_chain(runner, app, org, tmp_path, backend):
    target = tmp_path / "backup.dump"
    if backend == "sqlite":  # the backup is a database file: change it in place
        import sqlite3

        assert runner.invoke(args=["backup", str(target)]).exit_code == 0
        with sqlite3.connect(target) as raw:
            raw.execute("UPDATE audit_event SET action = 'forged' WHERE id = 2")
    else:  # a custom-format pg_dump is compressed: back up a database changed behind its back
        with app.app_context(), db.writing() as session:
            session.execute(sa.update(AuditEvent).where(AuditEvent.id == 2).values(action="forged"))
        assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 1
    assert "audit chain is broken at event 2" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) > 0
