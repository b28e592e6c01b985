"""How can we do better? The board of suggestions, one suggestion's page, and the forms that
propose, support, discuss and answer them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from scorecard import permissions
from scorecard.domain import mentions
from scorecard.domain.mentions import Person
from scorecard.domain.suggestions import SuggestionStatus
from scorecard.extensions import db
from scorecard.forms.suggestions import (
    ActionForm,
    AnswerForm,
    BoardFilterForm,
    SuggestionCommentForm,
    SuggestionForm,
)
from scorecard.models import User
from scorecard.models_suggestions import Suggestion
from scorecard.services import (
    accounts,
    reference,
    suggestion_board,
    suggestions,
)
from scorecard.views.people import mention_links

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")

Page = str | Response | tuple[str, int]


def _suggestion_or_404(suggestion_id: int, *, whole: bool = False) -> Suggestion:
    """The suggestion, if the user may see it; another team's does not exist for them."""
    found = suggestions.get(db.session, suggestion_id, whole=whole)
    if found is None or not permissions.can_see_suggestion(db.session, current_user, found):
        abort(404)
    return found


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("")
@login_required
def index() -> str:
    session = db.session
    form = BoardFilterForm(request.args)
    form.setup(accounts.teams_of(session, current_user), reference.active_groups(session))
    form.validate()

    def valid(field: Any) -> Any:
        return None if field.errors else field.data

    board = suggestion_board.find(
        session,
        current_user,
        suggestion_board.BoardFilters(
            team_id=valid(form.team),
            status=valid(form.status) or None,
            group_id=valid(form.group),
            text=valid(form.q) or "",
            sort=valid(form.sort) or "newest",
            page=_page_number(),
        ),
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "suggestions/index.html",
        form=form,
        board=board,
        supportable={
            s.id for s in board.suggestions if permissions.can_support(session, current_user, s)
        },
        args=args,
        action_form=ActionForm(),
        statuses=SuggestionStatus,
    )


def _render_form(form: SuggestionForm, status: int = 200) -> tuple[str, int]:
    return render_template("suggestions/form.html", form=form), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Page:
    session = db.session
    form = SuggestionForm()
    form.setup(
        accounts.teams_of(session, current_user),
        reference.active_groups(session),
        reference.active_categories(session),
    )
    if request.method == "GET":
        return _render_form(form)
    if form.validate():
        try:
            made = suggestions.create(session, current_user, form.to_input())
        except suggestions.SuggestionError as error:
            session.rollback()
            field = getattr(form, error.field or "title", form.title)
            field.errors = [*field.errors, str(error)]
        else:
            session.commit()
            flash("Thank you: your suggestion is on the board.", "success")
            return redirect(url_for("suggestions.show", suggestion_id=made.id))
    return _render_form(form, 400)


def _show(
    suggestion: Suggestion,
    comment_form: SuggestionCommentForm | None = None,
    answer_form: AnswerForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    session = db.session
    allowed = permissions.answers_open_to(session, current_user, suggestion)
    if answer_form is None:
        answer_form = AnswerForm(formdata=None)
    answer_form.setup(allowed, accounts.teams_of(session, current_user))
    comments = _comment_texts(suggestion)
    supporters = sorted(
        (s.user for s in suggestion.supports), key=lambda u: u.display_name.casefold()
    )
    return render_template(
        "suggestions/show.html",
        suggestion=suggestion,
        supporters=supporters,
        supports=any(u.id == current_user.id for u in supporters),
        may_support=permissions.can_support(session, current_user, suggestion),
        answers=allowed,
        comments=comments,
        comment_form=comment_form or SuggestionCommentForm(formdata=None),
        answer_form=answer_form,
        action_form=ActionForm(),
        statuses=SuggestionStatus,
    ), status


def _comment_texts(suggestion: Suggestion) -> dict[int, Markup]:
    """Each comment as HTML: its text escaped, line breaks kept, @mentions linked."""
    handles: dict[str, Person] = {}
    if any("@" in c.body for c in suggestion.comments):
        query = permissions.suggestion_viewers(suggestion)
        rows = db.session.execute(query.add_columns(User.display_name, User.email))
        handles = mentions.handles(Person(i, name, email) for i, name, email in rows)
    return {comment.id: mention_links(comment.body, handles) for comment in suggestion.comments}


@bp.get("/<int:suggestion_id>")
@login_required
def show(suggestion_id: int) -> tuple[str, int]:
    return _show(_suggestion_or_404(suggestion_id, whole=True))


def _back(suggestion: Suggestion) -> Response:
    """Back to the board the button was on (an address of this board only), or the page."""
    target = request.form.get("next", "")
    board = url_for("suggestions.index")
    if target == board or target.startswith(board + "?"):
        return redirect(target)
    return redirect(url_for("suggestions.show", suggestion_id=suggestion.id))


@bp.post("/<int:suggestion_id>/support")
@login_required
def support(suggestion_id: int) -> Response:
    suggestion = _suggestion_or_404(suggestion_id)
    if not permissions.can_support(db.session, current_user, suggestion):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    if suggestions.support(db.session, current_user, suggestion):
        db.session.commit()
        flash("You support this suggestion. Its team's managers see how many do.", "success")
    return _back(suggestion)


@bp.post("/<int:suggestion_id>/withdraw")
@login_required
def withdraw(suggestion_id: int) -> Response:
    suggestion = _suggestion_or_404(suggestion_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if suggestions.withdraw(db.session, current_user, suggestion):
        db.session.commit()
        flash("Your support is withdrawn.", "info")
    return _back(suggestion)


@bp.post("/<int:suggestion_id>/comments")
@login_required
def comment(suggestion_id: int) -> Page:
    suggestion = _suggestion_or_404(suggestion_id, whole=True)
    form = SuggestionCommentForm()
    if form.validate_on_submit():
        try:
            posted = suggestions.add_comment(db.session, current_user, suggestion, form.body.data)
        except suggestions.SuggestionError as error:
            db.session.rollback()
            form.body.errors = [str(error)]
        else:
            db.session.commit()
            flash("Comment posted.", "success")
            return redirect(
                url_for(
                    "suggestions.show", suggestion_id=suggestion.id, _anchor=f"comment-{posted.id}"
                )
            )
    return _show(suggestion, comment_form=form, status=400)


@bp.post("/<int:suggestion_id>/answer")
@login_required
def answer(suggestion_id: int) -> Page:
    session = db.session
    suggestion = _suggestion_or_404(suggestion_id, whole=True)
    if not permissions.can_answer_suggestion(session, current_user, suggestion):
        abort(403)
    form = AnswerForm()
    form.setup(
        permissions.answers_open_to(session, current_user, suggestion),
        accounts.teams_of(session, current_user),
    )
    if form.validate_on_submit():
        try:
            suggestions.answer(session, current_user, suggestion, form.to_answer())
        except suggestions.SuggestionError as error:
            session.rollback()
            name = {"team_id": "team"}.get(error.field or "status", error.field or "status")
            field = getattr(form, name, form.status)
            field.errors = [*field.errors, str(error)]
            suggestion = _suggestion_or_404(suggestion_id, whole=True)
        else:
            session.commit()
            flash(_answered_message(suggestion), "success")
            return redirect(url_for("suggestions.show", suggestion_id=suggestion.id))
    return _show(suggestion, answer_form=form, status=400)


def _answered_message(suggestion: Suggestion) -> str:
    if suggestion.status == SuggestionStatus.ACCEPTED:
        return "Accepted: a draft decision is made from it, and its proposer is credited."
    if suggestion.status == SuggestionStatus.DECLINED:
        return "Declined: the proposer and its supporters see your reason."
    return "Marked in progress."
