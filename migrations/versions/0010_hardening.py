"""hardening: failed sign-ins per address as typed; every decision has a reference

Failed sign-ins are counted per email address as typed (hashed), for accounts and unknown
addresses alike, in sign_in_throttle; the counters on user_account go. Every decision gets an
external_id (a stable reference for those that had none), unique within its team, so that an
unchanged export imports again without creating anything.

Revision ID: 0010
Revises: 0004
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_key", name=op.f("pk_sign_in_throttle")),
    )
    op.create_index("ix_sign_in_throttle_updated_at", "sign_in_throttle", ["updated_at"])
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")

    connection = op.get_bind()
    missing = connection.execute(sa.text("SELECT id FROM decision WHERE external_id IS NULL"))
    references = [{"id": row.id, "ref": f"D-{secrets.token_hex(6)}"} for row in missing]
    if references:
        connection.execute(
            sa.text("UPDATE decision SET external_id = :ref WHERE id = :id"), references
        )
    with op.batch_alter_table("decision") as batch:
        batch.drop_constraint("uq_decision_external_id", type_="unique")
        batch.alter_column("external_id", existing_type=sa.String(length=100), nullable=False)
        batch.create_unique_constraint(
            op.f("uq_decision_team_id_external_id"), ["team_id", "external_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("decision") as batch:
        batch.drop_constraint("uq_decision_team_id_external_id", type_="unique")
        batch.alter_column("external_id", existing_type=sa.String(length=100), nullable=True)
        batch.create_unique_constraint("uq_decision_external_id", ["external_id"])
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("ix_sign_in_throttle_updated_at", table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
