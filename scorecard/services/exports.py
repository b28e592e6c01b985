"""Quarterly scorecards: gather the figures, write the workbook under EXPORT_DIR, list past ones.

Each export is a workbook and a small JSON file beside it (quarter, scope, who, when, size):
no schema, and any machine that shares the folder sees the same list. Files are found by a
server-made id, never by a path a user gives.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain import scoring, workbook
from scorecard.domain.quarters import Quarter
from scorecard.models import (
    Decision,
    Review,
    StakeholderImpact,
    Status,
    Team,
    User,
    WasteLine,
)
from scorecard.services import accounts, audit, scores
from scorecard.services.reference import current_method

BATCH = 500  # decisions per read: small enough to keep memory flat, big enough to be quick
EXPORT_ID = re.compile(r"[0-9a-f]{32}")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMMAND_LINE = "command line"
TREND_QUARTERS = 8


class ExportNotFound(LookupError):
    """No such team or export, or not one the user may see (shown as 404)."""


class ExportForbidden(PermissionError):
    """The user's role does not allow this export (shown as 403)."""


@dataclass(frozen=True)
class ExportRecord:
    """One generated workbook, as its JSON sidecar describes it."""

    id: str
    quarter: str
    scope: str
    team_ids: tuple[int, ...] | None  # None: every team
    scope_slug: str
    created_by: str
    created_by_id: int | None
    created_at: datetime
    size: int
    method_version: int
    file: str  # a bare file name inside EXPORT_DIR

    @property
    def download_name(self) -> str:
        return f"scorecard-{self.quarter}-{self.scope_slug}.xlsx"

    @property
    def size_text(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(self.size / 1024, 0.1):.1f} KB" if self.size else "0 KB"

    def to_json(self) -> str:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["team_ids"] = None if self.team_ids is None else list(self.team_ids)
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ExportRecord:
        data = json.loads(text)
        team_ids = data["team_ids"]
        return cls(
            id=str(data["id"]),
            quarter=str(data["quarter"]),
            scope=str(data["scope"]),
            team_ids=None if team_ids is None else tuple(int(t) for t in team_ids),
            scope_slug=str(data["scope_slug"]),
            created_by=str(data["created_by"]),
            created_by_id=data.get("created_by_id"),
            created_at=datetime.fromisoformat(data["created_at"]),
            size=int(data["size"]),
            method_version=int(data["method_version"]),
            file=str(data["file"]),
        )


# --- who may export what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    team_ids: frozenset[int] | None  # None: every team
    label: str
    slug: str


def export_scope(session: Session, actor: User | None, team_slug: str | None = None) -> Scope:
    """The teams an export covers: one team, or all the actor may export (every team for
    admins and the command line, the managed teams for a manager)."""
    managed = None if actor is None else accounts.managed_team_ids(session, actor)
    if actor is not None and not actor.is_admin and not actor.is_manager:
        raise ExportForbidden("only managers and admins export scorecards")
    if team_slug:
        team = accounts.team_by_slug(session, team_slug)
        if team is None:
            raise ExportNotFound(f"no team has the slug {team_slug!r}")
        if managed is not None and team.id not in managed:
            visible = accounts.visible_team_ids(session, actor) if actor else None
            if visible is not None and team.id not in visible:
                raise ExportNotFound(f"no team has the slug {team_slug!r}")
            raise ExportForbidden(f"you do not manage {team.name}")
        return Scope(frozenset({team.id}), team.name, team.slug)
    if managed is None:
        return Scope(None, "All teams", "all-teams")
    if not managed:
        raise ExportForbidden("you manage no team")
    teams = [t for t in accounts.all_teams(session) if t.id in managed]
    if len(teams) == 1:
        return Scope(frozenset(managed), teams[0].name, teams[0].slug)
    return Scope(frozenset(managed), ", ".join(t.name for t in teams), f"{len(teams)}-teams")


def exportable_teams(session: Session, actor: User) -> list[Team]:
    managed = accounts.managed_team_ids(session, actor)
    return [t for t in accounts.all_teams(session) if managed is None or t.id in managed]


def quarters_to_offer(
    session: Session, latest: Quarter, at_least: int, at_most: int = 40
) -> list[Quarter]:
    """The quarters to choose from, newest first: back to the first decision, within bounds."""
    first_day = session.scalar(sa.select(sa.func.min(Decision.decided_on)))
    first = latest.last_n(at_least)[0]
    if first_day is not None:
        first = max(min(first, Quarter.of(first_day)), latest.last_n(at_most)[0])
    return list(reversed(Quarter.range(first, latest)))


def may_see(record: ExportRecord, managed: set[int] | None) -> bool:
    """Admins see every export; a manager those whose teams they all manage."""
    if managed is None:
        return True
    return record.team_ids is not None and set(record.team_ids) <= managed


# --- gathering the figures --------------------------------------------------------------------


def scorecard(
    session: Session,
    quarter: Quarter,
    scope: Scope,
    generated_by: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> workbook.Scorecard:
    """Everything the workbook shows; the decision rows are read batch by batch as written,
    and `progress(n)` hears of every n of them."""
    method = current_method(session)
    team_ids = scope.team_ids
    table = scores.teams_table(session, quarter, team_ids)
    summary = scores.team_series(session, None, [quarter.prev(), quarter], team_ids)
    trends = scores.composite_trends(session, quarter.last_n(TREND_QUARTERS), team_ids)
    return workbook.Scorecard(
        quarter=quarter,
        scope=scope.label,
        method=method,
        generated_at=now,
        generated_by=generated_by,
        summary=summary,
        teams=table.rows,
        trends=trends,
        decisions=_counted(decision_rows(session, quarter, team_ids, method), progress),
        reviews_due=reviews_due_rows(session, quarter, team_ids, now.date()),
    )


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
    return sa.and_(
        Decision.decided_on >= quarter.start,
        Decision.decided_on <= quarter.end,
        Decision.status.in_(scoring.SCORED_STATUSES),
        ~Decision.archived,
        _in_scope(team_ids),
    )


def count_decisions(session: Session, quarter: Quarter, team_ids: Collection[int] | None) -> int:
    """How many rows the Decisions sheet of this quarter and scope will have."""
    query = sa.select(sa.func.count(Decision.id)).where(_scored_in(quarter, team_ids))
    return session.scalar(query) or 0


def _in_scope(team_ids: Collection[int] | None) -> sa.ColumnElement[bool]:
    if team_ids is None:
        return sa.true()
    return Decision.team_id.in_(sorted(team_ids))


_AUTHOR = sa.func.coalesce(User.email, Decision.author_email, "")


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
            Decision.title,
            Decision.decided_on,
            Decision.status,
            Decision.question,
            Decision.context,
            Decision.decision_taken,
            Decision.alternatives,
            Decision.review_due,
            Review.reviewed_on,
            Review.lessons,
            _AUTHOR.label("author"),
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
            sa.select(
                StakeholderImpact.decision_id,
                StakeholderImpact.group_id,
                StakeholderImpact.impact,
                StakeholderImpact.consulted,
                StakeholderImpact.actual,
            ).where(StakeholderImpact.decision_id.in_(ids))
        ).all(),
        IMPACT_TYPES,
    )
    waste = _frame(
        connection.execute(
            sa.select(
                WasteLine.decision_id,
                WasteLine.category_id,
                WasteLine.created,
                WasteLine.avoided,
            ).where(WasteLine.decision_id.in_(ids))
        ).all(),
        WASTE_TYPES,
    )
    figures = scoring.decision_figures(pd.DataFrame({"id": ids}), impacts, waste, method)

    n = len(ids)
    decisions = pd.Index(ids)
    groups, categories = pd.Index(group_ids), pd.Index(category_ids)
    # Impacts: the estimate, "yes"/"no" for consulted, the actual where assessed.
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
    # Waste: created and avoided per category, lines of a category added; None without a line.
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
    computed = np.empty((n, len(workbook.COMPUTED_COLUMNS)), dtype=object)
    impact_index = figures["impact_index"].to_numpy(dtype=float)
    computed[:, 0] = impact_index.astype(object)
    computed[np.isnan(impact_index), 0] = None
    computed[:, 1] = np.where(figures["shared_value"].to_numpy(dtype=bool), "yes", "no")
    computed[:, 2] = np.where(figures["harm"].to_numpy(dtype=bool), "yes", "no")
    computed[:, 3] = figures["net_waste"].to_numpy(dtype=float).astype(object)
    wide = np.hstack([estimate, consulted, actual, *amounts, computed]).tolist()

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
            _AUTHOR,
        )
        .join(Team, Team.id == Decision.team_id)
        .outerjoin(User, User.id == Decision.author_id)
        .where(
            Decision.status == Status.DECIDED.value,
            ~Decision.archived,
            Decision.review_due.is_not(None),
            Decision.review_due <= quarter.next().end,
            _in_scope(team_ids),
        )
        .order_by(Decision.review_due, Decision.id)
        .execution_options(yield_per=BATCH)
    )
    rows = session.connection().execute(query)
    for team, title, external_id, decided_on, review_due, author in rows:
        late = (today - review_due).days
        yield [team, title, external_id, decided_on, review_due, late if late > 0 else None, author]


# --- files ------------------------------------------------------------------------------------


def write(
    session: Session,
    quarter: Quarter,
    scope: Scope,
    out: str | os.PathLike[str] | IO[bytes],
    generated_by: str,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the quarter's workbook for the scope to a path or a stream."""
    now = now or datetime.now(UTC)
    card = scorecard(session, quarter, scope, generated_by, now, progress)
    workbook.write_scorecard(card, out)


def write_file(
    session: Session,
    actor: User | None,
    quarter: Quarter,
    scope: Scope,
    path: str | os.PathLike[str],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the workbook to a file (complete or not at all), audit it, return its size."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        write(session, quarter, scope, partial, _who(actor), progress=progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    size = target.stat().st_size
    audit.record(
        session,
        actor,
        "export",
        target.name,
        "create",
        {"quarter": str(quarter), "team_ids": _ids(scope), "size": size},
    )
    return size


def _who(actor: User | None) -> str:
    return COMMAND_LINE if actor is None else f"{actor.display_name} <{actor.email}>"


def _ids(scope: Scope) -> list[int] | None:
    return None if scope.team_ids is None else sorted(scope.team_ids)


def create(
    session: Session,
    actor: User | None,
    quarter: Quarter,
    scope: Scope,
    export_dir: str | os.PathLike[str],
    file_name: str | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    export_id: str | None = None,
    audit_it: bool = True,
) -> ExportRecord:
    """Write the workbook into the exports folder, describe it beside it, and audit it
    (audit_it=False leaves that to `audit_export`, e.g. in a later write transaction).

    The file gets a server-made name (the export's id) unless the command line names it. A job
    passes its own `export_id`, so that each attempt writes the same partial and final files."""
    folder = Path(export_dir)
    folder.mkdir(parents=True, exist_ok=True)
    export_id = export_id or secrets.token_hex(16)
    if not EXPORT_ID.fullmatch(export_id):
        raise ValueError(f"{export_id!r} is not an export id")
    file = file_name or f"{export_id}.xlsx"
    if Path(file).name != file or file.startswith("."):
        raise ValueError(f"{file!r} is not a plain file name")
    now = datetime.now(UTC)
    partial = partial_path(folder, export_id)
    try:
        write(session, quarter, scope, partial, _who(actor), now, progress)
        os.replace(partial, folder / file)
    finally:
        partial.unlink(missing_ok=True)
    record = ExportRecord(
        id=export_id,
        quarter=str(quarter),
        scope=scope.label,
        team_ids=None if scope.team_ids is None else tuple(sorted(scope.team_ids)),
        scope_slug=scope.slug,
        created_by=COMMAND_LINE if actor is None else actor.display_name,
        created_by_id=None if actor is None else actor.id,
        created_at=now,
        size=(folder / file).stat().st_size,
        method_version=current_method(session).version,
        file=file,
    )
    if file_name:  # the command line rewrites the same file: one entry for it in the list
        for old in _records(folder):
            if old.file == file:
                (folder / f"{old.id}.json").unlink(missing_ok=True)
    _write_atomically(folder / f"{export_id}.json", record.to_json())
    if audit_it:
        audit_export(session, actor, record)
    return record


def audit_export(session: Session, actor: User | None, record: ExportRecord) -> None:
    team_ids = None if record.team_ids is None else list(record.team_ids)
    audit.record(
        session,
        actor,
        "export",
        record.id,
        "create",
        {"quarter": record.quarter, "team_ids": team_ids, "size": record.size},
    )


def partial_path(export_dir: str | os.PathLike[str], export_id: str) -> Path:
    """Where an export is written before it is renamed into place (never listed)."""
    return Path(export_dir) / f".{export_id}.xlsx.part"


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _records(folder: Path) -> Iterator[ExportRecord]:
    if not folder.is_dir():
        return
    for sidecar in folder.glob("*.json"):
        if not EXPORT_ID.fullmatch(sidecar.stem):
            continue
        try:
            record = ExportRecord.from_json(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged or foreign file is not an export
        if record.id == sidecar.stem and (folder / record.file).is_file():
            yield record


def past_exports(
    export_dir: str | os.PathLike[str], managed: set[int] | None, limit: int = 200
) -> list[ExportRecord]:
    """The exports this user may see, newest first."""
    visible = [r for r in _records(Path(export_dir)) if may_see(r, managed)]
    visible.sort(key=lambda r: r.created_at, reverse=True)
    return visible[:limit]


def find(
    export_dir: str | os.PathLike[str], export_id: str, managed: set[int] | None
) -> tuple[ExportRecord, Path]:
    """The export with this id and its file, if this user may see it; else ExportNotFound."""
    if not EXPORT_ID.fullmatch(export_id):
        raise ExportNotFound(export_id)
    folder = Path(export_dir)
    sidecar = folder / f"{export_id}.json"
    try:
        record = ExportRecord.from_json(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        raise ExportNotFound(export_id) from None
    path = folder / record.file
    if (
        record.id != export_id
        or Path(record.file).name != record.file
        or not path.is_file()
        or not may_see(record, managed)
    ):
        raise ExportNotFound(export_id)
    return record, path
