"""The store of exported scorecards: each a workbook and a small JSON file beside it under
EXPORT_DIR (quarter, scope, who, when, size), written completely or not at all, listed and
found by a server-made id, never by a path a user gives."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from scorecard.domain import workbook
from scorecard.domain.quarters import Quarter
from scorecard.models import (
    User,
)
from scorecard.permissions import Teams
from scorecard.services import audit
from scorecard.services.exports.figures import scorecard
from scorecard.services.exports.scope import ExportNotFound, scope_name
from scorecard.services.reference import current_method

EXPORT_ID = re.compile(r"[0-9a-f]{32}")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COMMAND_LINE = "command line"


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


def write(
    session: Session,
    quarter: Quarter,
    scope: Teams,
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
    scope: Teams,
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


def _ids(scope: Teams) -> list[int] | None:
    return None if scope.every else sorted(scope.ids)


def create(
    session: Session,
    actor: User | None,
    quarter: Quarter,
    scope: Teams,
    export_dir: str | os.PathLike[str],
    file_name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportRecord:
    """Write the workbook into the exports folder, describe it beside it, and audit it.

    The file gets a server-made name (the export's id) unless the command line names it."""
    folder = Path(export_dir)
    folder.mkdir(parents=True, exist_ok=True)
    export_id = secrets.token_hex(16)
    file = file_name or f"{export_id}.xlsx"
    if Path(file).name != file or file.startswith("."):
        raise ValueError(f"{file!r} is not a plain file name")
    now = datetime.now(UTC)
    partial = folder / f".{export_id}.xlsx.part"
    try:
        write(session, quarter, scope, partial, _who(actor), now, progress)
        os.replace(partial, folder / file)
    finally:
        partial.unlink(missing_ok=True)
    label, slug = scope_name(session, scope)
    record = ExportRecord(
        id=export_id,
        quarter=str(quarter),
        scope=label,
        team_ids=None if scope.every else tuple(sorted(scope.ids)),
        scope_slug=slug,
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
    audit.record(
        session,
        actor,
        "export",
        export_id,
        "create",
        {"quarter": record.quarter, "team_ids": _ids(scope), "size": record.size},
    )
    return record


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
    export_dir: str | os.PathLike[str], allowed: Teams, limit: int = 200
) -> list[ExportRecord]:
    """The exports of teams all `allowed` (`permissions.managed_teams`), newest first."""
    visible = [r for r in _records(Path(export_dir)) if allowed.covers(r.team_ids)]
    visible.sort(key=lambda r: r.created_at, reverse=True)
    return visible[:limit]


def find(
    export_dir: str | os.PathLike[str], export_id: str, allowed: Teams
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
        or not allowed.covers(record.team_ids)
    ):
        raise ExportNotFound(export_id)
    return record, path
