"""Administration: users, teams, stakeholder groups, waste categories, weights, method versions."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from scorecard.extensions import db
from scorecard.forms.accounts import TeamForm, UserCreateForm, UserEditForm
from scorecard.forms.reference import CategoryForm, GroupForm, WeightsForm
from scorecard.models import StakeholderGroup, Team, User, WasteCategory
from scorecard.services import accounts, reference
from scorecard.views.access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _team_choices(form: UserCreateForm | UserEditForm) -> None:
    choices = [(t.id, t.name) for t in accounts.all_teams(db.session)]
    form.teams.choices = choices
    form.manages.choices = choices


def _page(template: str, form: FlaskForm, **context: object) -> tuple[str, int]:
    """The form's page: 400 when it was refused, 200 otherwise."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def _saved(write: Callable[[], object], errors: list[str], done: str, unchanged: str = "") -> bool:
    """Run the service call and commit, flashing `done` (or `unchanged` when the call says
    False: nothing to save); or roll back and put the service's refusal beside the field
    whose `errors` are given."""
    try:
        result = write()
        db.session.commit()
    except (accounts.AccountError, reference.ReferenceError) as error:
        db.session.rollback()
        errors.append(str(error))
        return False
    if result is False and unchanged:
        flash(unchanged, "info")
    else:
        flash(done, "success")
    return True


@bp.get("/")
@admin_required
def index() -> Response:
    return redirect(url_for("admin.users"))


# Users ---------------------------------------------------------------------------------------


@bp.get("/users")
@admin_required
def users() -> str:
    return render_template("admin/users.html", users=accounts.users(db.session))


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user() -> str | Response | tuple[str, int]:
    form = UserCreateForm()
    _team_choices(form)
    if form.validate_on_submit():
        teams = {t.id: t for t in accounts.all_teams(db.session)}
        managed = form.manages.data or [] if form.role.data == "manager" else []

        def write() -> object:
            return accounts.create_user(
                db.session,
                current_user,
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                role=form.role.data or "staff",
                teams=[teams[i] for i in form.teams.data or []],
                manages=[teams[i] for i in managed],
            )

        if _saved(write, form.email.errors, f"User {form.email.data} created."):
            return redirect(url_for("admin.users"))
    return _page("admin/user_form.html", form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> str | Response | tuple[str, int]:
    user = db.session.get(User, user_id) or abort(404)
    form = UserEditForm(obj=user)
    _team_choices(form)
    if not form.is_submitted():
        form.teams.data = [m.team_id for m in user.memberships]
        form.manages.data = [m.team_id for m in user.memberships if m.manages]
    if form.validate_on_submit():

        def write() -> None:
            accounts.update_user(
                db.session,
                current_user,
                user,
                display_name=form.display_name.data or "",
                role=form.role.data or "staff",
                active=bool(form.active.data),
            )
            managed = set(form.manages.data or []) if user.role == "manager" else set()
            accounts.set_memberships(
                db.session, current_user, user, set(form.teams.data or []), managed
            )
            if form.new_password.data:
                accounts.set_password(db.session, current_user, user, form.new_password.data)

        if _saved(write, form.role.errors, f"User {user.email} saved."):
            return redirect(url_for("admin.users"))
    return _page("admin/user_form.html", form, user=user)


# Teams ---------------------------------------------------------------------------------------


@bp.get("/teams")
@admin_required
def teams() -> str:
    return render_template("admin/teams.html", teams=accounts.all_teams(db.session))


@bp.route("/teams/new", methods=["GET", "POST"])
@admin_required
def new_team() -> str | Response | tuple[str, int]:
    form = TeamForm()
    if form.validate_on_submit():
        name, slug, description = (
            form.name.data or "",
            form.slug.data or None,
            form.description.data,
        )
        if _saved(
            lambda: accounts.create_team(db.session, current_user, name, slug, description or ""),
            form.name.errors,
            f"Team {form.name.data} created.",
        ):
            return redirect(url_for("admin.teams"))
    return _page("admin/team_form.html", form, team=None)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@admin_required
def edit_team(team_id: int) -> str | Response | tuple[str, int]:
    team = db.session.get(Team, team_id) or abort(404)
    form = TeamForm(obj=team)
    del form.slug  # a slug is part of shared addresses: it never changes
    if form.validate_on_submit():
        name, description = form.name.data or "", form.description.data or ""
        if _saved(
            lambda: accounts.update_team(db.session, current_user, team, name, description),
            form.name.errors,
            f"Team {name.strip() or team.name} saved.",
        ):
            return redirect(url_for("admin.teams"))
    return _page("admin/team_form.html", form, team=team)


# Reference data and method versions ----------------------------------------------------------


@bp.get("/groups")
@admin_required
def groups() -> str:
    return render_template(
        "admin/groups.html",
        groups=reference.all_groups(db.session),
        version=reference.current_version(db.session),
    )


GROUP_FIELDS = ("name", "weight", "is_owner", "active")
CATEGORY_FIELDS = ("name", "unit", "unit_cost", "co2e_per_unit", "active")


def _edit_reference(
    thing: StakeholderGroup | WasteCategory,
    form: GroupForm | CategoryForm,
    entity: str,
    fields: tuple[str, ...],
    back: str,
) -> str | Response | tuple[str, int]:
    """The edit page of a group or category: saving makes a new scoring method version."""
    if form.validate_on_submit():
        values = {field: getattr(form, field).data for field in fields}
        if _saved(
            lambda: reference.save_reference(db.session, current_user, thing, entity, values),
            form.name.errors,
            "Saved. The scoring method has a new version; every figure now uses it.",
            unchanged="Nothing changed.",
        ):
            return redirect(url_for(back))
    kind = entity.replace("_", " ")
    return _page("admin/reference_form.html", form, kind=kind, back=url_for(back))


@bp.route("/groups/new", methods=["GET", "POST"], defaults={"group_id": None})
@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@admin_required
def edit_group(group_id: int | None) -> str | Response | tuple[str, int]:
    if group_id:
        group = db.session.get(StakeholderGroup, group_id) or abort(404)
        form = GroupForm(obj=group)
    else:
        group, form = StakeholderGroup(position=100), GroupForm()
    return _edit_reference(group, form, "stakeholder_group", GROUP_FIELDS, "admin.groups")


@bp.get("/categories")
@admin_required
def categories() -> str:
    return render_template(
        "admin/categories.html",
        categories=reference.all_categories(db.session),
        version=reference.current_version(db.session),
    )


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def edit_category(category_id: int | None) -> str | Response | tuple[str, int]:
    if category_id:
        category = db.session.get(WasteCategory, category_id) or abort(404)
        form = CategoryForm(obj=category)
    else:
        category, form = WasteCategory(position=100), CategoryForm()
    return _edit_reference(category, form, "waste_category", CATEGORY_FIELDS, "admin.categories")


@bp.route("/weights", methods=["GET", "POST"])
@admin_required
def weights() -> str | Response | tuple[str, int]:
    current = reference.current_weights(db.session)
    form = WeightsForm(data=current)
    if form.validate_on_submit():
        new = {key: float(getattr(form, key).data) for key in reference.WEIGHT_KEYS}
        if _saved(
            lambda: reference.save_weights(db.session, current_user, new, form.note.data or ""),
            form.note.errors,
            "Saved as a new method version; every figure now uses it.",
            unchanged="Nothing changed.",
        ):
            return redirect(url_for("admin.methods"))
    return _page("admin/weights.html", form)


@bp.get("/methods")
@admin_required
def methods() -> str:
    return render_template("admin/methods.html", versions=reference.method_versions(db.session))
