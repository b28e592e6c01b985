"""Consultations, the author's side: ask a stakeholder group, share the link and its QR code,
close or revoke it, hide an abusive comment."""

from __future__ import annotations

from datetime import date

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from scorecard import permissions
from scorecard.extensions import db
from scorecard.forms.consultations import ConsultationForm
from scorecard.models import Answer, Consultation, Decision
from scorecard.services import consultation_links as links
from scorecard.services import consultations as service
from scorecard.services import reference

bp = Blueprint("consultations", __name__, url_prefix="/decisions/<int:decision_id>/consultations")

Page = str | Response | tuple[str, int]


def _decision(decision_id: int) -> Decision:
    decision = db.session.get(Decision, decision_id)
    if decision is None or not permissions.can_see(db.session, current_user, decision):
        abort(404)
    return decision


def _consultation(decision_id: int, consultation_id: int) -> Consultation:
    decision = _decision(decision_id)
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or consultation.decision_id != decision.id:
        abort(404)
    return consultation


def decision_page(decision: Decision) -> dict[str, object]:
    """What the decision page shows of its consultations: each group's answers beside its
    estimate, the consultations, and who may ask or moderate."""
    session = db.session
    return {
        "voice": service.voice_of(session, decision),
        "consultations": service.consultations_of(session, decision, date.today()),
        "may_consult": permissions.can_consult(session, current_user, decision),
        "may_moderate": permissions.can_moderate(session, current_user, decision),
    }


def public_url(consultation: Consultation) -> str:
    token = links.link_token(
        current_app.config["SECRET_KEY"], consultation.id, consultation.link_key
    )
    return url_for("answering.answer_page", token=token, _external=True)


def qr_svg(url: str, label: str) -> Markup:
    """The link as a QR code, inline SVG that scales with the page and prints sharp."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=1, border=4, omitsize=True, title=label, svgclass="qr-code")
    # segno writes the SVG and escapes the title; the label added here is escaped too.
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(labelled)  # noqa: S704


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(decision_id: int) -> Page:
    session = db.session
    decision = _decision(decision_id)
    if not permissions.can_consult(session, current_user, decision):
        abort(403)
    if decision.archived:
        flash("An archived decision cannot be consulted on; restore it first.", "warning")
        return redirect(url_for("decisions.show", decision_id=decision.id))
    form = ConsultationForm()
    form.setup(reference.active_groups(session))
    if form.validate_on_submit():
        try:
            consultation = service.create(
                session, current_user, decision, form.to_input(), date.today()
            )
        except service.ConsultationError as error:
            session.rollback()
            form.question.errors = [*form.question.errors, str(error)]
        else:
            session.commit()
            flash("The question is ready: share its link or print its code.", "success")
            return redirect(
                url_for(
                    "consultations.show", decision_id=decision.id, consultation_id=consultation.id
                )
            )
    status = 400 if form.is_submitted() else 200
    return render_template("consultations/new.html", form=form, decision=decision), status


@bp.get("/<int:consultation_id>")
@login_required
def show(decision_id: int, consultation_id: int) -> str:
    session = db.session
    consultation = _consultation(decision_id, consultation_id)
    url = public_url(consultation)
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        decision=consultation.decision,
        url=url,
        qr=qr_svg(url, f"QR code of the link to the question for {consultation.group.name}"),
        state=service.state(session, consultation, date.today()),
        answers=service.answer_count(session, consultation.id),
        may_manage=permissions.can_consult(session, current_user, consultation.decision),
    )


@bp.get("/<int:consultation_id>/poster")
@login_required
def poster(decision_id: int, consultation_id: int) -> str:
    consultation = _consultation(decision_id, consultation_id)
    url = public_url(consultation)
    return render_template(
        "consultations/poster.html",
        consultation=consultation,
        url=url,
        qr=qr_svg(url, "QR code: scan it to answer"),
    )


def _change(decision_id: int, consultation_id: int, action: str) -> Response:
    session = db.session
    consultation = _consultation(decision_id, consultation_id)
    if not permissions.can_consult(session, current_user, consultation.decision):
        abort(403)
    write = service.close if action == "close" else service.revoke
    if write(session, current_user, consultation):
        session.commit()
        flash(
            "Closed: no more answers are taken; those given stay."
            if action == "close"
            else "Revoked: the link no longer works; the answers given stay.",
            "success",
        )
    return redirect(
        url_for("consultations.show", decision_id=decision_id, consultation_id=consultation_id)
    )


@bp.post("/<int:consultation_id>/close")
@login_required
def close(decision_id: int, consultation_id: int) -> Response:
    return _change(decision_id, consultation_id, "close")


@bp.post("/<int:consultation_id>/revoke")
@login_required
def revoke(decision_id: int, consultation_id: int) -> Response:
    return _change(decision_id, consultation_id, "revoke")


@bp.post("/<int:consultation_id>/answers/<int:answer_id>/hide")
@login_required
def hide(decision_id: int, consultation_id: int, answer_id: int) -> Response:
    session = db.session
    consultation = _consultation(decision_id, consultation_id)
    if not permissions.can_moderate(session, current_user, consultation.decision):
        abort(403)
    answer = session.get(Answer, answer_id)
    if answer is None or answer.consultation_id != consultation.id:
        abort(404)
    if service.hide_comment(session, current_user, answer):
        session.commit()
        flash("The comment is hidden; its rating still counts.", "success")
    return redirect(url_for("decisions.show", decision_id=decision_id, _anchor="voice"))
