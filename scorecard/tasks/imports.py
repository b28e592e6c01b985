"""Importing an uploaded file as a job: read, check every row, then write all of it or nothing.

The upload is kept in JOBS_UPLOAD_DIR (shared by every machine, like EXPORT_DIR) until the job
ends. The whole import runs in one write transaction, and the job is marked done inside that
same transaction: a worker killed half-way leaves nothing written, and the job runs again from
the file; a job that finished is never applied twice. Progress goes to the queue's storage,
which that transaction does not block.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from scorecard import jobs
from scorecard.domain import untrusted_files
from scorecard.domain.importing import CellError
from scorecard.extensions import db
from scorecard.models import Job, User
from scorecard.services import imports, job_status

KIND = "import"
KEPT_ERRORS = 1_000  # listed on the page; the command line lists every one
UPLOAD_NAME = re.compile(r"[0-9a-f]{32}\.upload")


def _upload_dir() -> Path:
    return Path(current_app.config["JOBS_UPLOAD_DIR"])


def keep_upload(data: bytes) -> str:
    """Store the uploaded bytes for the worker (complete or not at all); return their name."""
    folder = _upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.upload"
    partial = folder / f".{name}.part"
    partial.write_bytes(data)
    os.replace(partial, folder / name)
    return name


def start_import(
    session: Session,
    actor: User | None,
    data: bytes,
    filename: str,
    dry_run: bool = False,
) -> Job:
    """An import job for these bytes (the same file started again while it runs joins it)."""
    digest = imports.file_digest(data)
    who = "cli" if actor is None else str(actor.id)
    return jobs.start(
        session,
        KIND,
        user=actor,
        params={
            "upload": keep_upload(data),
            "filename": filename,
            "digest": digest,
            "dry_run": dry_run,
        },
        title=f"{'Check' if dry_run else 'Import'} of {filename}",
        scope=f"{who}:{digest}:{'check' if dry_run else 'import'}",
    )


def shown_job(session: Session, actor: User, job_id: int | None) -> job_status.JobView | None:
    if job_id is None:
        return None
    try:
        job = job_status.find(session, actor, job_id)
    except job_status.JobNotFound:
        return None
    return job_status.view_of(job) if job.kind == KIND else None


def outcome_of(result: dict[str, Any]) -> imports.ImportOutcome:
    """The outcome a finished import job recorded, as the import page shows it."""
    summary = result.get("counts")
    return imports.ImportOutcome(
        errors=[CellError(**e) for e in result.get("errors", [])],
        summary=imports.ImportSummary(**summary) if summary else None,
        dry_run=bool(result.get("dry_run")),
        sheet=result.get("sheet"),
        stopped_at=result.get("stopped_at"),
    )


def _remove_upload(job: Job) -> None:
    name = str(job.params.get("upload", ""))
    if UPLOAD_NAME.fullmatch(name):
        (_upload_dir() / name).unlink(missing_ok=True)


@jobs.job(KIND, cleanup=_remove_upload)
def import_file(run: jobs.Run) -> dict[str, Any] | None:
    params = run.params
    filename = str(params["filename"])
    path = _upload_dir() / str(params["upload"])
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise jobs.JobFailed(
            f"The uploaded file {filename} is no longer on the server; upload it again."
        ) from None
    limits = imports.limits_from_config(current_app.config)
    with db.writing() as session:
        actor = session.get(User, run.user_id) if run.user_id is not None else None
        if run.user_id is not None and (actor is None or not actor.active):
            raise jobs.JobFailed("The account that started this import is no longer active.")
        run.step("Reading the file", untrusted_files.estimate_rows(data, filename), "rows")
        try:
            parsed = imports.read(session, data, filename, limits, run.advance)
        except untrusted_files.FileRefused as refusal:
            raise jobs.JobFailed(f"Nothing was imported from {filename}: {refusal}") from None
        outcome = imports.import_decisions(
            session,
            actor,
            parsed,
            filename=filename,
            digest=str(params["digest"]),
            dry_run=bool(params.get("dry_run")),
            progress=_checking_then_writing(run, len(parsed.rows)),
        )
        if not outcome.ok:
            session.rollback()  # nothing of the file is written
        result = _result(filename, outcome)
        run.finish(session, result)
    path.unlink(missing_ok=True)
    return result


def _checking_then_writing(run: jobs.Run, rows: int) -> Any:
    """Every row is checked first (`rows` in all), then the new and changed ones written."""
    run.step("Checking rows", rows, "rows")
    checked = 0

    def progress(count: int) -> None:
        nonlocal checked
        if checked < rows:
            checked += count
            run.advance(count)
            if checked >= rows:
                run.step("Writing decisions", rows, "rows")
        else:
            run.advance(count)

    return progress


def _result(filename: str, outcome: imports.ImportOutcome) -> dict[str, Any]:
    where = f" (sheet {outcome.sheet})" if outcome.sheet else ""
    if not outcome.ok:
        text = f"Nothing was imported from {filename}: {outcome.refusal()}."
    elif outcome.dry_run:
        text = f"Check of {filename}{where} passed: nothing was written."
    else:
        text = f"Imported {filename}{where}: {outcome.summary}."
    return {
        "ok": outcome.ok,
        "dry_run": outcome.dry_run,
        "filename": filename,
        "sheet": outcome.sheet,
        "summary": text,
        "counts": asdict(outcome.summary) if outcome.summary else None,
        "errors": [asdict(e) for e in outcome.errors[:KEPT_ERRORS]],
        "error_count": len(outcome.errors),
        "stopped_at": outcome.stopped_at,
    }
