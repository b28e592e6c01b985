"""The `flask …` commands: clear errors, non-zero exits, and what they write."""

from __future__ import annotations

import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import AuditEvent, Team, User


def test_create_team_and_duplicate(runner, app):
    result = runner.invoke(args=["create-team", "Facilities", "--slug", "facilities"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["create-team", "Facilities Two", "--slug", "facilities"])
    assert again.exit_code == 2
    assert "already exists" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Team.id))) == 1


def test_create_team_rejects_bad_slug(runner):
    result = runner.invoke(args=["create-team", "Legal", "--slug", "Not OK"])
    assert result.exit_code == 2
    assert "slug" in result.output


def test_create_user_from_stdin(runner, app):
    runner.invoke(args=["create-team", "Product"])
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "ines@example.com",
            "--name",
            "Inès Duarte",
            "--role",
            "manager",
            "--team",
            "product",
            "--manages",
            "product",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "ines@example.com"))
        assert user.role == "manager"
        assert [m.manages for m in user.memberships] == [True]


def test_create_user_errors(runner):
    bad_team = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "staff",
            "--team",
            "nope",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert bad_team.exit_code == 2
    assert "no team has the slug 'nope'" in bad_team.output
    weak = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "staff",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert weak.exit_code == 2
    assert "at least 12" in weak.output
    bad_role = runner.invoke(
        args=["create-user", "--email", "a@example.com", "--name", "A", "--role", "boss"]
    )
    assert bad_role.exit_code == 2
    bad_email = runner.invoke(
        args=[
            "create-user",
            "--email",
            "not-an-email",
            "--name",
            "A",
            "--role",
            "staff",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert bad_email.exit_code == 2
    assert "not a valid address" in bad_email.output


def test_verify_audit_detects_a_change_behind_the_apps_back(runner, app, org):
    ok = runner.invoke(args=["verify-audit"])
    assert ok.exit_code == 0
    assert "intact" in ok.output
    with app.app_context():
        session = db.new_session(write=True)
        victim = session.scalars(
            sa.select(AuditEvent).order_by(AuditEvent.id).offset(2).limit(1)
        ).one()
        session.execute(
            sa.update(AuditEvent)
            .where(AuditEvent.id == victim.id)
            .values(changes='{"forged": true}')
        )
        session.commit()
        session.close()
    broken = runner.invoke(args=["verify-audit"])
    assert broken.exit_code == 1
    assert f"broken at event {victim.id}" in broken.output


def test_verify_audit_detects_a_deleted_event(runner, app, org):
    with app.app_context():
        session = db.new_session(write=True)
        second = session.scalars(
            sa.select(AuditEvent.id).order_by(AuditEvent.id).offset(1).limit(1)
        ).one()
        session.execute(sa.delete(AuditEvent).where(AuditEvent.id == second))
        session.commit()
        session.close()
    broken = runner.invoke(args=["verify-audit"])
    assert broken.exit_code == 1
    assert "previous hash" in broken.output
