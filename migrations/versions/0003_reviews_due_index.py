"""reviews due: an index on status, archived, review_due

The dashboard lists the reviews that are most overdue and the navigation counts them; with this
index both read only the decided, unarchived decisions in review-date order, however long the
log grows.

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
        "ix_decision_status_review_due", "decision", ["status", "archived", "review_due"]
    )


def downgrade() -> None:
    op.drop_index("ix_decision_status_review_due", table_name="decision")
