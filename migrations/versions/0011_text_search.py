"""text search: a full-text index of each decision's title, question and context

SQLite: an FTS5 table over the decision table (external content, so the text is not stored
twice), kept in step by triggers in the transaction of every insert, update and delete of a
decision, whichever path writes it. PostgreSQL: a GIN index on the decision's weighted
tsvector, an expression the database keeps in step itself. Both tokenise alike: words of
letters and digits, any case, no stemming, so that the two backends find the same decisions.

A later migration that copies the decision table in SQLite batch mode drops the triggers with
the old table: it must create them again (`create_sqlite_search`) and rebuild the index.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The document PostgreSQL indexes; scorecard.services.text_search writes the same expression,
# so that the planner uses the index.
POSTGRESQL_DOCUMENT = (
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, question), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, context), 'C')"
)

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE decision_search USING fts5("
    "title, question, context, content='decision', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER decision_search_insert AFTER INSERT ON decision BEGIN "
    "INSERT INTO decision_search (rowid, title, question, context) "
    "VALUES (new.id, new.title, new.question, new.context); END",
    "CREATE TRIGGER decision_search_delete AFTER DELETE ON decision BEGIN "
    "INSERT INTO decision_search (decision_search, rowid, title, question, context) "
    "VALUES ('delete', old.id, old.title, old.question, old.context); END",
    "CREATE TRIGGER decision_search_update AFTER UPDATE OF title, question, context "
    "ON decision BEGIN "
    "INSERT INTO decision_search (decision_search, rowid, title, question, context) "
    "VALUES ('delete', old.id, old.title, old.question, old.context); "
    "INSERT INTO decision_search (rowid, title, question, context) "
    "VALUES (new.id, new.title, new.question, new.context); END",
    "INSERT INTO decision_search (decision_search) VALUES ('rebuild')",
    # The rank column: bm25 with the title weighing most, then the question, then the context.
    "INSERT INTO decision_search (decision_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)')",
]


def create_sqlite_search() -> None:
    for statement in SQLITE_SEARCH:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        create_sqlite_search()
    elif dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_decision_text ON decision USING gin (({POSTGRESQL_DOCUMENT}))")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS decision_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS decision_search")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_decision_text")
