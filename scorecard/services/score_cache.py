"""The scoring module's per team-quarter sums, kept in the database so no request rescans the log.

A cell is one (team, quarter): the additive sums of `scoring.quarter_sums` for it. A decision
touches the cells of its team and the quarters of its `decided_on`, `review_due` and
`reviewed_on` (only while it is scored: decided or reviewed, not archived).

Writers do not have to remember anything:

- Session events see every Decision, StakeholderImpact, WasteLine and Review written through the
  ORM (objects, and ORM-enabled bulk UPDATE, DELETE and INSERT statements). Before and after each
  flush they read the touched decisions' cells from the database, old and new team and dates
  alike, and at commit they mark those cells stale in the same transaction, bumping each cell's
  generation.
- Bulk Core writes (importers, the benchmark generator) call `invalidate_decisions(session,
  ids)`, `invalidate(session, cells)` or `invalidate_all(session)`.

Readers call `fresh_sums`: cells that are stale are recomputed from the decisions of just those
team-quarters (indexed queries), and everything is rebuilt when the method version changed
groups or categories (`scoring.sums_key`; new composite weights alone need no rebuild, as they
only weigh the KPIs made from the sums). Recomputed cells are written back in a short
transaction of their own, and only where the cell's generation is still the one that was read,
so a write committed meanwhile is never overwritten by older figures; a reader that cannot get
the lock at once leaves the cells stale for the next one. This cache write is the one place
outside views and commands that commits.
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.models import (
    Decision,
    Review,
    ScoreCacheState,
    StakeholderImpact,
    TeamQuarterSums,
    WasteLine,
)
from scorecard.services import queries
from scorecard.services.score_inputs import sums_for_cells, sums_of_decisions

log = logging.getLogger(__name__)

Cell = tuple[int, int]  # (team_id, quarter index)

CELLS = TeamQuarterSums.__table__
STATE = ScoreCacheState.__table__
STATE_ID = 1
MEMO = "score_cache.fresh_sums"  # session.info key: sums already read in this transaction
CHUNK = 500  # ids or rows per statement, well under SQLite's limit on bound parameters
RUNS_PER_BATCH = 100  # a UNION of 3 SELECTs per run stays under SQLite's limit of 500
STORE_LOCK_TIMEOUT_MS = 200
REBUILD_BATCH = 25_000  # decisions read at a time by a rebuild (whole teams)

# The attributes whose change can change a figure; editing a title marks nothing.
_RELEVANT: dict[type, tuple[str, ...]] = {
    Decision: (
        "team_id",
        "team",
        "decided_on",
        "review_due",
        "status",
        "archived",
        "impacts",
        "waste_lines",
        "review",
    ),
    StakeholderImpact: ("decision_id", "decision", "group_id", "impact", "consulted", "actual"),
    WasteLine: ("decision_id", "decision", "category_id", "created", "avoided"),
    Review: ("decision_id", "decision", "reviewed_on"),
}
_TABLES = {
    Decision.__tablename__: Decision,
    StakeholderImpact.__tablename__: StakeholderImpact,
    WasteLine.__tablename__: WasteLine,
    Review.__tablename__: Review,
}


# --- what a transaction has touched ------------------------------------------------------------


@dataclass
class _Pending:
    """Cells touched by the session's current transaction, marked stale when it commits."""

    cells: set[Cell] = field(default_factory=set)
    everything: bool = False
    # Decisions seen before the flush in progress, looked up again after it.
    flushing: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.cells) or self.everything


def _pending(session: Session) -> _Pending:
    pending = session.info.get("score_cache")
    if pending is None:
        pending = session.info["score_cache"] = _Pending()
    return pending


def invalidate(session: Session, cells: Iterable[tuple[int, Quarter | int]]) -> None:
    """Mark these (team_id, quarter) cells stale when the session commits (after Core writes)."""
    _pending(session).cells.update(
        (int(team), q.index if isinstance(q, Quarter) else int(q)) for team, q in cells
    )


def invalidate_decisions(session: Session, decision_ids: Collection[int]) -> None:
    """Mark stale, at commit, the cells these decisions count in as the session sees them now.

    For Core writes of known decisions (an import): call it after inserting them, and both
    before and after updating or deleting them, so that old and new cells are both marked.
    """
    _pending(session).cells |= cells_of_decisions(session, decision_ids)


def has_pending_writes(session: Session) -> bool:
    """Whether this session's transaction has written something the sums depend on."""
    return bool(_pending(session))


def invalidate_all(session: Session) -> None:
    """Rebuild every cell from the decisions at the next read after the session commits."""
    _pending(session).everything = True


def cells_of_decisions(session: Session, decision_ids: Collection[int]) -> set[Cell]:
    """The cells that these decisions count in now, as the session's transaction sees them."""
    cells: set[Cell] = set()
    ids = sorted({int(i) for i in decision_ids if i is not None})
    if not ids:
        return cells
    connection = session.connection()
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(
            sa.select(
                Decision.team_id,
                Decision.decided_on,
                Decision.review_due,
                Review.reviewed_on,
            )
            .outerjoin(Review, Review.decision_id == Decision.id)
            .where(
                Decision.id.in_(ids[start : start + CHUNK]),
                queries.SCORED,
            )
        )
        for team_id, *days in rows:
            cells.update((team_id, Quarter.of(day).index) for day in days if day is not None)
    return cells


def _changed(obj: Any, attributes: tuple[str, ...]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def _decision_ids(obj: Any) -> set[int]:
    """Ids of the decision an object belongs to, before and after a change of decision."""
    if isinstance(obj, Decision):
        return {obj.id} if obj.id is not None else set()
    history = sa.inspect(obj).attrs["decision_id"].history
    ids = {i for i in (*history.added, *history.unchanged, *history.deleted) if i is not None}
    if obj.decision_id is not None:
        ids.add(obj.decision_id)
    decision = obj.__dict__.get("decision")
    if decision is not None and decision.id is not None:
        ids.add(decision.id)
    return ids


def _touched(session: Session, *, with_new: bool) -> set[int]:
    """Decisions whose figures the objects about to be (or just) flushed may change."""
    ids: set[int] = set()
    with session.no_autoflush:
        for obj in session.deleted:
            if type(obj) in _RELEVANT:
                ids |= _decision_ids(obj)
        for obj in session.dirty:
            relevant = _RELEVANT.get(type(obj))
            if relevant and _changed(obj, relevant):
                ids |= _decision_ids(obj)
        if with_new:
            for obj in session.new:
                if type(obj) in _RELEVANT:
                    ids |= _decision_ids(obj)
    return ids


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    pending = _pending(session)
    ids = _touched(session, with_new=False)
    pending.flushing = ids
    # Where these decisions count before the flush: their old team and dates.
    pending.cells |= cells_of_decisions(session, ids)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    pending = _pending(session)
    # Where they count now; new objects have their ids and foreign keys by now.
    ids = _touched(session, with_new=True) | pending.flushing
    pending.flushing = set()
    pending.cells |= cells_of_decisions(session, ids)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> Any:
    """ORM-enabled bulk UPDATE, DELETE or INSERT of decisions and their parts."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    table = getattr(state.statement, "table", None)
    model = _TABLES.get(getattr(table, "name", None))
    if model is None:
        return None
    session, pending = state.session, _pending(state.session)
    if state.is_insert:
        result = state.invoke_statement()
        rows = state.parameters
        if isinstance(rows, Mapping):
            rows = [rows]
        if not rows:
            invalidate_all(session)
        elif model is Decision:
            pending.cells |= _cells_of_rows(session, rows)
        else:
            pending.cells |= cells_of_decisions(session, {r.get("decision_id") for r in rows})
        return result
    if state.is_update and not _sets_relevant_columns(state.statement, model):
        return None  # e.g. the version counter of an edit
    where = state.statement.whereclause
    key = model.id if model is Decision else model.decision_id
    found = sa.select(key)
    if where is not None:
        found = found.where(where)
    ids = set(session.connection().execute(found).scalars())
    pending.cells |= cells_of_decisions(session, ids)
    result = state.invoke_statement()
    pending.cells |= cells_of_decisions(session, ids)
    return result


def _sets_relevant_columns(statement: Any, model: type) -> bool:
    """Whether an UPDATE may change a figure; True when its columns cannot be told."""
    values = getattr(statement, "_values", None)
    if not values:
        return True
    names = {getattr(column, "key", column) for column in values}
    return bool(names & set(_RELEVANT[model]))


def _cells_of_rows(session: Session, rows: Iterable[Mapping[str, Any]]) -> set[Cell]:
    """Cells of decision rows given as dictionaries (a bulk insert)."""
    cells: set[Cell] = set()
    for row in rows:
        if row.get("status") not in scoring.SCORED_STATUSES or row.get("archived"):
            continue
        for key in ("decided_on", "review_due"):
            if row.get(key) is not None:
                cells.add((int(row["team_id"]), Quarter.of(row[key]).index))
    return cells


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # the outer commit marks everything
    session.flush()  # so that changes still in the session are marked below
    pending = _pending(session)
    if pending:
        mark_stale(session.connection(), pending.cells, everything=pending.everything)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop("score_cache", None)
        session.info.pop(MEMO, None)


# --- writing the cache -------------------------------------------------------------------------


def _insert(connection: sa.Connection) -> Any:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"the score cache needs SQLite or PostgreSQL, not {dialect}")


def mark_stale(connection: sa.Connection, cells: Collection[Cell], *, everything: bool) -> None:
    """Mark cells stale, bumping their generation; in sorted order, so writers never deadlock."""
    insert = _insert(connection)
    ordered = sorted(cells)
    for start in range(0, len(ordered), CHUNK):
        statement = insert(CELLS).values(
            [
                {
                    "team_id": team,
                    "quarter": quarter,
                    "sums_key": "",
                    "method_version": 0,
                    "generation": 1,
                    "stale": True,
                    "sums": [],
                }
                for team, quarter in ordered[start : start + CHUNK]
            ]
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[CELLS.c.team_id, CELLS.c.quarter],
                set_={"stale": True, "generation": CELLS.c.generation + 1},
            )
        )
    if everything:
        statement = insert(STATE).values(
            id=STATE_ID, sums_key=None, method_version=None, generation=1
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[STATE.c.id],
                set_={
                    "sums_key": None,
                    "method_version": None,
                    "generation": STATE.c.generation + 1,
                },
            )
        )


@dataclass(frozen=True)
class _Computed:
    """Sums recomputed in a reader's transaction, with the generations it read."""

    method: scoring.Method
    sums: dict[Cell, list[float]]
    generations: dict[Cell, int]  # cells that had a row, by the generation read
    state_generation: int | None = None  # set when everything was rebuilt
    rebuilt: bool = False


def store_computed(session: Session, computed: _Computed) -> bool:
    """Write recomputed cells where their generation is unchanged; False if the lock was busy."""
    if not computed.sums and not computed.generations and not computed.rebuilt:
        return True
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and session.connection().get_execution_options().get(
        "sqlite_immediate"
    ):
        # This session holds SQLite's write lock: write in its own transaction.
        _write(session.connection(), computed)
        return True
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    sqlite_db = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite_db:
            # Outside SQLAlchemy's transaction: pysqlite runs in autocommit mode here.
            raw = connection.connection.driver_connection
            busy_timeout = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute(f"PRAGMA busy_timeout={STORE_LOCK_TIMEOUT_MS}")
            connection.execution_options(sqlite_immediate=True)
        try:
            with connection.begin():
                if not sqlite_db:
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {STORE_LOCK_TIMEOUT_MS}")
                _write(connection, computed)
        except sa.exc.OperationalError as error:
            log.info("score cache left stale, the database was busy: %s", error.orig)
            return False
        finally:
            if sqlite_db:
                raw.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
    return True


def _write(connection: sa.Connection, computed: _Computed) -> None:
    version, key = computed.method.version, scoring.sums_key(computed.method)
    updates = [
        {
            "t": team,
            "q": quarter,
            "g": generation,
            "sums": computed.sums.get((team, quarter), []),
        }
        for (team, quarter), generation in sorted(computed.generations.items())
    ]
    if updates:
        connection.execute(
            CELLS.update()
            .where(
                CELLS.c.team_id == sa.bindparam("t"),
                CELLS.c.quarter == sa.bindparam("q"),
                CELLS.c.generation == sa.bindparam("g"),
            )
            .values(stale=False, sums_key=key, method_version=version, sums=sa.bindparam("sums")),
            updates,
        )
    new = sorted(cell for cell in computed.sums if cell not in computed.generations)
    insert = _insert(connection)
    for start in range(0, len(new), CHUNK):
        rows = [
            {
                "team_id": team,
                "quarter": quarter,
                "sums_key": key,
                "method_version": version,
                "generation": 1,
                "stale": False,
                "sums": computed.sums[(team, quarter)],
            }
            for team, quarter in new[start : start + CHUNK]
        ]
        # A cell that a writer added meanwhile is stale and stays so.
        connection.execute(insert(CELLS).values(rows).on_conflict_do_nothing())
    if computed.rebuilt:
        if computed.state_generation is None:
            connection.execute(
                insert(STATE)
                .values(id=STATE_ID, sums_key=key, method_version=version, generation=1)
                .on_conflict_do_nothing()
            )
        else:
            connection.execute(
                STATE.update()
                .where(STATE.c.id == STATE_ID, STATE.c.generation == computed.state_generation)
                .values(sums_key=key, method_version=version)
            )


# --- reading the cache -------------------------------------------------------------------------


# Long on purpose: read, recompute the stale cells and store them back in one pass, so that the
# generation check and the write stay beside the read they guard.
def fresh_sums(
    session: Session,
    method: scoring.Method,
    *,
    teams: Collection[int] | None = None,
    upto: int | None = None,
) -> pd.DataFrame:
    """The sums of the cells of these teams (None: every team) up to quarter index `upto`.

    In the shape of `scoring.quarter_sums`, and equal to it over the same decisions: stale
    cells are recomputed, and what this session's own uncommitted writes touched is computed
    from them (and not stored).
    """
    # Long on purpose: read the stale cells, compute, store under the lock; the order is the correctness.
    session.flush()
    pending = _pending(session)
    team_set = None if teams is None else {int(t) for t in teams}
    # One page asks for the same sums several times (Teams table, trends, series): within a
    # transaction that wrote nothing they cannot change, so they are read once.
    memo_key = (scoring.sums_key(method), None if team_set is None else frozenset(team_set), upto)
    memo = session.info.setdefault(MEMO, {})
    if not pending and memo_key in memo:
        return memo[memo_key].copy()

    def chosen(cell: Cell) -> bool:
        return (team_set is None or cell[0] in team_set) and (upto is None or cell[1] <= upto)

    state = session.execute(
        sa.select(STATE.c.sums_key, STATE.c.generation).where(STATE.c.id == STATE_ID)
    ).first()
    key = scoring.sums_key(method)
    if pending.everything or state is None or state.sums_key != key:
        computed = rebuild(session, method, state)
        sums = computed.sums
    else:
        query = sa.select(
            CELLS.c.team_id,
            CELLS.c.quarter,
            CELLS.c.sums_key,
            CELLS.c.generation,
            CELLS.c.stale,
            CELLS.c.sums,
        )
        if team_set is not None:
            query = query.where(CELLS.c.team_id.in_(sorted(team_set)))
        if upto is not None:
            query = query.where(CELLS.c.quarter <= upto)
        sums, stale = {}, {}
        width = len(scoring.sum_columns(method))
        for team, quarter, cell_key, generation, is_stale, cell_sums in _raw_rows(session, query):
            cell = (team, quarter)
            values = _values(cell_sums)
            if (
                is_stale
                or cell_key != key
                or cell in pending.cells
                or len(values) not in (0, width)
            ):
                stale[cell] = generation
            else:
                sums[cell] = values
        recompute = set(stale) | {cell for cell in pending.cells if chosen(cell)}
        recomputed = sums_of_cells(session, method, recompute)
        computed = _Computed(method, recomputed, stale)
        sums.update(recomputed)
    if not pending:
        store_computed(session, computed)
    frame = frame_of_sums({cell: value for cell, value in sums.items() if chosen(cell)}, method)
    if not pending:
        memo[memo_key] = frame.copy()
    return frame


@dataclass(frozen=True)
class SumsDifference:
    """A stored cell that is not what its decisions add up to."""

    team_id: int
    quarter: int  # Quarter.index
    columns: tuple[str, ...]  # the sums that differ
    stored: tuple[float, ...]
    recomputed: tuple[float, ...]


def verify(session: Session, method: scoring.Method) -> tuple[int, list[SumsDifference]] | None:
    """Every stored cell that reads take as it is (not stale, of the current groups and
    categories), against the same cell added up again from every decision; a cell not stored
    holds nothing. (How many cells were compared, the differences); None when nothing stored
    is in use (the next read rebuilds everything)."""
    key = scoring.sums_key(method)
    state = session.execute(sa.select(STATE.c.sums_key).where(STATE.c.id == STATE_ID)).first()
    if state is None or state.sums_key != key:
        return None
    columns = scoring.sum_columns(method)
    width = len(columns)
    stored: dict[Cell, list[float]] = {}
    waiting: set[Cell] = set()
    query = sa.select(
        CELLS.c.team_id, CELLS.c.quarter, CELLS.c.sums_key, CELLS.c.stale, CELLS.c.sums
    )
    for team, quarter, cell_key, is_stale, cell_sums in _raw_rows(session, query):
        values = _values(cell_sums)
        if is_stale or cell_key != key or len(values) not in (0, width):
            waiting.add((team, quarter))  # recomputed at the next read
        else:
            stored[(team, quarter)] = values
    recomputed = sums_of_every_cell(session, method)
    differences = []
    cells = sorted((stored.keys() | recomputed.keys()) - waiting)
    for cell in cells:
        before = stored.get(cell) or [0.0] * width
        after = recomputed.get(cell) or [0.0] * width
        differ = [
            i
            for i, (a, b) in enumerate(zip(before, after, strict=True))
            if not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
        ]
        if differ:
            differences.append(
                SumsDifference(
                    cell[0],
                    cell[1],
                    tuple(columns[i] for i in differ),
                    tuple(before[i] for i in differ),
                    tuple(after[i] for i in differ),
                )
            )
    return len(cells), differences


def fingerprint(
    session: Session,
    method: scoring.Method,
    *,
    teams: Collection[int] | None = None,
    upto: int | None = None,
) -> tuple[Any, ...] | None:
    """What identifies the stored sums of these cells: it changes whenever one of them may have
    changed (a write bumps its generation, a new cell adds one). None while some are stale, built
    with another method or touched by this session's writes: then only `fresh_sums` can tell."""
    session.flush()
    if _pending(session):
        return None
    key = scoring.sums_key(method)
    state = session.execute(
        sa.select(STATE.c.sums_key, STATE.c.generation).where(STATE.c.id == STATE_ID)
    ).first()
    if state is None or state.sums_key != key:
        return None
    # Generations only grow, so these sums identify the cells' state; weighted by team and
    # quarter too, so that bumps of different cells never add up to the same figures.
    query = sa.select(
        sa.func.count(),
        *(
            sa.func.coalesce(sa.func.sum(CELLS.c.generation * weight), 0)
            for weight in (1, CELLS.c.team_id, CELLS.c.quarter)
        ),
        sa.func.coalesce(
            sa.func.sum(sa.case((CELLS.c.stale | (CELLS.c.sums_key != key), 1), else_=0)), 0
        ),
    )
    if teams is not None:
        query = query.where(CELLS.c.team_id.in_(sorted({int(t) for t in teams})))
    if upto is not None:
        query = query.where(CELLS.c.quarter <= upto)
    *sums, unusable = session.execute(query).one()
    if unusable:
        return None
    return (key, state.generation, *(int(s) for s in sums))


def frame_of_sums(sums: Mapping[Cell, list[float]], method: scoring.Method) -> pd.DataFrame:
    """Stored or recomputed cells as `quarter_sums` would give them."""
    cells = sorted(sums)
    columns = scoring.sum_columns(method)
    matrix = np.zeros((len(cells), len(columns)))
    for row, cell in enumerate(cells):
        if sums[cell]:  # [] had no data left when it was last computed
            matrix[row] = sums[cell]
    index = pd.MultiIndex.from_arrays(
        [
            np.array([c[0] for c in cells], dtype=np.int64),
            np.array([c[1] for c in cells], dtype=np.int64),
        ],
        names=scoring.SUMS_INDEX,
    )
    return scoring.as_sums(pd.DataFrame(matrix, index=index, columns=columns), method)


def _as_lists(sums: pd.DataFrame) -> dict[Cell, list[float]]:
    """quarter_sums rows as JSON-ready lists of plain floats, in the order of its columns."""
    values = sums.to_numpy(dtype=float).tolist()
    return {(int(t), int(q)): row for (t, q), row in zip(sums.index, values, strict=True)}


def _raw_rows(session: Session, query: sa.Select) -> list[tuple[Any, ...]]:
    """Rows straight from the driver: JSON stays text on SQLite, so _values parses it in C."""
    result = session.connection().execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _values(stored: Any) -> list[float]:
    """A stored cell's sums (JSON text, or the list the driver already parsed)."""
    if isinstance(stored, (str, bytes)):
        stored = json.loads(stored)
    return stored if isinstance(stored, list) else []


def rebuild(session: Session, method: scoring.Method, state: Any) -> _Computed:
    """Every cell from every decision (after a method change or a bulk load)."""
    # Generations first: a write committed after this read makes the store skip its cell.
    generations = {
        (team, quarter): generation
        for team, quarter, generation in session.execute(
            sa.select(CELLS.c.team_id, CELLS.c.quarter, CELLS.c.generation)
        )
    }
    sums = sums_of_every_cell(session, method)
    return _Computed(
        method,
        sums,
        generations,
        state_generation=None if state is None else state.generation,
        rebuilt=True,
    )


def sums_of_every_cell(session: Session, method: scoring.Method) -> dict[Cell, list[float]]:
    """Every cell added up from its decisions, a batch of teams at a time (`team_batches`)."""
    sums: dict[Cell, list[float]] = {}
    for teams in team_batches(session):
        sums.update(_as_lists(sums_of_decisions(session, method, Decision.team_id.in_(teams))))
    return sums


def team_batches(session: Session, at_most: int = REBUILD_BATCH) -> Iterator[list[int]]:
    """The teams, in batches of about `at_most` decisions (a larger team is a batch alone).

    A team's cells add up its own decisions only, so a rebuild team by team stores the same
    sums, to the last bit, as one over the whole log, and holds one batch in memory at a time:
    its memory follows the largest team, not the log."""
    batch: list[int] = []
    size = 0
    counts = session.execute(
        sa.select(Decision.team_id, sa.func.count())
        .group_by(Decision.team_id)
        .order_by(Decision.team_id)
    )
    for team, count in counts:
        if batch and size + count > at_most:
            yield batch
            batch, size = [], 0
        batch.append(team)
        size += count
    if batch:
        yield batch


def sums_of_cells(
    session: Session, method: scoring.Method, cells: Collection[Cell]
) -> dict[Cell, list[float]]:
    """Recompute these cells from the decisions that count in them, and no others.

    A cell's decisions are those of its team decided, due for review or reviewed in its
    quarter, found through the indexes on (team_id, decided_on), (team_id, review_due) and
    reviewed_on; teams stale over the same quarters are looked up together. Each batch is
    complete for its own cells.
    """
    result: dict[Cell, list[float]] = {}
    for batch in _batches(cells):
        found, batch_cells = [], set()
        for (first, last), teams in batch:
            in_teams = Decision.team_id.in_(sorted(teams))
            start, end = Quarter.from_index(first).start, Quarter.from_index(last).end
            found += [
                sa.select(Decision.id).where(in_teams, Decision.decided_on.between(start, end)),
                sa.select(Decision.id).where(in_teams, Decision.review_due.between(start, end)),
                _reviewed_in(teams, start, end),
            ]
            batch_cells |= {(t, q) for t in teams for q in range(first, last + 1)}
        sums = _as_lists(sums_for_cells(session, method, found, batch_cells))
        result.update({cell: sums[cell] for cell in sums.keys() & batch_cells})
    return result


def _reviewed_in(teams: set[int], start: date, end: date) -> sa.Select:
    """Ids of the teams' decisions reviewed between start and end. For one team, start from
    its decisions and probe their reviews; for several, from the reviews of those days (each
    is a few times faster than the other way round)."""
    in_dates = Review.reviewed_on.between(start, end)
    if len(teams) == 1:
        of_team = sa.select(Decision.id).where(Decision.team_id == next(iter(teams)))
        return sa.select(Review.decision_id).where(in_dates, Review.decision_id.in_(of_team))
    return (
        sa.select(Review.decision_id)
        .join(Decision, Decision.id == Review.decision_id)
        .where(Decision.team_id.in_(sorted(teams)), in_dates)
    )


def _batches(cells: Collection[Cell]) -> Iterator[list[tuple[tuple[int, int], set[int]]]]:
    """Runs of consecutive stale quarters, each with the teams stale over exactly that run."""
    quarters: dict[int, set[int]] = defaultdict(set)
    for team, quarter in cells:
        quarters[team].add(quarter)
    teams_of_run: dict[tuple[int, int], set[int]] = defaultdict(set)
    for team, stale in quarters.items():
        for run in _runs(sorted(stale)):
            teams_of_run[run].add(team)
    runs = sorted(teams_of_run.items())
    per_batch = RUNS_PER_BATCH
    for start in range(0, len(runs), per_batch):
        yield runs[start : start + per_batch]


def _runs(quarters: list[int]) -> list[tuple[int, int]]:
    """Sorted quarter indexes as (first, last) runs of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for quarter in quarters:
        if runs and quarter == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], quarter)
        else:
            runs.append((quarter, quarter))
    return runs
