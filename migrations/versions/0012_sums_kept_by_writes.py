"""stored sums kept by writes: team-quarter cells are never stale any more

Every write adds the difference it makes to the cells it touches, in its own transaction, so
the `stale` flag of a cell is gone. Cells that were stale when this runs are dropped together
with the state row's key: the next read (or the rebuild job) adds up every decision again.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stale = op.get_bind().execute(
        sa.text("SELECT count(*) FROM team_quarter_sums WHERE stale")
    ).scalar()
    if stale:
        op.execute("UPDATE score_cache_state SET sums_key = NULL, method_version = NULL")
    with op.batch_alter_table("team_quarter_sums") as batch:
        batch.drop_column("stale")


def downgrade() -> None:
    with op.batch_alter_table("team_quarter_sums") as batch:
        batch.add_column(
            sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.false())
        )
