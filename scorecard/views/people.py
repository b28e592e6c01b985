"""A person's own pages: My page, a profile, the email preference, @mention suggestions;
and a team's purpose."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from scorecard import permissions
from scorecard.domain import calibration, mentions
from scorecard.extensions import db
from scorecard.forms.people import AimForm, EmailPreferenceForm, TeamPurposeForm
from scorecard.models import Decision, User
from scorecard.services import accounts, conversation, email_delivery, my_page, teams
from scorecard.views.charts import LINE_COLOURS, MARKERS, _layout
from scorecard.views.dashboard import page_json, plotly_style_ids, plotly_url

bp = Blueprint("people", __name__)


@bp.context_processor
def chart_library() -> dict[str, Any]:
    return {"plotly_url": plotly_url, "plotly_style_ids": plotly_style_ids}


@bp.app_template_global()
def may_set_purpose(team: Any) -> bool:
    """Whether the signed-in person may write this team's purpose (its managers, admins)."""
    return current_user.is_authenticated and permissions.can_set_purpose(
        db.session, current_user, team
    )


@bp.app_template_global()
def purpose_of_team(slug: str) -> str:
    """A team's purpose by its slug (the dashboard's team rows), read once per request."""
    if "team_purposes" not in g:
        g.team_purposes = teams.purposes(db.session)
    return g.team_purposes.get(slug, "")


@bp.app_template_filter("mention_links")
def mention_links(body: str, handles: dict[str, mentions.Person]) -> Markup:
    """A comment's text with each @mention of someone who can see the decision as a link."""
    return mentions.linked(body or "", handles, lambda p: url_for("people.profile", user_id=p.id))


# My page -------------------------------------------------------------------------------------------


def calibration_chart(quarters: list[calibration.QuarterGap], groups: list[str]) -> dict[str, Any]:
    """Lines of the mean gap per quarter: all groups together, and each group."""
    x = [str(q.quarter) for q in quarters]
    series = [("All groups", [q.overall for q in quarters])] + [
        (group, [q.by_group.get(group) for q in quarters]) for group in groups
    ]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": x,
            "y": values,
            "line": {"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 4 if i == 0 else 2},
            "marker": {"symbol": MARKERS[i % len(MARKERS)], "size": 9 if i == 0 else 7},
            "connectgaps": True,
            "hovertemplate": f"{name}, %{{x}}<br>gap %{{y:.2f}}<extra></extra>",
        }
        for i, (name, values) in enumerate(series)
    ]
    layout = _layout(
        yaxis={"title": {"text": "Gap"}, "rangemode": "tozero"},
        xaxis={"type": "category"},
        # Room below the plot for a legend of several rows on a phone.
        height=420,
        margin={"b": 120},
        legend={"y": -0.12},
    )
    return {"data": data, "layout": layout}


@bp.get("/me")
@login_required
def me() -> str:
    session = db.session
    user = current_user._get_current_object()
    quarters = calibration.gaps(my_page.estimates(session, user))
    # Only the groups with a reviewed estimate: an empty line or column tells nothing.
    compared = {group for q in quarters for group in q.by_group}
    groups = [g for g in my_page.group_names(session) if g in compared]
    return render_template(
        "people/me.html",
        mine=my_page.my_decisions(session, user),
        reviews=my_page.reviews_to_record(session, user, date.today()),
        questions=my_page.open_questions(session, user),
        quarters=quarters,
        groups=groups,
        streak=calibration.improving_streak(quarters),
        charts_json=page_json({"calibration": calibration_chart(quarters, groups)})
        if quarters
        else None,
        aim_form=AimForm(data={"aim": user.aim}),
        today=date.today(),
    )


@bp.post("/me/aim")
@login_required
def aim() -> Response | tuple[str, int]:
    form = AimForm()
    if not form.validate_on_submit():
        flash(" ".join(form.aim.errors) or "The aim could not be saved.", "danger")
        return redirect(url_for("people.me", _anchor="aim")), 303
    if my_page.set_aim(db.session, current_user._get_current_object(), form.aim.data or ""):
        db.session.commit()
        flash("Saved: it shows on your profile beside your decisions.", "success")
    return redirect(url_for("people.me", _anchor="aim"))


# A person's profile ----------------------------------------------------------------------------


@bp.get("/people/<int:user_id>")
@login_required
def profile(user_id: int) -> str:
    """Someone's name, aim and decisions, as far as the viewer may see them."""
    person = db.session.get(User, user_id)
    if person is None or not permissions.can_see_person(db.session, current_user, person):
        abort(404)
    shown = [
        d
        for d in db.session.scalars(
            sa.select(Decision)
            .where(Decision.author_id == person.id, ~Decision.archived)
            .order_by(Decision.decided_on.desc(), Decision.id.desc())
            .limit(60)
        )
        if permissions.can_see(db.session, current_user, d)
    ][:20]
    return render_template("people/profile.html", person=person, decisions=shown)


# Mentions and email -----------------------------------------------------------------------------


@bp.get("/decisions/<int:decision_id>/mentions")
@login_required
def mention_suggestions(decision_id: int) -> Response:
    """People who can see the decision, matching what was typed after @ (JSON)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None or not permissions.can_see(db.session, current_user, decision):
        abort(404)
    typed = request.args.get("q", "")[:100]
    return jsonify(conversation.suggestions(db.session, decision, typed))


@bp.post("/account/email")
@login_required
def email_preference() -> Response | tuple[str, int]:
    form = EmailPreferenceForm()
    if not form.validate_on_submit():
        return render_template("people/email_preference.html", email_form=form), 400
    user = current_user._get_current_object()
    if email_delivery.set_frequency(db.session, user, user, form.email_frequency.data or ""):
        db.session.commit()
        flash("Email preference saved.", "success")
    return redirect(url_for("auth.account", _anchor="email"))


# A team's purpose ---------------------------------------------------------------------------------


@bp.post("/teams/<slug>/purpose")
@login_required
def team_purpose(slug: str) -> Response:
    session = db.session
    team = accounts.team_by_slug(session, slug)
    if team is None or not permissions.can_see_team(session, current_user, team):
        abort(404)
    if not permissions.can_set_purpose(session, current_user, team):
        abort(403)
    form = TeamPurposeForm()
    if not form.validate_on_submit():
        flash(" ".join(form.purpose.errors) or "The purpose could not be saved.", "danger")
    elif teams.set_purpose(session, current_user, team, form.purpose.data or ""):
        session.commit()
        flash("The team's purpose is saved.", "success")
    return redirect(url_for("dashboard.team", slug=team.slug, _anchor="purpose"))
