"""Administration: users, teams, stakeholder groups, waste categories, weights, method versions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from scorecard.extensions import db
from scorecard.forms import (
    CategoryForm,
    GroupForm,
    TeamForm,
    UserCreateForm,
    UserEditForm,
    WeightsForm,
)
from scorecard.models import MethodVersion, StakeholderGroup, Team, User, WasteCategory
from scorecard.services import accounts, audit, reference
from scorecard.tasks import scores as score_jobs
from scorecard.views.access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _team_choices(form: UserCreateForm | UserEditForm) -> None:
    choices = [(t.id, t.name) for t in accounts.all_teams(db.session)]
    form.teams.choices = choices
    form.manages.choices = choices


def _refused(template: str, **context: object) -> tuple[str, int]:
    return render_template(template, **context), 400


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
        try:
            accounts.create_user(
                db.session,
                current_user,
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                role=form.role.data or "staff",
                teams=[teams[i] for i in form.teams.data or []],
                manages=[teams[i] for i in form.manages.data or []]
                if form.role.data == "manager"
                else [],
            )
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            flash(f"User {form.email.data} created.", "success")
            return redirect(url_for("admin.users"))
    if form.errors:
        return _refused("admin/user_form.html", form=form, user=None)
    return render_template("admin/user_form.html", form=form, user=None)


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
        try:
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
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            form.role.errors.append(str(error))
        else:
            flash(f"User {user.email} saved.", "success")
            return redirect(url_for("admin.users"))
    if form.errors:
        return _refused("admin/user_form.html", form=form, user=user)
    return render_template("admin/user_form.html", form=form, user=user)


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
        try:
            accounts.create_team(
                db.session,
                current_user,
                form.name.data or "",
                form.slug.data or None,
                form.description.data or "",
            )
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            flash(f"Team {form.name.data} created.", "success")
            return redirect(url_for("admin.teams"))
    if form.errors:
        return _refused("admin/team_form.html", form=form, team=None)
    return render_template("admin/team_form.html", form=form, team=None)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@admin_required
def edit_team(team_id: int) -> str | Response | tuple[str, int]:
    team = db.session.get(Team, team_id) or abort(404)
    form = TeamForm(obj=team)
    del form.slug  # a slug is part of shared addresses: it never changes
    if form.validate_on_submit():
        try:
            accounts.update_team(
                db.session, current_user, team, form.name.data or "", form.description.data or ""
            )
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            flash(f"Team {team.name} saved.", "success")
            return redirect(url_for("admin.teams"))
    if form.errors:
        return _refused("admin/team_form.html", form=form, team=team)
    return render_template("admin/team_form.html", form=form, team=team)


# Reference data and method versions ----------------------------------------------------------


@bp.get("/groups")
@admin_required
def groups() -> str:
    return render_template(
        "admin/groups.html",
        groups=reference.all_groups(db.session),
        version=reference.current_version(db.session),
    )


def _save_reference(
    thing: StakeholderGroup | WasteCategory,
    entity: str,
    form: GroupForm | CategoryForm,
    fields: tuple[str, ...],
) -> bool:
    """Apply the form to the group or category and freeze the result as a new method version."""
    before = {f: getattr(thing, f) for f in fields} if thing.id else {}
    for field in fields:
        value = getattr(form, field).data
        setattr(
            thing,
            field,
            float(value) if field in ("weight", "unit_cost", "co2e_per_unit") else value,
        )
    after = {f: getattr(thing, f) for f in fields}
    if before == after:
        return False
    db.session.add(thing)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        form.name.errors.append(
            f"Another {entity.replace('_', ' ')} is already named {form.name.data!r}."
        )
        return False
    audit.record(
        db.session,
        current_user,
        entity,
        thing.id,
        "update" if before else "create",
        {"before": before, "after": after},
    )
    reference.new_version(
        db.session,
        current_user,
        f"{entity.replace('_', ' ').capitalize()} {thing.name} {'changed' if before else 'added'}",
    )
    score_jobs.start_rebuild(db.session, current_user)  # the stored figures, in a worker
    db.session.commit()
    return True


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
        if _save_reference(thing, entity, form, fields):
            flash(
                "Saved. The scoring method has a new version; every figure now uses it.", "success"
            )
            return redirect(url_for(back))
        if not form.errors:
            flash("Nothing changed.", "info")
            return redirect(url_for(back))
    kind = entity.replace("_", " ")
    return render_template("admin/reference_form.html", form=form, kind=kind, back=url_for(back)), (
        400 if form.errors else 200
    )


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
        if new == current:
            flash("Nothing changed.", "info")
        else:
            reference.new_version(db.session, current_user, form.note.data or "", new)
            db.session.commit()
            flash("Saved as a new method version; every figure now uses it.", "success")
        return redirect(url_for("admin.methods"))
    status = 400 if form.errors else 200
    return render_template("admin/weights.html", form=form), status


@bp.get("/methods")
@admin_required
def methods() -> str:
    import sqlalchemy as sa

    versions = db.session.scalars(
        sa.select(MethodVersion).order_by(MethodVersion.number.desc())
    ).all()
    return render_template("admin/methods.html", versions=versions)
