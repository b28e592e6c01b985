"""log indexes: each page of the decision log reads no more than it shows

Each page of the log is read by an index in the order it shows, and its capped count reads
that index alone: ix_decision_team_log for a team's decisions (it replaces
ix_decision_team_decided, of which it is an extension), ix_decision_archived_decided for every
team's, ix_decision_status_decided for one status.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_decision_team_log": ["team_id", "decided_on", "id", "status", "archived"],
    "ix_decision_archived_decided": ["archived", "decided_on", "id"],
    "ix_decision_status_decided": ["status", "archived", "decided_on", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "decision", columns)
    op.drop_index("ix_decision_team_decided", table_name="decision")


def downgrade() -> None:
    op.create_index("ix_decision_team_decided", "decision", ["team_id", "decided_on"])
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="decision")
