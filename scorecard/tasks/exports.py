"""The scorecard export as a job: the workbook is written by a worker, never in a request.

The figures are read in one read transaction (a consistent snapshot that blocks no writer);
the audit event and the job's end are written afterwards, together, in a short write
transaction. Each attempt writes the same partial file and renames it into place, so a killed
worker leaves no file in the list, and the next attempt overwrites what it left.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from scorecard import jobs
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Job, User
from scorecard.permissions import Teams
from scorecard.services import exports, job_status

KIND = "export"


def scope_key(scope: Teams) -> str:
    return "all" if scope.every else "teams:" + ",".join(map(str, sorted(scope.ids)))


def start_export(
    session: Session,
    actor: User | None,
    quarter: Quarter,
    scope: Teams,
    team_slug: str | None = None,
    file_name: str | None = None,
) -> Job:
    """The running export of this quarter and scope, or a new one; the caller commits."""
    return jobs.start(
        session,
        KIND,
        user=actor,
        params={
            "quarter": str(quarter),
            "team_slug": team_slug,
            "export_id": secrets.token_hex(16),
            "team_ids": None if scope.every else sorted(scope.ids),
            "file_name": file_name,
        },
        title=f"Scorecard {quarter} — {exports.scope_name(session, scope)[0]}",
        scope=scope_key(scope) + (f"|file:{file_name}" if file_name else ""),
        quarter=str(quarter),
    )


def shown_job(session: Session, actor: User, job_id: int | None) -> job_status.JobView | None:
    """The export job a page was asked to show, if it is one this user may see."""
    if job_id is None:
        return None
    try:
        job = job_status.find(session, actor, job_id)
    except job_status.JobNotFound:
        return None
    return job_status.view_of(job) if job.kind == KIND else None


def choice_of(job: job_status.JobView) -> dict[str, str]:
    """The export form's choices that started this job."""
    return {"quarter": job.quarter or "", "team": str(job.params.get("team_slug") or "")}


def _remove_partial(job: Job) -> None:
    export_id = str(job.params.get("export_id", ""))
    if exports.EXPORT_ID.fullmatch(export_id):
        exports.partial_path(current_app.config["EXPORT_DIR"], export_id).unlink(missing_ok=True)


@jobs.job(KIND, cleanup=_remove_partial)
def export_scorecard(run: jobs.Run) -> dict[str, Any] | None:
    params = run.params
    quarter = Quarter.parse(params["quarter"])
    session = db.new_session()
    try:
        actor = session.get(User, run.user_id) if run.user_id is not None else None
        if run.user_id is not None and (actor is None or not actor.active):
            raise jobs.JobFailed("The account that asked for this scorecard is no longer active.")
        try:
            scope = exports.export_scope(session, actor, params.get("team_slug"))
        except (exports.ExportForbidden, exports.ExportNotFound) as refusal:
            raise jobs.JobFailed(f"This scorecard can no longer be made: {refusal}.") from None
        run.step("Gathering the figures")
        total = exports.count_decisions(session, quarter, scope.filter)
        record = exports.create(
            session,
            actor,
            quarter,
            scope,
            current_app.config["EXPORT_DIR"],
            file_name=params.get("file_name"),
            progress=_rows_then_saving(run, total),
            export_id=params["export_id"],
            audit_it=False,
        )
    finally:
        session.close()
    with db.writing() as session:
        exports.audit_export(session, actor, record)
        result = {
            "export_id": record.id,
            "file": record.file,
            "size": record.size,
            "decisions": total,
            "scope": record.scope,
        }
        run.finish(session, result)
    return result


def _rows_then_saving(run: jobs.Run, total: int) -> Any:
    """The Decisions sheet's rows as they are written; then the workbook being saved."""
    written = 0

    def progress(count: int) -> None:
        nonlocal written
        if written == 0:
            run.step("Decisions sheet", total=total, unit="rows")
        written += count
        run.advance(count)
        if written >= total:
            run.step("Saving the workbook")

    return progress
