"""stored sums kept by writes: team-quarter cells are never stale any more, and cuts are stored

Every write adds the difference it makes to the cells it touches, in its own transaction, so
the `stale` flag of a cell is gone. Cells that were stale when this runs are dropped together
with the state row's key: the next read (or the rebuild job) adds up every decision again.

The sums of the quarter in progress and of the one before, cut at the same day, are stored
too (team_quarter_cut, with score_cut naming the complete cuts), kept by the same differences.

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
    stale = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM team_quarter_sums WHERE stale"))
        .scalar()
    )
    if stale:
        op.execute("UPDATE score_cache_state SET sums_key = NULL, method_version = NULL")
    with op.batch_alter_table("team_quarter_sums") as batch:
        batch.drop_column("stale")
    op.create_table(
        "score_cut",
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sums_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("quarter", "day", name=op.f("pk_score_cut")),
    )
    op.create_table(
        "team_quarter_cut",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("sums", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_team_quarter_cut_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "quarter", "day", name=op.f("pk_team_quarter_cut")),
    )


def downgrade() -> None:
    op.drop_table("team_quarter_cut")
    op.drop_table("score_cut")
    with op.batch_alter_table("team_quarter_sums") as batch:
        batch.add_column(
            sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.false())
        )
