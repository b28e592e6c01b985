"""choice lists version: one number that changes whenever a list the log's filters offer may have

The log's filter bar offers every team the reader sees, the people of those teams, the
stakeholder groups and the quarters that hold their decisions. A process keeps these lists
(services/choice_lists.py) under the number of `choice_lists_version`, which triggers replace
with a new random one in the transaction of every write that may change a list, whichever path
writes: a team named or renamed, a membership, a person's name, a group; a decision that is the
first of its team and quarter, the last to leave one, or moved between them. A write that
changes no list (most decisions: one more in a quarter that has some) leaves the number alone,
so that writers do not queue on its row.

A later migration that copies one of these tables in SQLite batch mode drops its triggers with
the old table: it must create them again (`create_sqlite_triggers`).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The columns whose change may change a list, by table (decision is handled apart).
WATCHED = {
    "team": ("name",),
    "membership": ("user_id", "team_id"),
    "user_account": ("display_name",),
    "stakeholder_group": ("name", "active", "position"),
}
# A new random number of 64 bits, in each backend's terms.
RANDOM = {"sqlite": "random()", "postgresql": "(random() * 9.2e18)::bigint"}
SQLITE_BUMP = f"UPDATE choice_lists_version SET version = {RANDOM['sqlite']} WHERE id = 1;"


def _sqlite_alone(row: str) -> str:
    """SQLite: no other decision of the row's team falls in the row's quarter."""
    start = (
        f"date({row}.decided_on, 'start of month', "
        f"'-' || ((CAST(strftime('%m', {row}.decided_on) AS INTEGER) - 1) % 3) || ' months')"
    )
    return (
        f"NOT EXISTS (SELECT 1 FROM decision AS other WHERE other.team_id = {row}.team_id "
        f"AND other.id <> {row}.id AND other.decided_on >= {start} "
        f"AND other.decided_on < date({start}, '+3 months'))"
    )


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, columns in WATCHED.items():
        for event in ("INSERT", "DELETE", f"UPDATE OF {', '.join(columns)}"):
            name = f"choice_lists_{table}_{event.split()[0].lower()}"
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {SQLITE_BUMP} END"
            )
    moved = "(old.team_id <> new.team_id OR old.decided_on <> new.decided_on)"
    statements += [
        f"CREATE TRIGGER choice_lists_decision_insert AFTER INSERT ON decision "
        f"WHEN {_sqlite_alone('new')} BEGIN {SQLITE_BUMP} END",
        f"CREATE TRIGGER choice_lists_decision_delete AFTER DELETE ON decision "
        f"WHEN {_sqlite_alone('old')} BEGIN {SQLITE_BUMP} END",
        f"CREATE TRIGGER choice_lists_decision_update AFTER UPDATE OF team_id, decided_on "
        f"ON decision WHEN {moved} AND ({_sqlite_alone('old')} OR {_sqlite_alone('new')}) "
        f"BEGIN {SQLITE_BUMP} END",
    ]
    return statements


def create_sqlite_triggers() -> None:
    for statement in _sqlite_triggers():
        op.execute(statement)


POSTGRESQL_BUMP = f"UPDATE choice_lists_version SET version = {RANDOM['postgresql']} WHERE id = 1;"


def _postgresql_alone(row: str) -> str:
    start = f"date_trunc('quarter', {row}.decided_on)"
    return (
        f"NOT EXISTS (SELECT 1 FROM decision AS other WHERE other.team_id = {row}.team_id "
        f"AND other.id <> {row}.id AND other.decided_on >= {start}::date "
        f"AND other.decided_on < ({start} + interval '3 months')::date)"
    )


POSTGRESQL = [
    "CREATE FUNCTION choice_lists_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"{POSTGRESQL_BUMP} RETURN NULL; END $$",
    "CREATE FUNCTION choice_lists_decision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP <> 'INSERT' AND {_postgresql_alone('OLD')} THEN {POSTGRESQL_BUMP} "
    f"ELSIF TG_OP <> 'DELETE' AND {_postgresql_alone('NEW')} THEN {POSTGRESQL_BUMP} "
    "END IF; RETURN NULL; END $$",
    *(
        f"CREATE TRIGGER choice_lists_{table} AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(columns)} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION choice_lists_bump()"
        for table, columns in WATCHED.items()
    ),
    "CREATE TRIGGER choice_lists_decision_write AFTER INSERT OR DELETE ON decision "
    "FOR EACH ROW EXECUTE FUNCTION choice_lists_decision()",
    "CREATE TRIGGER choice_lists_decision_update AFTER UPDATE OF team_id, decided_on ON decision "
    "FOR EACH ROW WHEN (OLD.team_id <> NEW.team_id OR OLD.decided_on <> NEW.decided_on) "
    "EXECUTE FUNCTION choice_lists_decision()",
]


def upgrade() -> None:
    op.create_table(
        "choice_lists_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_choice_lists_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_choice_lists_version")),
    )
    dialect = op.get_bind().dialect.name
    op.execute(f"INSERT INTO choice_lists_version (id, version) VALUES (1, {RANDOM[dialect]})")
    if dialect == "sqlite":
        create_sqlite_triggers()
    elif dialect == "postgresql":
        for statement in POSTGRESQL:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    elif dialect == "postgresql":
        for table in (*WATCHED, "decision"):
            for suffix in ("", "_write", "_update"):
                op.execute(f"DROP TRIGGER IF EXISTS choice_lists_{table}{suffix} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS choice_lists_decision()")
        op.execute("DROP FUNCTION IF EXISTS choice_lists_bump()")
    op.drop_table("choice_lists_version")
