"""consultations: a decision's question to one stakeholder group, and the answers to it

Revision ID: 0008
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("max_answers", sa.Integer(), nullable=False),
        sa.Column("link_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", Timestamp, nullable=True),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.CheckConstraint(
            "length(trim(question)) > 0", name=op.f("ck_consultation_question_not_blank")
        ),
        sa.CheckConstraint(
            "max_answers BETWEEN 1 AND 100000", name=op.f("ck_consultation_max_answers_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_consultation_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_consultation_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["stakeholder_group.id"],
            name=op.f("fk_consultation_group_id_stakeholder_group"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation")),
        sa.UniqueConstraint("link_key", name=op.f("uq_consultation_link_key")),
    )
    op.create_index("ix_consultation_decision_group", "consultation", ["decision_id", "group_id"])
    op.create_index(op.f("ix_consultation_group_id"), "consultation", ["group_id"])
    op.create_table(
        "consultation_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("browser_key", sa.String(length=64), nullable=False),
        sa.Column("comment_hidden_at", Timestamp, nullable=True),
        sa.Column("comment_hidden_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rating BETWEEN -3 AND 3", name=op.f("ck_consultation_answer_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["comment_hidden_by_id"],
            ["user_account.id"],
            name=op.f("fk_consultation_answer_comment_hidden_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_consultation_answer_consultation_id_consultation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_answer")),
        sa.UniqueConstraint(
            "consultation_id",
            "browser_key",
            name=op.f("uq_consultation_answer_consultation_id_browser_key"),
        ),
    )
    op.create_index(
        "ix_consultation_answer_consultation_day",
        "consultation_answer",
        ["consultation_id", "answered_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_consultation_answer_consultation_day", table_name="consultation_answer")
    op.drop_table("consultation_answer")
    op.drop_index(op.f("ix_consultation_group_id"), table_name="consultation")
    op.drop_index("ix_consultation_decision_group", table_name="consultation")
    op.drop_table("consultation")
