"""Admin pages: users, teams, memberships, reference data and method versions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import AuditEvent, MethodVersion, StakeholderGroup, User
from tests.conftest import sign_in

ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/teams",
    "/admin/teams/new",
    "/admin/groups",
    "/admin/groups/new",
    "/admin/categories",
    "/admin/categories/new",
    "/admin/weights",
    "/admin/methods",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_answer_admins_and_refuse_others(client, org, path):
    sign_in(client, "staff@example.com")
    assert client.get(path).status_code == 403
    client.post("/logout")
    sign_in(client, "manager@example.com")
    assert client.get(path).status_code == 403
    client.post("/logout")
    sign_in(client, "admin@example.com")
    assert client.get(path).status_code == 200


def test_admin_creates_user_with_teams(app, client, org):
    sign_in(client, "admin@example.com")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Noor.Haddad@example.com",
            "display_name": "Noor Haddad",
            "role": "manager",
            "teams": [org.ops.id],
            "manages": [org.sales.id],
            "password": "a perfectly long password",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "noor.haddad@example.com"))
        assert {(m.team_id, m.manages) for m in user.memberships} == {
            (org.ops.id, False),
            (org.sales.id, True),
        }


def test_duplicate_email_is_refused_and_nothing_is_written(app, client, org):
    sign_in(client, "admin@example.com")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(User.id)))
    response = client.post(
        "/admin/users/new",
        data={
            "email": "STAFF@example.com",
            "display_name": "Dup",
            "role": "staff",
            "password": "a perfectly long password",
        },
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert 'value="Dup"' in response.get_data(as_text=True)  # the input is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_admin_deactivates_user_and_their_sessions_end(app, client, org):
    staff_client = app.test_client()
    sign_in(staff_client, "staff@example.com")
    sign_in(client, "admin@example.com")
    response = client.post(
        f"/admin/users/{org.staff.id}",
        data={"display_name": "Stacy Staff", "role": "staff", "teams": [org.ops.id]},
    )
    assert response.status_code == 302
    assert staff_client.get("/decisions").status_code == 302


def test_admin_cannot_demote_themselves(client, org):
    sign_in(client, "admin@example.com")
    response = client.post(
        f"/admin/users/{org.admin.id}", data={"display_name": "A", "role": "staff", "active": "y"}
    )
    assert response.status_code == 400
    assert "your own admin role" in response.get_data(as_text=True)


def test_team_with_bad_slug_is_refused(client, org):
    sign_in(client, "admin@example.com")
    response = client.post("/admin/teams/new", data={"name": "Legal", "slug": "Bad Slug!"})
    assert response.status_code == 400
    assert "Lower-case letters" in response.get_data(as_text=True)
    ok = client.post("/admin/teams/new", data={"name": "Legal & Risk", "slug": ""})
    assert ok.status_code == 302
    assert "legal-risk" in client.get("/admin/teams").get_data(as_text=True)


def _versions(app) -> list[MethodVersion]:
    with app.app_context():
        return list(db.session.scalars(sa.select(MethodVersion).order_by(MethodVersion.number)))


def test_editing_a_group_makes_a_new_method_version(app, client, org):
    sign_in(client, "admin@example.com")
    with app.app_context():
        nature = db.session.scalar(
            sa.select(StakeholderGroup).where(StakeholderGroup.name == "Nature")
        )
    response = client.post(
        f"/admin/groups/{nature.id}", data={"name": "Nature", "weight": "2", "active": "y"}
    )
    assert response.status_code == 302
    versions = _versions(app)
    assert [v.number for v in versions] == [1, 2]
    groups = {g["name"]: g for g in versions[-1].settings["groups"]}
    assert groups["Nature"]["weight"] == 2.0
    assert {g["name"]: g for g in versions[0].settings["groups"]}["Nature"]["weight"] == 1.0


def test_saving_a_group_unchanged_makes_no_version(app, client, org):
    sign_in(client, "admin@example.com")
    with app.app_context():
        workers = db.session.scalar(
            sa.select(StakeholderGroup).where(StakeholderGroup.name == "Workers")
        )
    client.post(
        f"/admin/groups/{workers.id}", data={"name": "Workers", "weight": "1", "active": "y"}
    )
    assert len(_versions(app)) == 1


def test_deactivating_a_category_removes_it_from_the_new_version(app, client, org):
    sign_in(client, "admin@example.com")
    response = client.post(
        "/admin/categories/new",
        data={
            "name": "Plastic",
            "unit": "kg",
            "unit_cost": "1.2",
            "co2e_per_unit": "3",
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert "Plastic" in [c["name"] for c in _versions(app)[-1].settings["categories"]]


def test_negative_weight_is_refused(client, org):
    sign_in(client, "admin@example.com")
    response = client.post(
        "/admin/groups/new", data={"name": "Suppliers", "weight": "-1", "active": "y"}
    )
    assert response.status_code == 400
    assert "Suppliers" in response.get_data(as_text=True)


def test_weights_make_a_new_version_and_are_audited(app, client, org):
    sign_in(client, "admin@example.com")
    data = {
        "impact": 40,
        "shared": 20,
        "harm": 10,
        "waste": 10,
        "consultation": 10,
        "review": 10,
        "calibration": 0,
        "note": "More weight on impact",
    }
    assert client.post("/admin/weights", data=data).status_code == 302
    latest = _versions(app)[-1]
    assert latest.number == 2
    assert latest.settings["weights"]["impact"] == 40.0
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEvent.entity).order_by(AuditEvent.id.desc()).limit(1)
        ).all()
    assert actions == ["method_version"]


def test_all_zero_weights_are_refused(client, org):
    sign_in(client, "admin@example.com")
    data = dict.fromkeys(
        ["impact", "shared", "harm", "waste", "consultation", "review", "calibration"], 0
    )
    response = client.post("/admin/weights", data={**data, "note": "zero"})
    assert response.status_code == 400
