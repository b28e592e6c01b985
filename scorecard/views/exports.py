"""Quarterly scorecards: generate one, list past ones, download by id."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from scorecard import clock, permissions
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.forms.files import ExportForm
from scorecard.services import exports, job_status, scores
from scorecard.tasks import exports as export_jobs
from scorecard.views.access import export_required

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _form() -> ExportForm:
    form = ExportForm()
    today = clock.today()
    latest = Quarter.of(today)
    quarters = exports.quarters_to_offer(db.session, latest)
    progress = scores.progress_of(latest, today)
    form.quarter.choices = [
        (str(q), f"{q} ({progress.label})" if q == latest and progress else str(q))
        for q in quarters
    ]
    everyone = (
        "All teams"
        if permissions.managed_teams(db.session, current_user).every
        else "All the teams I manage"
    )
    form.team.choices = [("", everyone)] + [
        (t.slug, t.name) for t in permissions.exportable_teams(db.session, current_user)
    ]
    if not form.is_submitted():
        # The last complete quarter is the obvious choice; the one in progress is marked.
        complete = str(latest.prev()) if len(quarters) > 1 else str(latest)
        form.quarter.data = request.args.get("quarter") or complete
        form.team.data = request.args.get("team") or ""
    return form


def _page(form: ExportForm, status: int = 200) -> tuple[str, int]:
    allowed = permissions.download_teams(db.session, current_user)
    shown = export_jobs.shown_job(db.session, current_user, request.args.get("job", type=int))
    running = job_status.active(db.session, current_user, export_jobs.KIND)
    selection = {"quarter": form.quarter.data or "", "team": form.team.data or ""}
    running_choices = [export_jobs.choice_of(j) for j in running]
    return render_template(
        "exports/index.html",
        form=form,
        past=exports.past_exports(current_app.config["EXPORT_DIR"], allowed),
        new_id=(shown.result.get("export_id") if shown else None) or request.args.get("new"),
        shown=shown,
        running=[j for j in running if shown is None or j.id != shown.id],
        running_choices=running_choices,
        selection_running=selection in running_choices,
    ), status


@bp.get("")
@export_required
def index() -> tuple[str, int]:
    return _page(_form())


@bp.post("")
@export_required
def generate() -> Response | tuple[str, int]:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        scope = exports.export_scope(db.session, current_user, form.team.data or None)
    except exports.ExportNotFound:
        abort(404)
    except exports.ExportForbidden:
        abort(403)
    quarter = Quarter.parse(form.quarter.data or "")
    team = form.team.data or None
    job = export_jobs.start_export(db.session, current_user, quarter, scope, team)
    db.session.commit()
    return redirect(url_for("exports.index", job=job.id, quarter=str(quarter), team=team))


@bp.get("/<export_id>/download")
@export_required
def download(export_id: str) -> Response:
    allowed = permissions.download_teams(db.session, current_user)
    try:
        record, path = exports.find(current_app.config["EXPORT_DIR"], export_id, allowed)
    except exports.ExportNotFound:
        abort(404)
    response = send_file(
        path,
        mimetype=exports.XLSX_MIME,
        as_attachment=True,
        download_name=record.download_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
