"""The scoring module's per team-quarter sums, kept in the database so no request rescans the log.

A cell is one (team, quarter): the additive sums of `scoring.quarter_sums` for it. A decision
counts in the cells of its team and the quarters of its `decided_on`, `review_due` and
`reviewed_on` (only while it is scored: decided or reviewed, not archived).

Every write keeps the stored sums exact, in its own transaction and explicitly: a service that
changes decisions (or their impacts, waste lines, review or answered consultations) opens a
`SumsChange`, names the decisions before it changes them, and applies the change when it is done.
The change reads what those decisions add to the sums before and after the write and adds the
difference to the cells they touch, under a row lock in sorted order (writers never deadlock).
Its cost follows the decisions written, not the size of their team-quarters.

Readers never compute, with one exception: when the stored sums were built for other groups or
categories (`scoring.sums_key`; new composite weights alone need no rebuild, as they only weigh
the KPIs made from the sums), every cell is rebuilt from the decisions. The rebuild job does it
after such a change (tasks/scores.py); a read that comes first rebuilds in a short transaction of
its own, or computes for itself when a writer holds the lock.

The same writes keep the stored cuts (`team_quarter_cut`): the quarter in progress and the one
before, each cut at today's day of it, for every team. The first read of a day (or the task just
after midnight) stores them; they are the other exception, once a day.

A rebuild, or a store of cuts, holds the state row's lock for update; every write holds it for
share (PostgreSQL) or the database's write lock (SQLite), so no write can fall between their
read and their store.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.models import (
    Decision,
    Review,
    ScoreCacheState,
    ScoreCut,
    TeamQuarterCut,
    TeamQuarterSums,
)
from scorecard.services import reference
from scorecard.services.score_inputs import (
    ScoredRows,
    cut_sums_of_decisions,
    difference_of,
    quarters_of,
    scored_rows,
    sums_of_id_range,
)

log = logging.getLogger(__name__)

Cell = tuple[int, int]  # (team_id, quarter index)

CELLS = TeamQuarterSums.__table__
STATE = ScoreCacheState.__table__
CUTS = TeamQuarterCut.__table__
CUT_STATE = ScoreCut.__table__
STATE_ID = 1
MEMO = "score_cache.fresh_sums"  # session.info key: sums already read in this transaction
WRITTEN = "score_cache.written"  # session.info key: this transaction changed stored sums
CHUNK = 500  # ids or rows per statement, well under SQLite's limit on bound parameters
LOCK_TIMEOUT_MS = 200  # a read that rebuilds waits no longer for a writer
REBUILD_BATCH = 25_000  # decision ids read at a time by a rebuild


# --- writing: the difference a write makes -----------------------------------------------------


class SumsChange:
    """What one write does to the stored sums, applied in the write's own transaction.

    `touch` the decisions before changing them (new ones may be touched before their flush),
    then `apply` once the write is done; or use `changing`. A change of nothing stored (no
    sums kept yet, or kept for other groups or categories) does nothing: the rebuild that must
    come counts the write.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._method: scoring.Method | None = None
        self._started = False
        self._ids: set[int] = set()
        self._new: list[Decision] = []
        self._before: list[ScoredRows] = []  # the touched decisions' rows before the write

    def touch(self, *decisions: Decision | int | Iterable[int]) -> None:
        """Name decisions about to change (objects, ids or collections of ids)."""
        self._start()
        ids: set[int] = set()
        for item in decisions:
            if isinstance(item, Decision):
                if item.id is None:
                    self._new.append(item)
                else:
                    ids.add(item.id)
            elif isinstance(item, int):
                ids.add(item)
            else:
                ids.update(int(i) for i in item)
        ids -= self._ids
        if not ids:
            return
        self._ids |= ids
        if self._method is not None:
            ordered = sorted(ids)
            _lock_decisions(self.session, ordered)
            self._before.append(scored_rows(self.session, ordered))

    def apply(self) -> None:
        """Add the difference the write made to the cells it touched."""
        self._start()
        self.session.flush()
        self._ids |= {d.id for d in self._new if d.id is not None}
        self._new = []
        self.session.info[WRITTEN] = True
        self.session.info.pop(MEMO, None)
        if self._method is None or not self._ids:
            return
        before = _joined(self._before)
        after = scored_rows(self.session, sorted(self._ids))
        _add_to_cells(self.session, self._method, difference_of(before, after, self._method))
        _add_to_cuts(self.session, self._method, before, after)
        self._before, self._ids = [], set()

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        method = reference.current_method(self.session)
        key = _state_key(self.session, lock="share")
        self._method = method if key == scoring.sums_key(method) else None


def _joined(parts: list[ScoredRows]) -> ScoredRows:
    if len(parts) == 1:
        return parts[0]
    return ScoredRows(
        np.concatenate([np.empty((0, 5)), *(p.decisions for p in parts)]),
        np.concatenate([np.empty((0, 5)), *(p.impacts for p in parts)]),
        np.concatenate([np.empty((0, 4)), *(p.waste for p in parts)]),
    )


@contextmanager
def changing(session: Session, *decisions: Decision | int | Iterable[int]) -> Iterator[SumsChange]:
    """`SumsChange` around a write: these decisions touched first, the change applied at the end
    (not when the block raises: the transaction is then rolled back)."""
    change = SumsChange(session)
    change.touch(*decisions)
    yield change
    change.apply()


def has_pending_writes(session: Session) -> bool:
    """Whether this session's transaction has changed stored sums (not yet committed)."""
    return bool(session.info.get(WRITTEN))


def _lock_decisions(session: Session, ids: list[int]) -> None:
    """On PostgreSQL, lock the decisions' rows, so that no other writer changes what they add up
    to between this change's two reads (SQLite's writers already take turns)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for start in range(0, len(ids), CHUNK * 5):
        session.execute(
            sa.select(Decision.id)
            .where(Decision.id.in_(ids[start : start + CHUNK * 5]))
            .order_by(Decision.id)
            .with_for_update()
        ).all()


def _state_key(session: Session, *, lock: str | None = None) -> str | None:
    """The sums_key the stored cells are of (None: nothing usable is stored)."""
    query = sa.select(STATE.c.sums_key).where(STATE.c.id == STATE_ID)
    if lock is not None and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=lock == "share")
    return session.execute(query).scalar()


def _add_to_cells(session: Session, method: scoring.Method, difference: dict[Cell, Any]) -> None:
    """Add these differences to the stored cells, creating the missing ones."""
    key = scoring.sums_key(method)
    _add_to(session, CELLS, {"sums_key": key, "method_version": method.version}, {}, difference)


def _add_to(
    session: Session,
    table: sa.Table,
    new_columns: Mapping[str, Any],
    fixed: Mapping[str, Any],
    difference: Mapping[Cell, Any],
) -> None:
    """Add differences to rows of `table` keyed by (team_id, quarter) and the `fixed` columns,
    creating missing rows with `new_columns`; in sorted order, so writers never deadlock. Every
    cell a touched decision counts in is bumped, a difference of zero included: a figure cut at
    a day may move though the whole quarter's sums do not."""
    changed = sorted(difference)
    if not changed:
        return
    insert = _insert(session.connection())
    on_fixed = [table.c[name] == value for name, value in fixed.items()]
    for start in range(0, len(changed), CHUNK):
        cells = changed[start : start + CHUNK]
        session.execute(
            insert(table)
            .values(
                [
                    {
                        "team_id": team,
                        "quarter": quarter,
                        **fixed,
                        **new_columns,
                        "generation": 0,
                        "sums": [],
                    }
                    for team, quarter in cells
                ]
            )
            .on_conflict_do_nothing()
        )
        query = (
            sa.select(table.c.team_id, table.c.quarter, table.c.sums)
            .where(sa.tuple_(table.c.team_id, table.c.quarter).in_(cells), *on_fixed)
            .order_by(table.c.team_id, table.c.quarter)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        updates = []
        for team, quarter, stored in _raw_rows(session, query):
            change = np.asarray(difference[(team, quarter)], dtype=float)
            values = _values(stored)
            now = (np.array(values, dtype=float) if values else np.zeros(len(change))) + change
            updates.append({"t": team, "q": quarter, "sums": now.tolist()})
        session.execute(
            table.update()
            .where(
                table.c.team_id == sa.bindparam("t"),
                table.c.quarter == sa.bindparam("q"),
                *on_fixed,
            )
            .values(sums=sa.bindparam("sums"), generation=table.c.generation + 1),
            updates,
        )


def _insert(connection: sa.Connection) -> Any:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"the score cache needs SQLite or PostgreSQL, not {dialect}")


# --- rebuilding every cell ---------------------------------------------------------------------


def rebuild(session: Session, method: scoring.Method) -> dict[Cell, list[float]]:
    """Every cell from every decision, stored in the session's transaction (which must be a
    write one: on SQLite it holds the write lock, on PostgreSQL this takes the state row's)."""
    insert = _insert(session.connection())
    session.execute(
        insert(STATE)
        .values(id=STATE_ID, sums_key=None, method_version=None, generation=0)
        .on_conflict_do_nothing()
    )
    _state_key(session, lock="update")
    sums = sums_of_every_cell(session, method)
    key, version = scoring.sums_key(method), method.version
    session.execute(CELLS.delete())
    session.execute(CUTS.delete())  # stored again by the next read of a quarter in progress
    session.execute(CUT_STATE.delete())
    cells = sorted(sums)
    for start in range(0, len(cells), CHUNK):
        session.execute(
            insert(CELLS),
            [
                {
                    "team_id": team,
                    "quarter": quarter,
                    "sums_key": key,
                    "method_version": version,
                    "generation": 1,
                    "sums": sums[(team, quarter)],
                }
                for team, quarter in cells[start : start + CHUNK]
            ],
        )
    session.execute(
        STATE.update()
        .where(STATE.c.id == STATE_ID)
        .values(sums_key=key, method_version=version, generation=STATE.c.generation + 1)
    )
    session.info.pop(MEMO, None)
    return sums


def build_if_missing(session: Session, method: scoring.Method) -> bool:
    """Rebuild in this write transaction when nothing usable is stored (a new database after a
    bulk load); whether it did."""
    if _state_key(session) == scoring.sums_key(method):
        return False
    rebuild(session, method)
    return True


def forget(session: Session) -> None:
    """Stop using what is stored: the next read (or the rebuild job) adds up every decision
    again. For writes outside the write path: a bulk load of generated decisions."""
    session.execute(
        STATE.update()
        .where(STATE.c.id == STATE_ID)
        .values(sums_key=None, method_version=None, generation=STATE.c.generation + 1)
    )
    session.execute(CUT_STATE.delete())
    session.info.pop(MEMO, None)


def _rebuild_aside(session: Session, method: scoring.Method) -> dict[Cell, list[float]]:
    """A reader's rebuild, stored in a short transaction of its own; when a writer holds the
    lock (or this session's own transaction does), the sums are computed and not stored."""
    stored = _aside(session, lambda aside: rebuild(aside, method), "stored sums not rebuilt")
    return sums_of_every_cell(session, method) if stored is None else stored


def _aside(session: Session, work: Callable[[Session], Any], failure: str) -> Any:
    """Do `work` in a short write transaction of its own, holding the state row's lock (which
    `work` takes); None when it cannot have the lock at once (or this session holds it)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    sqlite_db = engine.dialect.name == "sqlite"
    if has_pending_writes(session) or (
        sqlite_db and session.connection().get_execution_options().get("sqlite_immediate")
    ):
        return None
    with engine.connect() as connection:
        if sqlite_db:
            # Outside SQLAlchemy's transaction: pysqlite runs in autocommit mode here.
            raw = connection.connection.driver_connection
            busy_timeout = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute(f"PRAGMA busy_timeout={LOCK_TIMEOUT_MS}")
            connection = connection.execution_options(sqlite_immediate=True)
        try:
            with Session(bind=connection) as aside, aside.begin():
                if not sqlite_db:
                    aside.execute(sa.text(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"))
                return work(aside)
        except sa.exc.OperationalError as error:
            log.info("%s, the database was busy: %s", failure, error.orig)
            return None
        finally:
            if sqlite_db:
                raw.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")


# --- quarters cut at a day ---------------------------------------------------------------------

CutKey = tuple[int, date]  # (quarter index, the last day counted)


def stored_cut(
    session: Session, method: scoring.Method, cut: CutKey, teams: Iterable[int] | None
) -> pd.DataFrame | None:
    """The stored sums of a quarter cut at a day for these teams (None: every team), in the
    shape of `quarter_sums`; None when that cut is not stored for these groups and categories."""
    quarter, day = cut
    key = session.execute(
        sa.select(CUT_STATE.c.sums_key).where(
            CUT_STATE.c.quarter == quarter, CUT_STATE.c.day == day
        )
    ).scalar()
    if key != scoring.sums_key(method):
        return None
    query = sa.select(CUTS.c.team_id, CUTS.c.quarter, CUTS.c.sums).where(
        CUTS.c.quarter == quarter, CUTS.c.day == day
    )
    if teams is not None:
        query = query.where(CUTS.c.team_id.in_(sorted({int(t) for t in teams})))
    return frame_of_sums({(t, q): _values(v) for t, q, v in _raw_rows(session, query)}, method)


def store_cuts(
    session: Session,
    method: scoring.Method,
    compute: Callable[[Session], Mapping[CutKey, pd.DataFrame]],
) -> Mapping[CutKey, pd.DataFrame] | None:
    """Compute cuts of every team (`compute`, in the storing transaction) and store them in
    place of those stored before, in a short transaction of its own under the state row's lock,
    so that every write comes before or after it; None when the lock was busy or nothing stored
    is kept by the writes (then the caller computes for itself)."""

    def work(aside: Session) -> Mapping[CutKey, pd.DataFrame] | None:
        if _state_key(aside, lock="update") != scoring.sums_key(method):
            return None  # the writes keep nothing now: they would not keep the cuts either
        cuts = compute(aside)
        aside.execute(CUTS.delete())
        aside.execute(CUT_STATE.delete())
        for (quarter, day), sums in cuts.items():
            rows = [
                {"team_id": t, "quarter": q, "day": day, "generation": 1, "sums": values}
                for (t, q), values in _as_lists(sums).items()
                if q == quarter
            ]
            for start in range(0, len(rows), CHUNK):
                aside.execute(sa.insert(CUTS), rows[start : start + CHUNK])
            aside.execute(
                sa.insert(CUT_STATE).values(
                    quarter=quarter, day=day, sums_key=scoring.sums_key(method)
                )
            )
        return cuts

    return _aside(session, work, "cuts not stored")


def _stored_cut_keys(session: Session, method: scoring.Method) -> list[CutKey]:
    return [
        (quarter, day)
        for quarter, day in session.execute(
            sa.select(CUT_STATE.c.quarter, CUT_STATE.c.day)
            .where(CUT_STATE.c.sums_key == scoring.sums_key(method))
            .order_by(CUT_STATE.c.quarter, CUT_STATE.c.day)
        )
    ]


def _add_to_cuts(
    session: Session, method: scoring.Method, before: ScoredRows, after: ScoredRows
) -> None:
    """The write's difference to each stored cut whose quarter the decisions count in."""
    touched = quarters_of(before) | quarters_of(after)
    for quarter, day in _stored_cut_keys(session, method):
        if quarter not in touched:
            continue
        difference = difference_of(before, after, method, upto=day)
        in_quarter = {cell: v for cell, v in difference.items() if cell[1] == quarter}
        _add_to(session, CUTS, {}, {"day": day}, in_quarter)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """What a transaction read or wrote is forgotten with it (a memo, not a write's record)."""
    if transaction.parent is None:
        session.info.pop(MEMO, None)
        session.info.pop(WRITTEN, None)


# --- reading the cache -------------------------------------------------------------------------


# Frames of stored sums by the fingerprint of their cells, per database engine (another
# database, another app's or a test's, never shares them).
_frames: weakref.WeakKeyDictionary[sa.Engine, OrderedDict[Any, pd.DataFrame]] = (
    weakref.WeakKeyDictionary()
)
_frames_lock = threading.Lock()
FRAMES_KEPT = 64


def fresh_sums(
    session: Session,
    method: scoring.Method,
    *,
    teams: Iterable[int] | None = None,
    upto: int | None = None,
) -> pd.DataFrame:
    """The sums of the cells of these teams (None: every team) up to quarter index `upto`.

    In the shape of `scoring.quarter_sums`, and equal to it over the same decisions (this
    session's own writes included: they changed the cells in its transaction).
    """
    team_set = None if teams is None else {int(t) for t in teams}
    # One page asks for the same sums several times (Teams table, trends, series): within a
    # transaction they change only by its own writes, which forget the memo.
    memo_key = (scoring.sums_key(method), None if team_set is None else frozenset(team_set), upto)
    memo = session.info.setdefault(MEMO, {})
    if memo_key in memo:
        return memo[memo_key].copy()
    key = scoring.sums_key(method)
    if _state_key(session) != key:
        every = _rebuild_aside(session, method)
        sums = {
            cell: values
            for cell, values in every.items()
            if (team_set is None or cell[0] in team_set) and (upto is None or cell[1] <= upto)
        }
    else:
        # Kept in this process while the cells' fingerprint is unchanged: a page that reads the
        # sums then costs one aggregate over the cells, not a read and parse of every one.
        state = fingerprint(session, method, teams=team_set, upto=upto)
        kept_key = None if state is None else (state, method, memo_key[1], upto)
        if kept_key is not None:
            with _frames_lock:
                kept = _frames.setdefault(session.get_bind(), OrderedDict())
                if kept_key in kept:
                    kept.move_to_end(kept_key)
                    memo[memo_key] = kept[kept_key]
                    return kept[kept_key].copy()
        query = sa.select(CELLS.c.team_id, CELLS.c.quarter, CELLS.c.sums)
        if team_set is not None:
            query = query.where(CELLS.c.team_id.in_(sorted(team_set)))
        if upto is not None:
            query = query.where(CELLS.c.quarter <= upto)
        sums = {(team, quarter): _values(s) for team, quarter, s in _raw_rows(session, query)}
        frame = frame_of_sums(sums, method)
        if kept_key is not None:
            with _frames_lock:
                kept = _frames.setdefault(session.get_bind(), OrderedDict())
                kept[kept_key] = frame.copy()
                while len(kept) > FRAMES_KEPT:
                    kept.popitem(last=False)
        memo[memo_key] = frame.copy()
        return frame
    frame = frame_of_sums(sums, method)
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
    cut_day: date | None = None  # a stored cut of the quarter at this day, not the whole quarter


def verify(session: Session, method: scoring.Method) -> tuple[int, list[SumsDifference]] | None:
    """Every stored cell, and every stored cut, against the same cell added up again from every
    decision; a cell not stored holds nothing. (How many cells were compared, the differences);
    None when nothing stored is in use (the next read rebuilds everything)."""
    key = scoring.sums_key(method)
    if _state_key(session) != key:
        return None
    columns = scoring.sum_columns(method)
    width = len(columns)
    stored: dict[Cell, list[float]] = {}
    unreadable: set[Cell] = set()
    query = sa.select(CELLS.c.team_id, CELLS.c.quarter, CELLS.c.sums_key, CELLS.c.sums)
    for team, quarter, cell_key, cell_sums in _raw_rows(session, query):
        values = _values(cell_sums)
        if cell_key != key or len(values) not in (0, width):
            unreadable.add((team, quarter))  # reported as a difference below
        stored[(team, quarter)] = values if len(values) == width else []
    recomputed = sums_of_every_cell(session, method)
    differences = _differences(stored, recomputed, unreadable, columns)
    checked = len(stored.keys() | recomputed.keys())
    for quarter, day in _stored_cut_keys(session, method):
        kept = _as_lists(stored_cut(session, method, (quarter, day), None))
        (fresh,) = cut_sums_of_decisions(session, method, _counting_in(quarter), [day])
        again = {c: v for c, v in _as_lists(fresh).items() if c[1] == quarter}
        found = _differences(kept, again, set(), columns)
        differences += [dataclasses.replace(d, cut_day=day) for d in found]
        checked += len(kept.keys() | again.keys())
    return checked, differences


def _counting_in(quarter: int) -> sa.CompoundSelect:
    """Ids of the decisions that count in a quarter: decided, due for review or reviewed in it."""
    first, last = Quarter.from_index(quarter).start, Quarter.from_index(quarter).end
    return sa.union(
        sa.select(Decision.id).where(Decision.decided_on.between(first, last)),
        sa.select(Decision.id).where(Decision.review_due.between(first, last)),
        sa.select(Review.decision_id).where(Review.reviewed_on.between(first, last)),
    )


def _differences(
    stored: Mapping[Cell, list[float]],
    recomputed: Mapping[Cell, list[float]],
    unreadable: set[Cell],
    columns: list[str],
) -> list[SumsDifference]:
    width = len(columns)
    differences = []
    for cell in sorted(stored.keys() | recomputed.keys()):
        before = stored.get(cell) or [0.0] * width
        after = recomputed.get(cell) or [0.0] * width
        differ = [
            i
            for i, (a, b) in enumerate(zip(before, after, strict=True))
            if cell in unreadable or not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
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
    return differences


def fingerprint(
    session: Session,
    method: scoring.Method,
    *,
    teams: Iterable[int] | None = None,
    upto: int | None = None,
) -> tuple[Any, ...] | None:
    """What identifies the stored sums of these cells: it changes whenever one of them may have
    changed (a write bumps its generation, a new cell adds one). None while they are built with
    other groups or categories or changed by this session's uncommitted writes: then only
    `fresh_sums` can tell."""
    if has_pending_writes(session):
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
        sa.func.coalesce(sa.func.sum(sa.case((CELLS.c.sums_key != key, 1), else_=0)), 0),
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


def sums_of_every_cell(session: Session, method: scoring.Method) -> dict[Cell, list[float]]:
    """Every cell added up from its decisions, a range of `REBUILD_BATCH` decision ids at a
    time (`id_ranges`): each table is read along its decision-id index, and memory holds one
    batch and the cells, whatever the size of the log."""
    sums: dict[Cell, np.ndarray] = {}
    for first, last in id_ranges(session):
        batch = sums_of_id_range(session, method, first, last)
        for cell, values in zip(batch.index, batch.to_numpy(dtype=float), strict=True):
            key = (int(cell[0]), int(cell[1]))
            sums[key] = sums[key] + values if key in sums else values
    return {cell: values.tolist() for cell, values in sums.items()}


def id_ranges(session: Session, at_most: int = REBUILD_BATCH) -> Iterator[tuple[int, int]]:
    """(first, last) decision ids, each range holding at most `at_most` ids."""
    low, high = session.execute(sa.select(sa.func.min(Decision.id), sa.func.max(Decision.id))).one()
    if low is None:
        return
    for first in range(low, high + 1, at_most):
        yield first, min(first + at_most - 1, high)
