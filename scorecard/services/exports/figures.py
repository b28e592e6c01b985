"""Collecting a scorecard's figures: the Teams table, trends, the Decisions sheet's rows (read
in batches, so memory stays flat) and the reviews due."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import clock
from scorecard.domain import scoring, voice, workbook
from scorecard.domain.quarters import Quarter
from scorecard.models import (
    Decision,
    Review,
    StakeholderImpact,
    Team,
    User,
    WasteLine,
)
from scorecard.permissions import Teams
from scorecard.services import queries, scores, suggestions, voice_figures
from scorecard.services.exports.provenance import audit_head, provenance_rows
from scorecard.services.exports.scope import scope_name
from scorecard.services.reference import current_method
from scorecard.services.score_inputs import heard_pairs

BATCH = 500  # decisions per read: small enough to keep memory flat, big enough to be quick

TREND_QUARTERS = 8


def scorecard(
    session: Session,
    quarter: Quarter,
    scope: Teams,
    generated_by: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> workbook.Scorecard:
    """Everything the workbook shows; the decision rows are read batch by batch as written,
    and `progress(n)` hears of every n of them."""
    method = current_method(session)
    team_ids = scope.filter
    # A quarter in progress on the day the workbook is made is cut at that day
    # (`table.progress` says so): today as the application sees it, as on its pages.
    today = clock.today()
    table = scores.teams_table(session, quarter, team_ids, today=today)
    summary = scores.team_series(session, None, [quarter.prev(), quarter], team_ids, today=today)
    trends = scores.composite_trends(session, quarter.last_n(TREND_QUARTERS), team_ids, today=today)
    return workbook.Scorecard(
        quarter=quarter,
        scope=scope_name(session, scope)[0],
        method=method,
        generated_at=now,
        generated_by=generated_by,
        summary=summary,
        teams=table.rows,
        trends=trends,
        decisions=_counted(decision_rows(session, quarter, team_ids, method), progress),
        reviews_due=reviews_due_rows(session, quarter, team_ids, today),
        purposes=purposes(session, scope),
        suggestions=suggestions.sheet(session, quarter, team_ids),
        voice=voice_figures.beside_table(session, quarter, team_ids),
        provenance=provenance_rows(
            session, quarter, table.rows, table.progress.cut if table.progress else None
        ),
        audit_head=audit_head(session),
        progress=table.progress,
    )


def purposes(session: Session, scope: Teams) -> list[tuple[str, str]]:
    """(team, what it is working to achieve) of the teams in scope that wrote their purpose."""
    rows = session.execute(
        sa.select(Team.name, Team.purpose)
        .where(scope.where(Team.id), Team.purpose != "")
        .order_by(Team.name)
    )
    return [(name, purpose) for name, purpose in rows]


def _counted(
    rows: Iterator[list[Any]], progress: Callable[[int], None] | None
) -> Iterator[list[Any]]:
    if progress is None:
        yield from rows
        return
    count = 0
    for row in rows:
        yield row
        count += 1
        if count == BATCH:
            progress(count)
            count = 0
    if count:
        progress(count)


def _scored_in(quarter: Quarter, team_ids: Collection[int] | None) -> sa.ColumnElement[bool]:
    return sa.and_(queries.decided_in(quarter), queries.SCORED, queries.in_teams(team_ids))


def count_decisions(session: Session, quarter: Quarter, team_ids: Collection[int] | None) -> int:
    """How many rows the Decisions sheet of this quarter and scope will have."""
    query = sa.select(sa.func.count(Decision.id)).where(_scored_in(quarter, team_ids))
    return session.scalar(query) or 0


def decision_rows(
    session: Session,
    quarter: Quarter,
    team_ids: Collection[int] | None,
    method: scoring.Method,
    batch: int = BATCH,
) -> Iterator[list[Any]]:
    """The quarter's scored decisions in the Decisions sheet's columns, by decided_on and id,
    read in batches so that memory stays flat whatever the quarter's size."""
    where = _scored_in(quarter, team_ids)
    query = (
        sa.select(
            Decision.id,
            Decision.external_id,
            Team.name,
            *queries.DECISION_TEXT,
            *queries.REVIEW_TEXT,
            queries.AUTHOR.label("author"),
        )
        .join(Team, Team.id == Decision.team_id)
        .outerjoin(Review, Review.decision_id == Decision.id)
        .outerjoin(User, User.id == Decision.author_id)
        .order_by(Decision.decided_on, Decision.id)
        .limit(batch)
    )
    group_ids = [g.id for g in method.groups]
    category_ids = [c.id for c in method.categories]
    after: tuple[date, int] | None = None
    while True:
        page = query.where(where)
        if after is not None:
            page = page.where(
                sa.or_(
                    Decision.decided_on > after[0],
                    sa.and_(Decision.decided_on == after[0], Decision.id > after[1]),
                )
            )
        rows = session.execute(page).all()
        if not rows:
            return
        yield from _decision_batch(session, rows, method, group_ids, category_ids)
        after = (rows[-1].decided_on, rows[-1].id)
        if len(rows) < batch:
            return


def _decision_batch(
    session: Session,
    rows: Sequence[sa.Row[Any]],
    method: scoring.Method,
    group_ids: list[int],
    category_ids: list[int],
) -> list[list[Any]]:
    """Rows of the Decisions sheet for one batch of decisions: impacts and waste are laid out
    as (decision x group) and (decision x category) matrices, then cut into row lists."""
    ids = [r.id for r in rows]
    connection = session.connection()
    impacts = _frame(
        connection.execute(
            sa.select(*queries.IMPACT_COLUMNS).where(StakeholderImpact.decision_id.in_(ids))
        ).all(),
        IMPACT_TYPES,
    )
    waste = _frame(
        connection.execute(
            sa.select(*queries.WASTE_ESTIMATES).where(WasteLine.decision_id.in_(ids))
        ).all(),
        WASTE_TYPES,
    )
    # Consulted as the method counts it: ticked by the author, or answered before deciding.
    impacts = voice.with_answers_consulted(impacts, heard_pairs(session, ids))
    figures = scoring.decision_figures(pd.DataFrame({"id": ids}), impacts, waste, method)

    decisions = pd.Index(ids)
    impact_cells = _impact_cells(impacts, decisions, pd.Index(group_ids))
    waste_cells = _waste_cells(waste, decisions, pd.Index(category_ids))
    wide = np.hstack([*impact_cells, *waste_cells, _computed_cells(figures)]).tolist()

    return [
        [
            r.external_id,
            r.name,
            r.title,
            r.decided_on,
            r.status,
            r.question,
            r.context,
            r.decision_taken,
            r.alternatives,
            r.review_due,
            r.reviewed_on,
            r.lessons,
            r.author or None,
            *rest,
        ]
        for r, rest in zip(rows, wide, strict=True)
    ]


def _impact_cells(impacts: pd.DataFrame, decisions: pd.Index, groups: pd.Index) -> list[np.ndarray]:
    """(decision x group): the estimate, "yes"/"no" for consulted, the actual where assessed."""
    n = len(decisions)
    at = decisions.get_indexer(impacts["decision_id"])
    col = groups.get_indexer(impacts["group_id"])
    keep = (at >= 0) & (col >= 0)
    at, col = at[keep], col[keep]
    estimate = np.full((n, len(groups)), None, dtype=object)
    estimate[at, col] = impacts["impact"].to_numpy()[keep].astype(object)
    consulted = np.full((n, len(groups)), "no", dtype=object)
    consulted[at, col] = np.where(impacts["consulted"].to_numpy()[keep], "yes", "no")
    actual = np.full((n, len(groups)), None, dtype=object)
    assessed = impacts["actual"].to_numpy()[keep]
    known = ~np.isnan(assessed)
    actual[at[known], col[known]] = assessed[known].astype(np.int64).astype(object)
    return [estimate, consulted, actual]


def _waste_cells(
    waste: pd.DataFrame, decisions: pd.Index, categories: pd.Index
) -> list[np.ndarray]:
    """(decision x category): created and avoided, lines of a category added; None without
    a line."""
    n = len(decisions)
    at = decisions.get_indexer(waste["decision_id"])
    col = categories.get_indexer(waste["category_id"])
    keep = (at >= 0) & (col >= 0)
    at, col = at[keep], col[keep]
    present = np.zeros((n, len(categories)), dtype=bool)
    present[at, col] = True
    amounts = []
    for name in ("created", "avoided"):
        total = np.zeros((n, len(categories)))
        np.add.at(total, (at, col), waste[name].to_numpy()[keep])
        amounts.append(_amounts(total, present))
    return amounts


def _computed_cells(figures: pd.DataFrame) -> np.ndarray:
    """The workbook's computed columns: impact index, shared value, harm, net waste."""
    computed = np.empty((len(figures), len(workbook.COMPUTED_COLUMNS)), dtype=object)
    impact_index = figures["impact_index"].to_numpy(dtype=float)
    computed[:, 0] = impact_index.astype(object)
    computed[np.isnan(impact_index), 0] = None
    computed[:, 1] = np.where(figures["shared_value"].to_numpy(dtype=bool), "yes", "no")
    computed[:, 2] = np.where(figures["harm"].to_numpy(dtype=bool), "yes", "no")
    computed[:, 3] = figures["net_waste"].to_numpy(dtype=float).astype(object)
    return computed


IMPACT_TYPES = {
    "decision_id": np.int64,
    "group_id": np.int64,
    "impact": np.int64,
    "consulted": bool,
    "actual": float,  # NaN where not assessed
}

WASTE_TYPES = {
    "decision_id": np.int64,
    "category_id": np.int64,
    "created": float,
    "avoided": float,
}


def _frame(rows: Sequence[sa.Row[Any]], types: dict[str, Any]) -> pd.DataFrame:
    """Rows as a typed frame, built column by column; None becomes NaN (0 for the others)."""
    count = len(rows)
    columns = {}
    for i, (name, kind) in enumerate(types.items()):
        if kind is float:
            values = (np.nan if r[i] is None else r[i] for r in rows)
        else:
            values = (r[i] or 0 for r in rows)
        columns[name] = np.fromiter(values, dtype=kind, count=count)
    return pd.DataFrame(columns)


def _amounts(total: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Amounts as sheet cells: whole ones as integers (500, not 500.0), None without a line."""
    cells = total.astype(object)  # Python floats
    whole = present & (total == np.floor(total)) & (np.abs(total) < 2**53)
    cells[whole] = total[whole].astype(np.int64).astype(object)
    cells[~present] = None
    return cells


def reviews_due_rows(
    session: Session, quarter: Quarter, team_ids: Collection[int] | None, today: date
) -> Iterator[list[Any]]:
    """Decided decisions whose review is due by the end of the next quarter, not yet reviewed."""
    query = (
        sa.select(
            Team.name,
            Decision.title,
            Decision.external_id,
            Decision.decided_on,
            Decision.review_due,
            queries.AUTHOR,
        )
        .join(Team, Team.id == Decision.team_id)
        .outerjoin(User, User.id == Decision.author_id)
        .where(queries.due_by(quarter.next().end), queries.in_teams(team_ids))
        .order_by(Decision.review_due, Decision.id)
        .execution_options(yield_per=BATCH)
    )
    rows = session.connection().execute(query)
    for team, title, external_id, decided_on, review_due, author in rows:
        late = (today - review_due).days
        yield [team, title, external_id, decided_on, review_due, late if late > 0 else None, author]
