"""What matters to us: survey rounds, answering one, its results (aggregates only), and the
group weights it proposes."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from scorecard import permissions
from scorecard.domain.quarters import Quarter
from scorecard.domain.survey import MIN_RESPONDENTS, RATINGS
from scorecard.extensions import db
from scorecard.forms.surveys import AdoptForm, RemindForm, RoundForm, SurveyAnswerForm
from scorecard.models_surveys import SurveyRound
from scorecard.services import accounts, reference, survey_reminders, survey_weights, surveys
from scorecard.views.access import admin_required

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

Page = str | Response | tuple[str, int]


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _round_or_404(round_id: int) -> SurveyRound:
    """The round, if the user may see it at all."""
    found = surveys.get(db.session, round_id)
    if found is None:
        abort(404)
    teams = {t.team_id for t in found.teams}
    if permissions.survey_result_teams(db.session, current_user, found, teams) is None:
        abort(404)
    return found


@bp.get("")
@login_required
def index() -> str:
    return render_template(
        "surveys/index.html",
        lines=surveys.rounds_for(db.session, current_user, date.today()),
        may_manage=permissions.can_manage_surveys(current_user),
        today=date.today(),
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new() -> Page:
    form = RoundForm()
    form.setup(accounts.all_teams(db.session))
    if form.validate_on_submit():
        try:
            made = surveys.open_round(db.session, current_user, form.to_input())
        except surveys.SurveyError as error:
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Round opened: {len(made.invitations)} people are invited.", "success")
            return redirect(url_for("surveys.results", round_id=made.id))
    status = 400 if form.is_submitted() else 200
    return render_template("surveys/round_form.html", form=form), status


def _answer_page(survey: SurveyRound, form: SurveyAnswerForm, status: int = 200):
    today = date.today()
    return render_template(
        "surveys/answer.html",
        survey=survey,
        form=form,
        is_open=permissions.survey_is_open(survey, today),
        answered=surveys.my_answer(db.session, _secret(), survey, current_user) is not None,
        min_respondents=MIN_RESPONDENTS,
    ), status


@bp.route("/<int:round_id>", methods=["GET", "POST"])
@login_required
def answer(round_id: int) -> Page:
    session = db.session
    survey = _round_or_404(round_id)
    if not permissions.is_invited(session, current_user, survey):
        return redirect(url_for("surveys.results", round_id=survey.id))
    mine = surveys.my_answer(session, _secret(), survey, current_user)
    form = SurveyAnswerForm()
    form.setup(reference.active_groups(session), reference.active_categories(session), mine)
    if request.method == "GET":
        return _answer_page(survey, form)
    if not permissions.can_answer_survey(session, current_user, survey, date.today()):
        abort(403)
    if form.validate_on_submit():
        try:
            first = surveys.submit(
                session, _secret(), current_user, survey, form.to_response(), date.today()
            )
        except surveys.SurveyError as error:
            session.rollback()
            form.comment.errors = [*form.comment.errors, str(error)]
        else:
            session.commit()
            flash(
                "Thank you: your answer is counted, without your name."
                if first
                else "Your answer is changed. You can change it until the round closes.",
                "success",
            )
            return redirect(url_for("surveys.answer", round_id=survey.id))
    return _answer_page(survey, form, 400)


@bp.get("/<int:round_id>/results")
@login_required
def results(round_id: int) -> str:
    session = db.session
    survey = _round_or_404(round_id)
    found = surveys.results(session, current_user, survey)
    return render_template(
        "surveys/results.html",
        results=found,
        groups={g.id: g for g in reference.all_groups(session)},
        categories={c.id: c for c in reference.all_categories(session)},
        ratings=RATINGS,
        min_respondents=MIN_RESPONDENTS,
        invited=permissions.is_invited(session, current_user, survey),
        may_manage=permissions.can_manage_surveys(current_user),
        remind_form=RemindForm(),
        left_to_remind=len(surveys.unanswered(session, survey)),
        is_open=permissions.survey_is_open(survey, date.today()),
    )


@bp.route("/<int:round_id>/weights", methods=["GET", "POST"])
@admin_required
def weights(round_id: int) -> Page:
    session = db.session
    survey = _round_or_404(round_id)
    form = AdoptForm()
    if form.validate_on_submit():
        try:
            version = survey_weights.adopt(session, current_user, survey)
        except survey_weights.NothingToAdopt as error:
            session.rollback()
            flash(str(error), "info")
            return redirect(url_for("surveys.weights", round_id=survey.id))
        session.commit()
        flash(f"Adopted as method version {version.number}; every figure now uses it.", "success")
        return redirect(url_for("admin.methods"))
    quarter = Quarter.of(date.today())
    proposal = survey_weights.proposal(session, current_user, survey, quarter)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "surveys/weights.html", proposal=proposal, form=form, min_respondents=MIN_RESPONDENTS
    ), status


@bp.post("/<int:round_id>/remind")
@admin_required
def remind(round_id: int) -> Response:
    survey = _round_or_404(round_id)
    if not RemindForm().validate_on_submit():
        abort(400)
    if not permissions.survey_is_open(survey, date.today()):
        flash("This round is not open: there is nothing to remind anyone of.", "warning")
        return redirect(url_for("surveys.results", round_id=survey.id))
    count = survey_reminders.remind(db.session, survey, current_user)
    db.session.commit()
    flash(
        f"{count} {'person was' if count == 1 else 'people were'} reminded."
        if count
        else "Everyone invited has answered or been reminded already.",
        "success" if count else "info",
    )
    return redirect(url_for("surveys.results", round_id=survey.id))
