"""people in the loop: notifications, email messages, preferences, aims and team purposes

`notification` holds what each person should know or do (unique per person and thing, so no
one is told twice); `email_message` each email sent or still to send, with its attempts and
last error. Users gain their email frequency and their aim, teams their purpose, comments a
question flag and the comment they answer.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def _add_columns() -> None:
    """New columns with their defaults and constraints, added in place (no table is rebuilt)."""
    frequencies = "email_frequency IN ('instantly', 'daily', 'weekly', 'never')"
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its CHECK and REFERENCES clauses, but no constraint alone.
        for statement in (
            "ALTER TABLE user_account ADD COLUMN email_frequency VARCHAR(16) NOT NULL "
            "DEFAULT 'instantly' CONSTRAINT ck_user_account_email_frequency_known "
            f"CHECK ({frequencies})",
        ):
            op.execute(statement)
    else:
        op.add_column(
            "user_account",
            sa.Column("email_frequency", sa.String(16), nullable=False, server_default="instantly"),
        )
        op.create_check_constraint(
            op.f("ck_user_account_email_frequency_known"), "user_account", frequencies
        )
    op.add_column("user_account", sa.Column("aim", sa.Text(), nullable=False, server_default=""))
    op.add_column("team", sa.Column("purpose", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "comment",
        sa.Column("is_question", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # SQLite rebuilds the comment table for its new foreign key (no other table refers to it).
    with op.batch_alter_table("comment") as batch:
        batch.add_column(sa.Column("reply_to_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_comment_reply_to_id_comment"),
            "comment",
            ["reply_to_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_comment_reply_to_id"), ["reply_to_id"])


def upgrade() -> None:
    _add_columns()
    op.create_table(
        "email_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="CASCADE", name="fk_email_message_user_id_user_account"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=True),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("failed_at", Timestamp, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_email_message"),
        sa.UniqueConstraint("user_id", "key", name="uq_email_message_user_id_key"),
        sa.CheckConstraint("kind IN ('instant', 'daily', 'weekly')", name="ck_email_message_kind_known"),
        sa.CheckConstraint("attempts >= 0", name="ck_email_message_attempts_not_negative"),
    )
    op.create_index(
        "ix_email_message_pending", "email_message", ["sent_at", "failed_at", "next_attempt_at"]
    )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="CASCADE", name="fk_notification_user_id_user_account"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column(
            "decision_id",
            sa.Integer(),
            sa.ForeignKey("decision.id", ondelete="CASCADE", name="fk_notification_decision_id_decision"),
            nullable=True,
        ),
        sa.Column(
            "actor_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="SET NULL", name="fk_notification_actor_id_user_account"),
            nullable=True,
        ),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("read_at", Timestamp, nullable=True),
        sa.Column("done_at", Timestamp, nullable=True),
        sa.Column(
            "email_id",
            sa.Integer(),
            sa.ForeignKey("email_message.id", ondelete="SET NULL", name="fk_notification_email_id_email_message"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification"),
        sa.UniqueConstraint("user_id", "key", name="uq_notification_user_id_key"),
        sa.CheckConstraint("length(trim(title)) > 0", name="ck_notification_title_not_blank"),
    )
    op.create_index("ix_notification_decision_id", "notification", ["decision_id"])
    op.create_index("ix_notification_email_id", "notification", ["email_id"])
    op.create_index(
        "ix_notification_user_unread", "notification", ["user_id", "read_at", "done_at", "id"]
    )


def downgrade() -> None:
    op.drop_table("notification")
    op.drop_table("email_message")
    with op.batch_alter_table("comment") as batch:
        batch.drop_index(op.f("ix_comment_reply_to_id"))
        batch.drop_constraint(op.f("fk_comment_reply_to_id_comment"), type_="foreignkey")
        batch.drop_column("reply_to_id")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("ck_user_account_email_frequency_known"), "user_account", type_="check"
        )
    for table, column in (("comment", "is_question"), ("team", "purpose")):
        op.drop_column(table, column)
    # A later migration may have rebuilt the table, turning the column's CHECK clause into a
    # table constraint that SQLite's DROP COLUMN refuses: rebuild it once more without both.
    checks = {c["name"] for c in sa.inspect(op.get_bind()).get_check_constraints("user_account")}
    with op.batch_alter_table("user_account", recreate="always") as batch:
        if "ck_user_account_email_frequency_known" in checks:
            batch.drop_constraint(op.f("ck_user_account_email_frequency_known"), type_="check")
        batch.drop_column("aim")
        batch.drop_column("email_frequency")
