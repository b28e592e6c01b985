"""The decision log: the list, a decision's page, the forms that write it, reviews, comments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from scorecard import clock, permissions
from scorecard.domain import explanations, mentions
from scorecard.domain.rules import IMPACT_WORDS
from scorecard.extensions import db
from scorecard.forms.decisions import (
    REVIEW_AFTER_DAYS,
    STATUS_CHOICES,
    CommentForm,
    DecisionForm,
    LogFilterForm,
    ReviewForm,
    amount,
)
from scorecard.http import error_page, page_number
from scorecard.models import (
    Comment,
    Decision,
    DecisionRevision,
    Review,
    StakeholderImpact,
    Status,
    WasteLine,
)
from scorecard.services import (
    accounts,
    choice_lists,
    conversation,
    decision_inputs,
    decision_log,
    decisions,
    edit_merge,
    reference,
    revisions,
    scores,
    suggestions,
)
from scorecard.services.decision_log import LogFilters
from scorecard.views import consultations

bp = Blueprint("decisions", __name__, url_prefix="/decisions")

Page = str | Response | tuple[str, int]


def _decision_or_404(decision_id: int, *, whole: bool = False) -> Decision:
    """The decision, if the user may see it; another team's decision does not exist for them.

    `whole` loads what its page shows (impacts, lines, comments, revisions) in a few queries."""
    options = (
        [
            selectinload(Decision.impacts).joinedload(StakeholderImpact.group),
            selectinload(Decision.waste_lines).joinedload(WasteLine.category),
            selectinload(Decision.comments).joinedload(Comment.author),
            selectinload(Decision.revisions).joinedload(DecisionRevision.editor),
            joinedload(Decision.review).joinedload(Review.reviewer),
            joinedload(Decision.team),
            joinedload(Decision.author),
        ]
        if whole
        else []
    )
    decision = db.session.get(Decision, decision_id, options=options)
    if decision is None or not permissions.can_see(db.session, current_user, decision):
        abort(404)
    return decision


def _archived_refusal() -> tuple[str, int]:
    return error_page(
        403, "This decision is archived. A manager of its team can restore it; then it can change."
    )


# The log ----------------------------------------------------------------------------------------


def _filters(form: LogFilterForm, may_show_archived: bool) -> LogFilters:
    """The filters the address asks for; a field the form refused is no filter."""
    values = {field.name: None if field.errors else field.data for field in form}
    return decision_log.filters_of(values, may_show_archived=may_show_archived, page=page_number())


@bp.get("")
@login_required
def index() -> str:
    session = db.session
    may_show_archived = permissions.can_see_archived(session, current_user)
    form = LogFilterForm(request.args)
    lists = choice_lists.log_choices(session, current_user, today=clock.today())
    form.setup(
        lists.teams,
        lists.quarters,
        lists.groups,
        lists.authors,
        current_user.id,
    )
    form.validate()
    log = decision_log.find(
        session,
        current_user,
        _filters(form, may_show_archived),
        today=clock.today(),
        row_figures=True,
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "decisions/index.html",
        form=form,
        log=log,
        args=args,
        may_show_archived=may_show_archived,
        today=date.today(),
    )


@bp.get("/due")
@login_required
def due() -> str:
    session = db.session
    log = decision_log.find(
        session,
        current_user,
        LogFilters(due=True, sort="due", page=page_number()),
        row_figures=True,
    )
    return render_template(
        "decisions/due.html",
        log=log,
        reviewable={
            d.id for d in log.decisions if permissions.can_review(session, current_user, d)
        },
        upcoming=decision_log.coming_up(session, current_user),
        today=date.today(),
    )


# New and edit ------------------------------------------------------------------------------------


def _lines_only(form: DecisionForm) -> bool:
    """Add or remove a waste line without saving anything: the form works without JavaScript."""
    if "add_waste" in request.form:
        if not form.add_waste_line():
            flash("A decision has at most so many waste lines; combine some of them.", "warning")
        return True
    if "remove_waste" in request.form:
        form.remove_waste_line(request.form["remove_waste"])
        return True
    return False


def _render_form(form: DecisionForm, decision: Decision | None, status: int = 200, **extra: Any):
    return render_template(
        "decisions/form.html",
        form=form,
        decision=decision,
        impact_words=IMPACT_WORDS,
        units={str(c.id): c.unit for c in form.categories.values()},
        **extra,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Page:
    session = db.session
    teams = accounts.teams_of(session, current_user)
    groups = reference.active_groups(session)
    if request.method == "POST":
        form = DecisionForm()
    else:
        today = date.today()
        form = DecisionForm(
            data={
                "team_id": teams[0].id if len(teams) == 1 else None,
                "decided_on": today,
                "review_due": today + timedelta(days=REVIEW_AFTER_DAYS),
                "status": Status.DECIDED.value,
                "impacts": [{"group_id": g.id, "impact": 0} for g in groups],
            }
        )
    form.setup(teams, groups, reference.active_categories(session))
    if len(teams) > 1:
        form.team_id.choices = [("", "Choose a team…"), *form.team_id.choices]
    if request.method == "GET" or _lines_only(form):
        return _render_form(form, None)
    if not teams:
        form.team_id.errors = ["You are not a member of any team yet: ask an admin to add you."]
    elif form.validate():
        try:
            decision = decisions.create(session, current_user, form.to_input())
        except decisions.DecisionError as error:
            session.rollback()
            _field_error(form, error)
        else:
            session.commit()
            flash("Decision saved. Thank you for logging it.", "success")
            return redirect(url_for("decisions.show", decision_id=decision.id))
    return _render_form(form, None, 400)


def _field_error(form: DecisionForm, error: decisions.DecisionError) -> None:
    """Put a refusal of the service beside the field it is about."""
    field = getattr(form, error.field or "status", form.status)
    field.errors = [*field.errors, str(error)]


def _initial(decision: Decision) -> dict[str, Any]:
    """The edit form's fields: the decision's state, its amounts as a person types them."""
    state = decision_inputs.state_of(decision)
    waste = [
        {
            "line_id": line["id"],
            "category_id": line["category_id"],
            "created": amount(line["created"]),
            "avoided": amount(line["avoided"]),
            "note": line["note"],
        }
        for line in state.pop("waste")
    ]
    return {**state, "version": decision.version, "tags": decision.tags, "waste": waste}


@bp.route("/<int:decision_id>/edit", methods=["GET", "POST"])
@login_required
def edit(decision_id: int) -> Page:
    session = db.session
    decision = _decision_or_404(decision_id)
    if not permissions.can_edit(session, current_user, decision):
        abort(403)
    if decision.archived:
        return _archived_refusal()
    teams = accounts.teams_of(session, current_user)
    if decision.team_id not in {t.id for t in teams}:
        teams = [decision.team, *teams]
    status_choices = (
        STATUS_CHOICES
        if decision.status == Status.DRAFT
        else [(decision.status, decision.status.capitalize())]
    )
    categories = reference.active_categories(session)
    # A line of a category retired since keeps its category while it is being edited.
    categories += [
        w.category for w in decision.waste_lines if w.category not in categories and w.category
    ]
    groups = reference.active_groups(session)
    form = DecisionForm() if request.method == "POST" else DecisionForm(data=_initial(decision))
    if request.method == "GET":
        form.base.data = _sign(edit_merge.base_fields(decision, [g.id for g in groups]))
    form.setup(teams, groups, categories, status_choices)
    if request.method == "GET" or _lines_only(form):
        return _render_form(form, decision)
    if form.validate():
        if form.version.data is None:
            form.version.errors = ["This form has lost its version: reload the page."]
            return _render_form(form, decision, 400)
        base = _unsign(form.base.data)
        data = edit_merge.resolve(form.to_input(), decision, base, _choices())
        return _save_edit(form, decision, data, base)
    return _render_form(form, decision, 400)


def _save_edit(
    form: DecisionForm,
    decision: Decision,
    data: decision_inputs.DecisionInput,
    base: dict[str, Any] | None,
) -> Page:
    """Save the edit; when someone saved first, merge by field and save, or show conflicts."""
    session = db.session
    merged_with: tuple[str, ...] = ()
    try:
        try:
            changes = decisions.update(session, current_user, decision, data, form.version.data)
        except decisions.StaleDecision:
            session.rollback()
            current = session.get(Decision, decision.id)
            assert current is not None
            merge = edit_merge.merge(current, base, data)
            if merge.conflicts:
                return _conflict(form, current, merge)
            merged_with = merge.theirs_taken
            changes = decisions.update(session, current_user, current, merge.data, current.version)
            decision = current
    except decisions.StaleDecision:  # a third save in between: show that one
        session.rollback()
        current = session.get(Decision, decision.id)
        assert current is not None
        return _conflict(form, current, edit_merge.merge(current, base, data))
    except decisions.DecisionError as error:
        session.rollback()
        _field_error(form, error)
        return _render_form(form, decision, 400)
    session.commit()
    if merged_with:
        flash("Saved, together with the change saved meanwhile by someone else.", "success")
    elif not changes:
        flash("Nothing changed.", "info")
    elif decision.status == Status.DRAFT:
        flash("Draft saved.", "success")
    else:
        flash("Saved. The change is kept in the decision's history.", "success")
    return redirect(url_for("decisions.show", decision_id=decision.id))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="decision-edit-base")


def _sign(fields: dict[str, Any]) -> str:
    return _serializer().dumps(fields)


def _unsign(text: str | None) -> dict[str, Any] | None:
    """The base the form was shown with; None when it is missing or was altered."""
    if not text:
        return None
    try:
        fields = _serializer().loads(text)
    except BadSignature:
        return None
    return fields if isinstance(fields, dict) else None


def _choices() -> dict[str, str]:
    """The conflicts resolved on the page: field → "theirs" or "mine"."""
    return {
        key: request.form.get(f"keep-{key}", edit_merge.MINE)
        for key in request.form.getlist("conflict")
    }


def _set_version(form: DecisionForm | ReviewForm, version: int) -> None:
    form.version.data = version
    form.version.raw_data = [str(version)]  # what the hidden input shows


def _conflict(
    form: DecisionForm, current: Decision, merge: edit_merge.EditMerge
) -> tuple[str, int]:
    """Both changed some fields: show the merge, with only those fields to resolve; save nothing."""
    session = db.session
    shown = DecisionForm(formdata=None, data=_initial_of_input(merge.data, current.version))
    shown.base.data = _sign(merge.theirs)
    teams = accounts.teams_of(session, current_user)
    shown.setup(
        teams if current.team_id in {t.id for t in teams} else [current.team, *teams],
        reference.active_groups(session),
        form.categories.values(),
        list(form.status.choices or []),
    )
    _set_version(shown, current.version)
    return _render_form(
        shown,
        current,
        409,
        conflict={
            "event": revisions.last_change(session, current.id),
            "lines": edit_merge.describe(session, merge.conflicts, merge.theirs, merge.mine),
        },
    )


def _initial_of_input(data: decision_inputs.DecisionInput, version: int) -> dict[str, Any]:
    return {
        "version": version,
        "team_id": data.team_id,
        "title": data.title,
        "question": data.question,
        "context": data.context,
        "decision_taken": data.decision_taken,
        "alternatives": data.alternatives,
        "decided_on": data.decided_on,
        "review_due": data.review_due,
        "tags": ", ".join(data.tags),
        "status": data.status,
        "impacts": [
            {"group_id": i.group_id, "impact": i.impact, "consulted": i.consulted, "note": i.note}
            for i in data.impacts
        ],
        "waste": [
            {
                "line_id": w.line_id,
                "category_id": w.category_id,
                "created": amount(w.created),
                "avoided": amount(w.avoided),
                "note": w.note,
            }
            for w in data.waste
        ],
    }


# One decision ---------------------------------------------------------------------------------


def _show(decision: Decision, comment_form: CommentForm, status: int = 200) -> tuple[str, int]:
    session = db.session
    method = scores.current_method(session)
    figures = scores.decision_figures(session, [decision.id], method=method).loc[decision.id]
    actual = None
    if decision.review is not None:
        actual = scores.decision_figures(session, [decision.id], actual=True, method=method)
        actual = actual.loc[decision.id].to_dict()
    original = revisions.original_estimate(decision)
    first = revisions.original_figures(method, decision.id, original) if original.changed else None
    positions = {g.id: g.position for g in reference.all_groups(session)}
    scored_groups = {g.id for g in method.groups}
    names = {g.id: g.name for g in method.groups}
    scored_impacts = [i for i in decision.impacts if i.group_id in names]
    reasons = explanations.flag_reasons(
        {names[i.group_id]: int(i.impact) for i in scored_impacts},
        {names[i.group_id]: bool(i.consulted) for i in scored_impacts},
        figures.to_dict(),
    )
    return render_template(
        "decisions/show.html",
        decision=decision,
        figures=figures.to_dict(),
        actual=actual,
        original=original,
        first=first,
        method=method,
        impacts=sorted(decision.impacts, key=lambda i: (positions.get(i.group_id, 0), i.group_id)),
        scored_groups=scored_groups,
        reasons=reasons,
        revisions=[
            (revision, revisions.describe(revision.changes))
            for revision in reversed(decision.revisions)
        ],
        comment_form=comment_form,
        replying_to=next(
            (c for c in decision.comments if c.id == comment_form.reply_to.data), None
        ),
        mention_handles=mentions.handles(
            conversation.as_people(conversation.people_who_can_see(session, decision))
        ),
        from_suggestion=suggestions.for_decision(session, decision.id),
        may_edit=permissions.can_edit(session, current_user, decision),
        may_review=permissions.can_review(session, current_user, decision),
        may_archive=permissions.can_archive(session, current_user, decision),
        archived_event=revisions.archived_event(session, decision.id)
        if decision.archived
        else None,
        today=date.today(),
        **consultations.decision_page(decision),
    ), status


@bp.get("/<int:decision_id>")
@login_required
def show(decision_id: int) -> tuple[str, int]:
    decision = _decision_or_404(decision_id, whole=True)
    form = CommentForm()
    # "Reply" on a comment opens the form answering it (no JavaScript needed).
    reply_to = request.args.get("reply_to", type=int)
    if reply_to in {c.id for c in decision.comments}:
        form.reply_to.data = reply_to
    return _show(decision, form)


# Review ----------------------------------------------------------------------------------------


def _review_initial(decision: Decision) -> dict[str, Any]:
    review = decision.review
    return {
        "version": decision.version,
        "reviewed_on": review.reviewed_on if review else date.today(),
        "what_happened": review.what_happened if review else "",
        "lessons": review.lessons if review else "",
        "actuals": [{"group_id": i.group_id, "actual": i.actual} for i in decision.impacts],
        "waste": [
            {
                "line_id": w.id,
                "actual_created": amount(w.actual_created),
                "actual_avoided": amount(w.actual_avoided),
            }
            for w in decision.waste_lines
        ],
    }


def _align_review(form: ReviewForm, decision: Decision) -> None:
    """One row per active group and one per waste line of this decision, whatever was sent."""
    groups = reference.active_groups(db.session)
    estimates = {i.group_id: i.impact for i in decision.impacts}
    sent = {e.form.group_id.data: e for e in form.actuals.entries}
    form.actuals.entries, form.actuals.last_index = [], -1
    for group in groups:
        entry = sent.get(group.id)
        if entry is None:
            entry = form.actuals.append_entry({"group_id": group.id, "actual": None})
        else:
            form.actuals.entries.append(entry)
        entry.group, entry.estimate = group, estimates.get(group.id, 0)
    sent_lines = {e.form.line_id.data: e for e in form.waste.entries}
    form.waste.entries, form.waste.last_index = [], -1
    for line in decision.waste_lines:
        entry = sent_lines.get(line.id)
        if entry is None:
            entry = form.waste.append_entry({"line_id": line.id})
        else:
            form.waste.entries.append(entry)
        entry.line = line


@bp.route("/<int:decision_id>/review", methods=["GET", "POST"])
@login_required
def review(decision_id: int) -> Page:
    session = db.session
    decision = _decision_or_404(decision_id)
    if not permissions.can_review(session, current_user, decision):
        return error_page(
            403,
            "Its review is recorded by its author or a manager of its team. "
            "You can read the decision and ask its author a question.",
        )
    if decision.archived:
        return _archived_refusal()
    if decision.status == Status.DRAFT:
        flash("A draft cannot be reviewed yet: mark it decided first.", "warning")
        return redirect(url_for("decisions.show", decision_id=decision.id))
    form = ReviewForm() if request.method == "POST" else ReviewForm(data=_review_initial(decision))
    form.decided_on = decision.decided_on
    _align_review(form, decision)
    conflict = None
    if form.validate_on_submit():
        try:
            changes = decisions.review(
                session, current_user, decision, form.to_input(), form.version.data
            )
        except decisions.StaleDecision:
            session.rollback()
            current = session.get(Decision, decision_id)
            assert current is not None
            _set_version(form, current.version)
            conflict = {"event": revisions.last_change(session, decision_id), "lines": []}
            decision = current
        except decisions.DecisionError as error:
            session.rollback()
            form.reviewed_on.errors = [str(error)]
        else:
            session.commit()
            flash("Review saved." if changes else "Nothing changed.", "success")
            return redirect(url_for("decisions.show", decision_id=decision.id, _anchor="review"))
    status = 409 if conflict else (400 if form.is_submitted() else 200)
    return render_template(
        "decisions/review.html", form=form, decision=decision, conflict=conflict
    ), status


# Comments, archive and restore -----------------------------------------------------------------


@bp.post("/<int:decision_id>/comments")
@login_required
def comment(decision_id: int) -> Page:
    decision = _decision_or_404(decision_id)
    if not permissions.can_comment(db.session, current_user, decision):
        abort(403)
    if decision.archived:
        return _archived_refusal()
    form = CommentForm()
    if form.validate_on_submit():
        try:
            posted = decisions.add_comment(
                db.session,
                current_user,
                decision,
                form.body.data or "",
                is_question=bool(form.is_question.data),
                reply_to_id=form.reply_to.data,
            )
        except decisions.DecisionError as error:
            db.session.rollback()
            form.body.errors = [str(error)]
        else:
            db.session.commit()
            flash("Comment posted.", "success")
            return redirect(
                url_for("decisions.show", decision_id=decision.id, _anchor=f"comment-{posted.id}")
            )
    if form.reply_to.errors:  # a hidden field: its message is shown with the text
        form.body.errors = [*form.body.errors, *form.reply_to.errors]
    return _show(decision, form, 400)


def _set_archived(decision_id: int, archived: bool) -> Response:
    decision = _decision_or_404(decision_id)
    if not permissions.can_archive(db.session, current_user, decision):
        abort(403)
    if decisions.set_archived(db.session, current_user, decision, archived):
        db.session.commit()
        flash(
            "Archived: it no longer appears in lists or counts in scores. You can restore it."
            if archived
            else "Restored: it appears in lists and counts in scores again.",
            "success",
        )
    return redirect(url_for("decisions.show", decision_id=decision.id))


@bp.post("/<int:decision_id>/archive")
@login_required
def archive(decision_id: int) -> Response:
    return _set_archived(decision_id, True)


@bp.post("/<int:decision_id>/restore")
@login_required
def restore(decision_id: int) -> Response:
    return _set_archived(decision_id, False)
