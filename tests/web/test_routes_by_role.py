"""Every route of the application, for every role, answers the status this table expects.

The table must name every (method, rule) of `app.url_map`: a new route without a row fails
`test_every_route_has_a_row`; likewise every command of the command line has a row in
COMMANDS. POST rows send an empty form, so a role that may act gets the
form back with its errors (400), and one that may not gets 403 (or 404 for another team's
decision) before any validation. "login" means a redirect to /login?next=<the path>.
File downloads are checked for what they send, by role and by team, in DOWNLOADS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import click
import pytest
from flask import Flask

from scorecard import permissions
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import User
from scorecard.services import exports
from scorecard.views.dashboard import plotly_url
from tests.conftest import sign_in

ROLES = ("anonymous", "author", "teammate", "other_team", "manager", "admin")
LOGIN = "login"


def row(anonymous, author, teammate, other_team, manager, admin) -> dict[str, object]:
    return dict(zip(ROLES, (anonymous, author, teammate, other_team, manager, admin), strict=True))


def everyone(status: object) -> dict[str, object]:
    return row(status, status, status, status, status, status)


def signed_in(status: object) -> dict[str, object]:
    return row(LOGIN, status, status, status, status, status)


def admin_only(status: object) -> dict[str, object]:
    return row(LOGIN, 403, 403, 403, 403, status)


def managers(status: object) -> dict[str, object]:
    """Managers and admins; staff are refused whatever their team."""
    return row(LOGIN, 403, 403, 403, status, status)


# The decision is of Operations, decided, written by the author; the teammate is staff of
# Operations too; the manager manages Operations; other_team is staff of Sales.
EXPECTED: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "/"): row(302, 302, 302, 302, 302, 302),
    ("GET", "/healthz"): everyone(200),
    ("GET", "/assets/plotly.<digest>.min.js"): everyone(200),
    ("GET", "/static/<path:filename>"): everyone(200),
    ("GET", "/bootstrap/static/<path:filename>"): everyone(200),
    ("GET", "/login"): row(200, 302, 302, 302, 302, 302),
    ("POST", "/login"): row(400, 302, 302, 302, 302, 302),
    ("POST", "/logout"): row(LOGIN, 302, 302, 302, 302, 302),
    ("GET", "/account"): signed_in(200),
    ("POST", "/account"): signed_in(400),
    # The decision log
    ("GET", "/decisions"): signed_in(200),
    ("GET", "/decisions/due"): signed_in(200),
    ("GET", "/decisions/new"): signed_in(200),
    ("POST", "/decisions/new"): signed_in(400),
    ("GET", "/decisions/<int:decision_id>"): row(LOGIN, 200, 200, 404, 200, 200),
    ("GET", "/decisions/<int:decision_id>/edit"): row(LOGIN, 200, 403, 404, 200, 200),
    ("POST", "/decisions/<int:decision_id>/edit"): row(LOGIN, 400, 403, 404, 400, 400),
    ("GET", "/decisions/<int:decision_id>/review"): row(LOGIN, 200, 403, 404, 200, 200),
    ("POST", "/decisions/<int:decision_id>/review"): row(LOGIN, 400, 403, 404, 400, 400),
    ("POST", "/decisions/<int:decision_id>/comments"): row(LOGIN, 400, 400, 404, 400, 400),
    ("POST", "/decisions/<int:decision_id>/archive"): row(LOGIN, 403, 403, 404, 302, 302),
    ("POST", "/decisions/<int:decision_id>/restore"): row(LOGIN, 403, 403, 404, 302, 302),
    # Dashboards: everyone signed in sees the teams they may see.
    ("GET", "/dashboard"): signed_in(200),
    ("GET", "/teams/<slug>"): row(LOGIN, 200, 200, 404, 200, 200),
    # Scorecards and imports: managers and admins. The export is of Operations, by its manager.
    ("GET", "/exports"): managers(200),
    ("POST", "/exports"): managers(400),
    ("GET", "/exports/<export_id>/download"): managers(200),
    ("GET", "/imports"): managers(200),
    ("POST", "/imports"): managers(400),
    ("GET", "/imports/template.csv"): managers(200),
    # Administration
    ("GET", "/admin/"): admin_only(302),
    ("GET", "/admin/users"): admin_only(200),
    ("GET", "/admin/users/new"): admin_only(200),
    ("POST", "/admin/users/new"): admin_only(400),
    ("GET", "/admin/users/<int:user_id>"): admin_only(200),
    # An empty form keeps the user or team as it is: saved, nothing changed.
    ("POST", "/admin/users/<int:user_id>"): admin_only(302),
    ("GET", "/admin/teams"): admin_only(200),
    ("GET", "/admin/teams/new"): admin_only(200),
    ("POST", "/admin/teams/new"): admin_only(400),
    ("GET", "/admin/teams/<int:team_id>"): admin_only(200),
    ("POST", "/admin/teams/<int:team_id>"): admin_only(302),
    ("GET", "/admin/groups"): admin_only(200),
    ("GET", "/admin/groups/new"): admin_only(200),
    ("POST", "/admin/groups/new"): admin_only(400),
    ("GET", "/admin/groups/<int:group_id>"): admin_only(200),
    ("POST", "/admin/groups/<int:group_id>"): admin_only(400),
    ("GET", "/admin/categories"): admin_only(200),
    ("GET", "/admin/categories/new"): admin_only(200),
    ("POST", "/admin/categories/new"): admin_only(400),
    ("GET", "/admin/categories/<int:category_id>"): admin_only(200),
    ("POST", "/admin/categories/<int:category_id>"): admin_only(400),
    ("GET", "/admin/weights"): admin_only(200),
    ("POST", "/admin/weights"): admin_only(400),
    ("GET", "/admin/methods"): admin_only(200),
}

# Requests that change what later rows see go last, in this order; signing out is the end.
LAST = (
    ("POST", "/decisions/<int:decision_id>/archive"),
    ("POST", "/decisions/<int:decision_id>/restore"),
    ("POST", "/logout"),
)
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


# The command line runs as the operator of the server, who may do everything: the
# permissions module answers every question with "yes" for user=None.
COMMANDS = {
    "db upgrade": "operator",
    "db downgrade": "operator",
    "db current": "operator",
    "db revision": "operator",
    "seed-demo": "operator",
    "create-team": "operator",
    "create-user": "operator",
    "verify-audit": "operator",
    "backup": "operator",
    "restore": "operator",
    "scores": "operator",
    "import-decisions": "operator",
    "export-scorecard": "operator",
    "verify-scorecard": "operator",
}


def commands(group: click.Group, prefix: str = "") -> set[str]:
    found = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= commands(command, f"{prefix}{name} ")
        else:
            found.add(f"{prefix}{name}")
    return found


def test_every_command_has_a_row(app):
    served = commands(app.cli)
    assert sorted(served - COMMANDS.keys()) == [], "commands without a row in COMMANDS"
    assert sorted(COMMANDS.keys() - served) == [], "rows for commands the application lacks"


def test_every_command_answers_for_the_operator(app, runner):
    for name in COMMANDS:
        result = runner.invoke(args=[*name.split(), "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_the_operator_may_do_everything(app, make):
    team = make.team("Sales", "sales")
    with app.app_context():
        session = db.session
        assert permissions.visible_teams(session, None).every
        assert permissions.managed_teams(session, None).every
        assert permissions.can_import(None) and permissions.can_export(None)
        assert permissions.can_administer(None)
        assert permissions.export_teams(session, None) == permissions.Teams.EVERY
        assert team.id in permissions.export_teams(session, None, session.get(type(team), team.id))
        assert permissions.download_teams(session, None).covers(None)


def test_every_route_has_a_row(app):
    served = routes(app)
    missing = sorted(served - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - served)
    assert not missing, f"routes without a row in the route × role table: {missing}"
    assert not stale, f"rows for routes the application does not serve: {stale}"


@dataclass
class World:
    values: dict[str, object]
    users: dict[str, str]


@pytest.fixture
def world(app, make, org, tmp_path) -> World:
    teammate = make.user("tess@example.com", "staff", teams=(org.ops,))
    decision = make.decision(org.ops, org.staff, title="Checked by role")
    with app.app_context(), db.writing() as session:
        manager = session.get(User, org.manager.id)
        scope = exports.export_scope(session, manager, org.ops.slug)
        export = exports.create(
            session, manager, Quarter.of(date.today()), scope, app.config["EXPORT_DIR"]
        )
    with app.test_request_context():
        plotly = plotly_url()
    return World(
        values={
            "digest": plotly.rsplit("/plotly.", 1)[1].removesuffix(".min.js"),
            "export_id": export.id,
            "slug": org.ops.slug,
            "decision_id": decision.id,
            "user_id": org.staff.id,
            "team_id": org.ops.id,
            "group_id": 1,
            "category_id": 1,
            "filename": "app.css",
        },
        users={
            "author": org.staff.email,
            "teammate": teammate.email,
            "other_team": org.other_staff.email,
            "manager": org.manager.email,
            "admin": org.admin.email,
        },
    )


def _url(app: Flask, rule: str, values: dict[str, object]) -> str:
    match = next(r for r in app.url_map.iter_rules() if r.rule == rule)
    defaults = match.defaults or {}
    arguments = {name: values[name] for name in match.arguments if name not in defaults}
    if match.endpoint == "bootstrap.static":
        arguments["filename"] = "css/bootstrap.min.css"
    path = match.build(arguments, append_unknown=False)
    assert path is not None
    return path[1]


def _ordered(keys):
    return sorted(keys, key=lambda key: (key in LAST, LAST.index(key) if key in LAST else 0))


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_expected(app, client, world, role):
    if role != "anonymous":
        sign_in(client, world.users[role])
    answered = {}
    for method, rule in _ordered(EXPECTED):
        path = _url(app, rule, world.values)
        response = client.open(path, method=method, data={} if method == "POST" else None)
        expected = EXPECTED[(method, rule)][role]
        if expected == LOGIN:
            location = response.headers.get("Location", "")
            got = (
                LOGIN
                if location.startswith(f"/login?next={quote(path, safe='')}")
                else (f"{response.status_code} → {location}")
            )
        else:
            got = response.status_code
        answered[f"{method} {rule}"] = (got, expected)
    wrong = {route: pair for route, pair in answered.items() if pair[0] != pair[1]}
    assert not wrong, f"{role}: (got, expected) {wrong}"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What each file download sends to each role: the file (its type) or the status refused.
# The Operations export is the manager's; the export of every team is the admin's, so the
# manager of Operations may not download it.
DOWNLOADS = {
    "ops_export": row(LOGIN, 403, 403, 403, XLSX, XLSX),
    "all_export": row(LOGIN, 403, 403, 403, 404, XLSX),
    "template": row(LOGIN, 403, 403, 403, "text/csv", "text/csv"),
}


@pytest.fixture
def downloads(app, world, org) -> dict[str, str]:
    with app.app_context(), db.writing() as session:
        admin = session.get(User, org.admin.id)
        every = exports.export_scope(session, admin)
        export = exports.create(
            session, admin, Quarter.of(date.today()), every, app.config["EXPORT_DIR"]
        )
    return {
        "ops_export": f"/exports/{world.values['export_id']}/download",
        "all_export": f"/exports/{export.id}/download",
        "template": "/imports/template.csv",
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_download_sends_each_role_what_it_may_have(client, world, downloads, role):
    if role != "anonymous":
        sign_in(client, world.users[role])
    answered = {}
    for name, path in downloads.items():
        response = client.get(path)
        expected = DOWNLOADS[name][role]
        if response.status_code == 200:
            assert response.headers["Content-Disposition"].startswith("attachment")
            assert response.data  # the file itself, not an empty answer
            got: object = response.mimetype
        elif response.status_code == 302:
            got = LOGIN if response.location.startswith("/login?next=") else response.location
        else:
            got = response.status_code
            assert b"PK\x03\x04" not in response.data[:4]
        answered[name] = (got, expected)
    wrong = {name: pair for name, pair in answered.items() if pair[0] != pair[1]}
    assert not wrong, f"{role}: (got, expected) {wrong}"
