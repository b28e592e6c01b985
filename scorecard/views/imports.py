"""Importing a decision log from a CSV or Excel file (managers for their teams, admins for all)."""

from __future__ import annotations

import codecs

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from scorecard import permissions
from scorecard.domain import importing, untrusted_files
from scorecard.extensions import db
from scorecard.forms.files import ImportForm
from scorecard.http import error_page
from scorecard.services import imports
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
    return _page(ImportForm())


@bp.post("")
@import_required
def upload() -> Response | tuple[str, int]:
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    storage = form.file.data
    limits = imports.limits_from_config(current_app.config)
    data = storage.stream.read(limits.max_bytes + 1)
    filename = storage.filename or "upload"
    try:
        parsed = imports.read(db.session, data, filename, limits)
    except untrusted_files.FileRefused as refusal:
        form.file.errors.append(str(refusal))
        return _page(form, 400)
    outcome = imports.import_decisions(
        db.session,
        current_user,
        parsed,
        filename=filename,
        digest=imports.file_digest(data),
        dry_run=bool(form.dry_run.data),
    )
    if not outcome.ok:
        db.session.rollback()
        return _page(form, 400, outcome=outcome, filename=filename)
    if outcome.dry_run:
        return _page(form, 200, outcome=outcome, filename=filename)
    db.session.commit()
    flash(f"Imported {filename}: {outcome.summary}.", "success")
    return redirect(url_for("imports.index"))


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
