"""Quarterly scorecards: generate one, list past ones, download by id."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from scorecard import permissions
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.forms.files import ExportForm
from scorecard.services import exports
from scorecard.views.access import export_required

bp = Blueprint("exports", __name__, url_prefix="/exports")
QUARTER_CHOICES = 12


def _form() -> ExportForm:
    form = ExportForm()
    latest = Quarter.of(date.today())
    quarters = exports.quarters_to_offer(db.session, latest, QUARTER_CHOICES)
    form.quarter.choices = [(str(q), str(q)) for q in quarters]
    everyone = (
        "All teams"
        if permissions.managed_teams(db.session, current_user).every
        else "All the teams I manage"
    )
    form.team.choices = [("", everyone)] + [
        (t.slug, t.name) for t in permissions.exportable_teams(db.session, current_user)
    ]
    if not form.is_submitted():
        form.quarter.data = request.args.get("quarter") or str(latest)
    return form


def _page(form: ExportForm, status: int = 200) -> tuple[str, int]:
    allowed = permissions.download_teams(db.session, current_user)
    return render_template(
        "exports/index.html",
        form=form,
        past=exports.past_exports(current_app.config["EXPORT_DIR"], allowed),
        new_id=request.args.get("new"),
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
    record = exports.create(
        db.session,
        current_user,
        Quarter.parse(form.quarter.data or ""),
        scope,
        current_app.config["EXPORT_DIR"],
    )
    db.session.commit()
    flash(f"The scorecard for {record.quarter} ({record.scope}) is ready.", "success")
    return redirect(url_for("exports.index", new=record.id, quarter=record.quarter))


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
