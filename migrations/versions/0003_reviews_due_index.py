"""reviews due: an index on status, archived, review_due, team_id

The dashboard lists the reviews that are most overdue and the navigation counts them. With this
index the list reads the decided, unarchived decisions in review-date order and stops at its
limit, and the count reads the index alone, for all teams or a few; without it both read the
table, and at a million decisions a manager's count took over a second.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_decision_status_review_due",
        "decision",
        ["status", "archived", "review_due", "team_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_decision_status_review_due", table_name="decision")
