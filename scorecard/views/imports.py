"""Importing a decision log from a CSV or Excel file (managers for their teams, admins for all)."""

from __future__ import annotations

import codecs

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from scorecard import permissions
from scorecard.domain import importing
from scorecard.extensions import db
from scorecard.forms.files import ImportForm
from scorecard.http import error_page
from scorecard.services import imports, job_status
from scorecard.tasks import imports as import_jobs
from scorecard.views.access import import_required

bp = Blueprint("imports", __name__, url_prefix="/imports")
SHOWN_ERRORS = 1_000


def _page(form: ImportForm, status: int = 200, **context: object) -> tuple[str, int]:
    return render_template(
        "imports/index.html",
        form=form,
        columns=imports.template_columns(db.session),
        required=importing.REQUIRED_COLUMNS,
        limits=imports.limits_from_config(current_app.config),
        shown_errors=SHOWN_ERRORS,
        **context,
    ), status


@bp.get("")
@import_required
def index() -> tuple[str, int]:
    shown = import_jobs.shown_job(db.session, current_user, request.args.get("job", type=int))
    running = job_status.active(db.session, current_user, import_jobs.KIND)
    context: dict[str, object] = {
        "shown": shown,
        "running": [j for j in running if shown is None or j.id != shown.id],
    }
    if shown is not None and shown.status == "done":
        context.update(
            outcome=import_jobs.outcome_of(shown.result),
            filename=shown.result.get("filename"),
            error_count=shown.result.get("error_count", 0),
        )
    return _page(ImportForm(), **context)


@bp.post("")
@import_required
def upload() -> Response | tuple[str, int]:
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    storage = form.file.data
    limits = imports.limits_from_config(current_app.config)
    data = storage.stream.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        return too_large(RequestEntityTooLarge())
    job = import_jobs.start_import(
        db.session, current_user, data, storage.filename or "upload", bool(form.dry_run.data)
    )
    db.session.commit()
    return redirect(url_for("imports.index", job=job.id))


@bp.get("/template.csv")
@import_required
def template() -> Response:
    """An empty import file with the current groups and categories, ready for Excel."""
    header = ",".join(_csv_field(c) for c in imports.template_columns(db.session))
    body = codecs.BOM_UTF8 + (header + "\r\n").encode("utf-8")
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=decisions-template.csv"},
    )


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',;"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    if not current_user.is_authenticated or not permissions.can_import(current_user):
        return error_page(413)
    form = ImportForm(formdata=None)
    limit = imports.limits_from_config(current_app.config).max_bytes
    form.file.errors = [
        f"The file is larger than {limit / 1024 / 1024:.0f} MB, the largest accepted here."
    ]
    return _page(form, 413)
