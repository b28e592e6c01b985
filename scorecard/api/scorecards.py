"""/api/v1/scorecards and /api/v1/jobs: start a quarterly scorecard (made by a worker), follow
its job, download the workbook. Managers and admins, for the teams they may export."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, send_file, url_for
from flask_login import current_user
from marshmallow import fields
from werkzeug.wrappers import Response

from scorecard import permissions
from scorecard.api import access
from scorecard.api.blueprints import api_blueprint
from scorecard.api.problems import ApiProblem
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.jobs import live
from scorecard.models import Job
from scorecard.services import exports

bp = api_blueprint("api_scorecards", "", "Quarterly Excel scorecards, made as jobs.")

START_EXAMPLE = {"quarter": "2026Q3"}


class ScorecardStart(ma.Schema):
    quarter = fields.String(required=True, metadata={"description": "e.g. 2026Q3"})
    team = fields.String(metadata={"description": "One team's slug; left out: all you manage."})


class JobOut(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    step = fields.String()
    done = fields.Integer()
    total = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    result = fields.Dict(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    links = fields.Dict(keys=fields.String(), values=fields.String())


# Managers and admins, as on the Scorecards page; asked before the body is read.
managers_only = access.allowed_if(
    permissions.can_export, "Only managers and admins make and download scorecards."
)


def _job_body(job: Job) -> dict[str, Any]:
    progress = live.read(job.id) if job.status == "running" else None
    links = {"self": url_for("api_scorecards.job", job_id=job.id)}
    if job.status == "done" and job.result and job.result.get("export_id"):
        links["download"] = url_for("api_scorecards.download", export_id=job.result["export_id"])
    return {
        "id": job.id,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "step": progress.step if progress else job.step,
        "done": progress.done if progress else job.done,
        "total": progress.total if progress else job.total,
        "error": job.error,
        "result": job.result,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "links": links,
    }


@bp.post("/scorecards")
@managers_only
@bp.arguments(ScorecardStart, example=START_EXAMPLE)
@bp.response(202, JobOut)
def start(data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Start a scorecard

    A worker writes the workbook; follow the job at `links.self` until it is done, then
    download it from `links.download`. Asking again while it runs joins the same job."""
    from scorecard.tasks.exports import start_export

    try:
        quarter = Quarter.parse(data["quarter"])
    except ValueError as error:
        raise ApiProblem(
            422,
            "The scorecard was not started: see errors.",
            kind="invalid-input",
            errors=[{"pointer": "/quarter", "field": "quarter", "detail": str(error)}],
        ) from error
    try:
        scope = exports.export_scope(db.session, current_user, data.get("team"))
    except exports.ExportNotFound as error:
        raise ApiProblem(404, str(error).capitalize() + ".") from error
    except exports.ExportForbidden as error:
        raise ApiProblem(403, str(error).capitalize() + ".") from error
    job = start_export(db.session, current_user, quarter, scope, data.get("team"))
    job_id = job.id
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job is not None
    location = url_for("api_scorecards.job", job_id=job_id)
    return _job_body(job), 202, {"Location": location}


@bp.get("/jobs/<int:job_id>")
@bp.response(200, JobOut)
def job(job_id: int) -> dict[str, Any]:
    """Follow a job

    Its status and progress; when it is done, its result and where to download it."""
    found = db.session.get(Job, job_id)
    if found is None or not permissions.can_see_job(db.session, current_user, found):
        raise ApiProblem(404, f"There is no job {job_id} of yours.")
    return _job_body(found)


@bp.get("/scorecards/<export_id>/download")
@managers_only
@bp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type=exports.XLSX_MIME,
    description="The workbook",
)
def download(export_id: str) -> Response:
    """Download a scorecard"""
    allowed = permissions.download_teams(db.session, current_user)
    try:
        record, path = exports.find(current_app.config["EXPORT_DIR"], export_id, allowed)
    except exports.ExportNotFound as error:
        raise ApiProblem(
            404, f"There is no scorecard {export_id} that you may download."
        ) from error
    response = send_file(
        path, mimetype=exports.XLSX_MIME, as_attachment=True, download_name=record.download_name
    )
    response.headers["Cache-Control"] = "no-store"
    return response
