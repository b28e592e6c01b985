"""Jobs: a user's recent jobs, one job's page, and its status as JSON for the progress bar."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from scorecard.extensions import db
from scorecard.models import Job
from scorecard.services import job_status

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def page_of(job: Job | job_status.JobView) -> str:
    """The page that shows this job best: the one of its feature, else its own."""
    if job.kind == "export":
        return url_for("exports.index", job=job.id, quarter=job.quarter)
    if job.kind == "import":
        return url_for("imports.index", job=job.id)
    return url_for("jobs.show", job_id=job.id)


def _find(job_id: int) -> Job:
    try:
        return job_status.find(db.session, current_user, job_id)
    except job_status.JobNotFound:
        abort(404)


@bp.get("")
@login_required
def index() -> str:
    recent = job_status.recent(db.session, current_user)
    return render_template("jobs/index.html", jobs=recent, page_of=page_of)


@bp.get("/<int:job_id>")
@login_required
def show(job_id: int) -> str:
    job = job_status.view_of(_find(job_id))
    return render_template("jobs/show.html", job=job, page_of=page_of)


@bp.get("/<int:job_id>/status")
@login_required
def status(job_id: int) -> Response:
    job = job_status.view_of(_find(job_id))
    response = jsonify({**job.as_json(), "page": page_of(job)})
    response.headers["Cache-Control"] = "no-store"
    return response
