"""Full-text search of the decisions: the conditions and the rank, in each backend's SQL.

The index is made by migration 0011 and kept in step by the database in the transaction of
every write of a decision (SQLite: an FTS5 table and its triggers; PostgreSQL: a GIN index on
the weighted document below). What a search looks for is read by `domain.search_words`.
Both weigh alike: a word in the title counts most, then the question, then the context.

SQLite joins the FTS5 table (by the decision's id, its rowid), so that the index drives the
query and its `rank` (weighted bm25, configured by the migration) is read as it goes;
PostgreSQL matches the document against the query and ranks with ts_rank.
"""

from __future__ import annotations

import sqlalchemy as sa

from scorecard.domain import search_words
from scorecard.models import Decision

# The FTS5 table of migration 0011; not a model (the models describe ordinary tables).
SEARCH_TABLE = sa.table("decision_search", sa.column("rowid"), sa.column("rank"))

_SIMPLE = sa.literal_column("'simple'::regconfig")


def _document() -> sa.ColumnElement[str]:
    """The same expression as the index of migration 0011 (no parameters in it, so that
    PostgreSQL's planner sees the indexed expression and uses the index)."""
    parts = [
        sa.func.setweight(sa.func.to_tsvector(_SIMPLE, column), sa.literal_column(f"'{weight}'"))
        for column, weight in (
            (Decision.title, "A"),
            (Decision.question, "B"),
            (Decision.context, "C"),
        )
    ]
    return parts[0].op("||")(parts[1]).op("||")(parts[2])


def _tsquery(searched: tuple[str, ...]) -> sa.ColumnElement[str]:
    return sa.func.to_tsquery(_SIMPLE, sa.literal(search_words.tsquery(searched), sa.String()))


def conditions(
    dialect: str, searched: tuple[str, ...], *, many: bool = False
) -> list[sa.ColumnElement[bool]]:
    """The decisions holding every word (none when no word is searched for).

    SQLite's planner cannot tell a rare word from a common one, so the caller says: by
    default the index drives the query (a rare word reads its few decisions); with `many`
    (more matches than a page and its count), the log is read in its own order and each
    decision checked against the matches, read once from the index, so that a common word
    stops after a page instead of sorting every match."""
    if not searched:
        return []
    if dialect == "sqlite":
        match = sa.literal_column("decision_search").bool_op("MATCH")(
            sa.literal(search_words.fts5_query(searched), sa.String())
        )
        if many:
            found = sa.select(SEARCH_TABLE.c.rowid).where(match)
            return [(Decision.id + 0).in_(found)]  # + 0: not a lookup by id, a filter
        return [SEARCH_TABLE.c.rowid == Decision.id, match]
    return [_document().bool_op("@@")(_tsquery(searched))]


def best_first(dialect: str, searched: tuple[str, ...]) -> sa.ColumnElement[float]:
    """The order of relevance, best match first when sorted ascending; only with
    `conditions` of the same words in the statement."""
    if dialect == "sqlite":
        return SEARCH_TABLE.c.rank  # bm25: lower is better
    # ts_rank is a real; as a double it comes back to Python and is compared again exactly
    # (the cursor of the API reads it from one decision and asks for the rows after it).
    return -sa.cast(sa.func.ts_rank(_document(), _tsquery(searched)), sa.Double())
