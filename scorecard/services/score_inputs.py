"""The scoring module's inputs, loaded from the database in three set-based queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring, voice
from scorecard.models import Answer, Consultation, Decision, Review, StakeholderImpact, WasteLine
from scorecard.services import queries
from scorecard.services.queries import SCORED

DECISION_COLUMNS = list(scoring.DECISION_COLUMNS)
IMPACT_COLUMNS = [*scoring.IMPACT_COLUMNS, "actual"]
WASTE_COLUMNS = [*scoring.WASTE_COLUMNS, "actual_created", "actual_avoided"]
# No day number (from 1900 on) or impact is this: NULL is read as it, and becomes NaN.
MISSING = -999_999


def _frame(session: Session, query: sa.Select, columns: list[str]) -> pd.DataFrame:
    # Core rows straight from the connection, handed to pandas column by column: building a
    # frame from ORM result rows costs more than the query for a page of decisions.
    rows = session.connection().execute(query).all()
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame({name: list(column) for name, column in zip(columns, values, strict=True)})


def decision_frames(
    session: Session, where: sa.ColumnElement[bool] | None = None, *, ids: list[int] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The scoring module's inputs for the decisions matching `where`, or of these ids: three
    queries in all. With ids (a page of decisions), every row is read by an index: the parts by
    their decision ids, the review date by the review's unique decision id."""
    if ids is not None:
        where = Decision.id.in_(ids)
        of_decisions: Any = ids
    else:
        of_decisions = sa.select(Decision.id).where(where).scalar_subquery()
    reviewed_on = (
        sa.select(Review.reviewed_on)
        .where(Review.decision_id == Decision.id)
        .scalar_subquery()
        .label("reviewed_on")
    )
    decisions = _frame(
        session,
        sa.select(
            Decision.id,
            Decision.team_id,
            Decision.status,
            Decision.archived,
            Decision.decided_on,
            Decision.review_due,
            reviewed_on,
        ).where(where),
        DECISION_COLUMNS,
    )
    impacts = _frame(
        session,
        sa.select(*queries.IMPACT_COLUMNS).where(StakeholderImpact.decision_id.in_(of_decisions)),
        IMPACT_COLUMNS,
    )
    waste = _frame(
        session,
        sa.select(*queries.WASTE_COLUMNS).where(WasteLine.decision_id.in_(of_decisions)),
        WASTE_COLUMNS,
    )
    impacts["actual"] = pd.to_numeric(impacts["actual"], errors="coerce").astype(float)
    for column in ("actual_created", "actual_avoided"):
        waste[column] = pd.to_numeric(waste[column], errors="coerce").astype(float)
    return (
        decisions,
        voice.with_answers_consulted(impacts, heard_pairs(session, of_decisions)),
        waste,
    )


# Built once, the ids bound at each run: every page of a list asks it.
_IMPACTS_OF = sa.select(
    StakeholderImpact.decision_id, StakeholderImpact.group_id, StakeholderImpact.impact
).where(StakeholderImpact.decision_id.in_(sa.bindparam("ids", expanding=True)))


def impact_numbers(session: Session, ids: Sequence[int]) -> np.ndarray:
    """(decision_id, group_id, impact) of these decisions' impacts, read by the decision-id
    index as plain numbers: a page of a list scores them without building a frame."""
    return _numbers(session, _IMPACTS_OF, 3, {"ids": list(ids)})


def heard_pairs(session: Session, decision_ids: Any) -> pd.DataFrame:
    """(decision_id, group_id) of these decisions (ids, or a query of them) whose group
    answered a consultation on or before the decision's date."""
    query = _HEARD.where(Consultation.decision_id.in_(decision_ids))
    return _frame(session, query, ["decision_id", "group_id"])


def sums_of_decisions(
    session: Session, method: scoring.Method, where: sa.ColumnElement[bool] | None = None
) -> pd.DataFrame:
    """`scoring.quarter_sums` of the scored decisions matching `where` (None: all of them).

    Built for large reads: only numbers leave the database (dates as day numbers), straight
    from the cursor into numpy.
    Rows come in a fixed order (decisions by id, waste lines by value), so that the sums of a
    team-quarter are the same to the last bit whichever set of decisions they came from.
    """
    condition = SCORED if where is None else SCORED & where
    decisions = _numbers(session, _decision_query(session).where(condition), 5)
    if where is None:
        # Rows of drafts and archived decisions are ignored by the scoring module.
        impacts = _numbers(session, _IMPACTS, 5)
        waste = _numbers(session, _WASTE, 4)
    else:
        ids = sa.select(Decision.id).where(condition)
        impacts = _numbers(session, _IMPACTS.where(StakeholderImpact.decision_id.in_(ids)), 5)
        waste = _numbers(session, _WASTE.where(WasteLine.decision_id.in_(ids)), 4)
    heard = _numbers(session, _HEARD, 2)  # few rows: one per group that answered in time
    return _quarter_sums(decisions, _mark_heard(impacts, heard), waste, method)


def sums_of_id_range(
    session: Session, method: scoring.Method, first: int, last: int
) -> pd.DataFrame:
    """`sums_of_decisions` of the scored decisions with ids from `first` to `last`: every
    table read by a range of its decision-id index, nearly in the order it is stored (a
    rebuild's batch; batches of ids add up to the sums of the whole log)."""
    decisions = _numbers(
        session,
        _decision_query(session).where(SCORED, Decision.id.between(first, last)),
        5,
    )
    impacts = _numbers(
        session, _IMPACTS.where(StakeholderImpact.decision_id.between(first, last)), 5
    )
    waste = _numbers(session, _WASTE.where(WasteLine.decision_id.between(first, last)), 4)
    heard = _numbers(session, _HEARD.where(Consultation.decision_id.between(first, last)), 2)
    return _quarter_sums(decisions, _mark_heard(impacts, heard), waste, method)


@dataclass(frozen=True)
class ScoredRows:
    """The numbers of some scored decisions as `_quarter_sums` takes them (consultations
    answered in time already marked): what a write's two reads hold."""

    decisions: np.ndarray
    impacts: np.ndarray
    waste: np.ndarray


def scored_rows(session: Session, ids: Sequence[int]) -> ScoredRows:
    """The rows of these decisions that count in the sums (none for a draft or an archived
    one), read by index: a decision, its impacts, its waste lines, its groups heard in time."""
    decisions = _numbers_of(
        session, _decision_query(session).where(SCORED), Decision.id, np.asarray(ids), 5
    )
    kept = decisions[:, 0].astype(np.int64)
    if not len(kept):
        return ScoredRows(decisions, np.empty((0, 5)), np.empty((0, 4)))
    impacts = _numbers_of(session, _IMPACTS, StakeholderImpact.decision_id, kept, 5)
    waste = _numbers_of(session, _WASTE, WasteLine.decision_id, kept, 4)
    heard = _numbers_of(session, _HEARD, Consultation.decision_id, kept, 2)
    return ScoredRows(decisions, _mark_heard(impacts, heard), waste)


def quarters_of(rows: ScoredRows) -> set[int]:
    """The quarters these decisions count in: decided, due for review or reviewed."""
    days = rows.decisions[:, 2:5].ravel()
    return {int(q) for q in _quarter_of(days) if q >= 0}


def difference_of(
    before: ScoredRows, after: ScoredRows, method: scoring.Method, upto: date | None = None
) -> dict[tuple[int, int], np.ndarray]:
    """What the change from `before` to `after` (the same decisions read before and after a
    write) adds to each cell of `quarter_sums` (cut at `upto`, if given), in the order of
    `scoring.sum_columns`. One pass of the scoring module over both: the rows before are taken
    under negative ids."""

    def negated(rows: np.ndarray) -> np.ndarray:
        rows = rows.copy()
        rows[:, 0] = -rows[:, 0]
        return rows

    decisions = np.concatenate([negated(before.decisions), after.decisions])
    if not len(decisions):
        return {}
    frames = _input_frames(
        decisions,
        np.concatenate([negated(before.impacts), after.impacts]),
        np.concatenate([negated(before.waste), after.waste]),
    )
    parts = scoring.contributions(*frames, method, upto=upto)
    signs = np.where(parts.index.to_numpy() < 0, -1.0, 1.0)
    return scoring.signed_cell_sums(parts, signs, method)


def cut_sums_of_decisions(
    session: Session,
    method: scoring.Method,
    found: sa.Select | sa.CompoundSelect,
    days: Sequence[date],
) -> list[pd.DataFrame]:
    """`quarter_sums` of the scored decisions whose ids the `found` query gives, cut at each of
    these days (read once): only the cell of the quarter each day falls in is meant to be read.
    The ids are read first, then every row by them, a bounded number at a time (by index)."""
    ids = np.array(sorted(set(session.scalars(found))), dtype=np.int64)
    decisions = _numbers_of(session, _decision_query(session).where(SCORED), Decision.id, ids, 5)
    kept = decisions[:, 0].astype(np.int64)
    impacts = _numbers_of(session, _IMPACTS, StakeholderImpact.decision_id, kept, 5)
    waste = _numbers_of(session, _WASTE, WasteLine.decision_id, kept, 4)
    impacts = _mark_heard(impacts, _numbers(session, _HEARD, 2))
    return [_quarter_sums(decisions, impacts, waste, method, upto=day) for day in days]


CELL_KEY = 1 << 20  # decision_id * CELL_KEY + group_id: one integer per impact row
IDS_PER_QUERY = 10_000


def _quarter_of(days: np.ndarray) -> np.ndarray:
    """Quarter index of day numbers; -1 where there is no day."""
    dates = _dates(days)
    months = dates.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    quarters = (months // 12 + 1970) * 4 + (months % 12) // 3
    return np.where(np.isnat(dates), -1, quarters)


def _numbers_of(
    session: Session,
    query: sa.Select,
    key: sa.ColumnElement[int],
    ids: np.ndarray,
    width: int,
) -> np.ndarray:
    """`_numbers` of the query for these decision ids, a bounded number of ids at a time."""
    values = np.unique(ids).tolist()
    parts = [np.empty((0, width))]
    for start in range(0, len(values), IDS_PER_QUERY):
        chunk = values[start : start + IDS_PER_QUERY]
        parts.append(_numbers(session, query.where(key.in_(chunk)), width))
    return np.concatenate(parts)


def _missing_as(column: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """NULL as a number no real value takes (read back as NaN), so rows are all numbers."""
    return sa.func.coalesce(column, MISSING)


def _union(parts: Sequence[sa.Select]) -> sa.Select | sa.CompoundSelect:
    return parts[0] if len(parts) == 1 else sa.union(*parts)


def _decision_query(session: Session) -> sa.Select:
    dialect = session.get_bind().dialect.name
    return sa.select(
        Decision.id,
        Decision.team_id,
        _day_number(Decision.decided_on, dialect),
        _missing_as(_day_number(Decision.review_due, dialect)),
        _missing_as(_day_number(Review.reviewed_on, dialect)),
    ).outerjoin(Review, Review.decision_id == Decision.id)


# A missing impact row means 0, not consulted, not assessed: rows saying just that are skipped.
_IMPACTS = sa.select(
    StakeholderImpact.decision_id,
    StakeholderImpact.group_id,
    StakeholderImpact.impact,
    sa.case((StakeholderImpact.consulted, 1), else_=0),
    _missing_as(StakeholderImpact.actual),
).where(
    (StakeholderImpact.impact != 0)
    | StakeholderImpact.consulted
    | StakeholderImpact.actual.is_not(None)
)
_WASTE = sa.select(
    WasteLine.decision_id, WasteLine.category_id, WasteLine.created, WasteLine.avoided
)
# (decision, group) pairs whose group answered a consultation on or before the decision's
# date: consulted, whatever the author ticked (SCORING.md's consulted_g; domain.voice).
_HEARD = (
    sa.select(Consultation.decision_id, Consultation.group_id)
    .join(Decision, Decision.id == Consultation.decision_id)
    .where(
        sa.exists().where(
            Answer.consultation_id == Consultation.id, Answer.answered_on <= Decision.decided_on
        )
    )
    .distinct()
)


def _mark_heard(impacts: np.ndarray, heard: np.ndarray) -> np.ndarray:
    """Impact rows (decision, group, impact, consulted, actual) with consulted set to 1 where
    the group answered before the decision."""
    if not len(heard) or not len(impacts):
        return impacts
    keys = impacts[:, 0].astype(np.int64) * CELL_KEY + impacts[:, 1].astype(np.int64)
    answered = heard[:, 0].astype(np.int64) * CELL_KEY + heard[:, 1].astype(np.int64)
    marked = impacts.copy()
    marked[np.isin(keys, answered), 3] = 1
    return marked


def _quarter_sums(
    decisions: np.ndarray,
    impacts: np.ndarray,
    waste: np.ndarray,
    method: scoring.Method,
    upto: date | None = None,
) -> pd.DataFrame:
    """The scoring module's sums of these rows, in a fixed order."""
    decisions = decisions[np.argsort(decisions[:, 0], kind="stable")]
    waste = waste[np.lexsort((waste[:, 3], waste[:, 2], waste[:, 1], waste[:, 0]))]
    return scoring.quarter_sums(*_input_frames(decisions, impacts, waste), method, upto=upto)


def _input_frames(
    decisions: np.ndarray, impacts: np.ndarray, waste: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Rows of numbers as the scoring module's three input frames (all decisions scored)."""
    return (
        pd.DataFrame(
            {
                "id": decisions[:, 0].astype(np.int64),
                "team_id": decisions[:, 1].astype(np.int64),
                "status": scoring.SCORED_STATUSES[0],
                "archived": False,
                "decided_on": _dates(decisions[:, 2]),
                "review_due": _dates(decisions[:, 3]),
                "reviewed_on": _dates(decisions[:, 4]),
            }
        ),
        pd.DataFrame(
            {
                "decision_id": impacts[:, 0].astype(np.int64),
                "group_id": impacts[:, 1].astype(np.int64),
                "impact": impacts[:, 2],
                "consulted": impacts[:, 3] == 1,
                "actual": impacts[:, 4],
            }
        ),
        pd.DataFrame(
            {
                "decision_id": waste[:, 0].astype(np.int64),
                "category_id": waste[:, 1].astype(np.int64),
                "created": waste[:, 2],
                "avoided": waste[:, 3],
            }
        ),
    )


FETCH_ROWS = 50_000
EPOCH = date(1970, 1, 1)


def _day_number(column: sa.ColumnElement[date], dialect: str) -> sa.ColumnElement[int]:
    """Days since 1970-01-01, NULL stays NULL."""
    if dialect == "postgresql":
        return column - sa.literal(EPOCH, sa.Date)
    return sa.cast(sa.func.julianday(column) - 2440587.5, sa.Integer)


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers (NaN for none) as datetime64 (NaT for none)."""
    dates = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnan(days)
    dates[known] = days[known].astype(np.int64).astype("datetime64[D]")
    return dates


def _numbers(
    session: Session, query: sa.Select, width: int, params: dict[str, Any] | None = None
) -> np.ndarray:
    """The rows of an all-numeric query as a float matrix (MISSING as NaN), taken from the
    cursor without building a Row object per row and in batches, so that the plain Python
    rows of a large read never all exist at once: several times faster, and a fraction of
    the memory."""
    result = session.connection().execute(query, params)
    parts = [np.empty(0)]
    try:
        while rows := result.cursor.fetchmany(FETCH_ROWS):
            parts.append(
                np.fromiter(chain.from_iterable(rows), dtype=float, count=len(rows) * width)
            )
    finally:
        result.close()
    numbers = np.concatenate(parts).reshape(-1, width)
    numbers[numbers == MISSING] = np.nan
    return numbers
