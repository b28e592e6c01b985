"""Administration of webhooks: endpoints, the events each is told of, the delivery log, and a
test event on demand."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from scorecard.extensions import db
from scorecard.forms.integrations import WebhookForm
from scorecard.integration_models import WebhookEndpoint
from scorecard.services import webhooks
from scorecard.views.access import admin_required

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
Page = str | Response | tuple[str, int]


def _form(endpoint: WebhookEndpoint | None = None) -> WebhookForm:
    form = WebhookForm(obj=endpoint)
    form.events.choices = list(webhooks.EVENTS.items())
    return form


def _input(form: WebhookForm) -> webhooks.EndpointInput:
    return webhooks.EndpointInput(
        url=form.url.data or "",
        description=form.description.data or "",
        events=tuple(form.events.data or ()),
        active=bool(form.active.data),
    )


def _allowed() -> str:
    return current_app.config["WEBHOOK_ALLOWED_NETWORKS"]


@bp.route("", methods=["GET", "POST"])
@admin_required
def index() -> Page:
    form = _form()
    if form.validate_on_submit():
        try:
            endpoint = webhooks.create_endpoint(db.session, current_user, _input(form), _allowed())
        except webhooks.WebhookError as error:
            db.session.rollback()
            getattr(form, error.field).errors = [str(error)]
        else:
            db.session.commit()
            flash(
                "Endpoint registered. Use its secret to check each delivery's signature.", "success"
            )
            return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))
    return render_template(
        "admin/webhooks.html",
        form=form,
        endpoints=webhooks.endpoints(db.session),
        events=webhooks.EVENTS,
    ), (400 if form.errors else 200)


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    return db.session.get(WebhookEndpoint, endpoint_id) or abort(404)


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
@admin_required
def show(endpoint_id: int) -> Page:
    endpoint = _endpoint(endpoint_id)
    form = _form(endpoint)
    if form.validate_on_submit():
        try:
            webhooks.update_endpoint(db.session, current_user, endpoint, _input(form), _allowed())
        except webhooks.WebhookError as error:
            db.session.rollback()
            getattr(form, error.field).errors = [str(error)]
        else:
            db.session.commit()
            flash("Endpoint saved.", "success")
            return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))
    return render_template(
        "admin/webhook.html",
        endpoint=endpoint,
        form=form,
        deliveries=webhooks.deliveries(db.session, endpoint),
        header=webhooks.SIGNATURE_HEADER,
    ), (400 if form.errors else 200)


@bp.post("/<int:endpoint_id>/test")
@admin_required
def send_test(endpoint_id: int) -> Response:
    from scorecard import jobs
    from scorecard.tasks.webhooks import deliver_webhook

    endpoint = _endpoint(endpoint_id)
    delivery = webhooks.test_delivery(db.session, endpoint)
    jobs.after_commit(db.session, lambda: deliver_webhook(delivery.id))
    db.session.commit()
    flash("Test event queued: its delivery appears in the log below.", "info")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id, _anchor="deliveries"))


@bp.post("/<int:endpoint_id>/delete")
@admin_required
def delete(endpoint_id: int) -> Response:
    endpoint = _endpoint(endpoint_id)
    webhooks.delete_endpoint(db.session, current_user, endpoint)
    db.session.commit()
    flash("Endpoint deleted, with its delivery log.", "success")
    return redirect(url_for("webhooks.index"))
