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
import sqlalchemy as sa
from flask import Flask

from scorecard import permissions
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Answer, Notification, User
from scorecard.services import alerts, exports, notifications, suggestions, surveys
from scorecard.tasks.exports import start_export
from scorecard.views.dashboard import plotly_url
from tests.api.conftest import make_token
from tests.conftest import sign_in
from tests.web.voice_helpers import answer, consult

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


def api(author, teammate, other_team, manager, admin) -> dict[str, object]:
    """An API route: without a token, 401."""
    return row(401, author, teammate, other_team, manager, admin)


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
    # Single sign-on is off unless the environment names a provider (tests/sso turn it on).
    ("GET", "/login/sso"): everyone(404),
    ("GET", "/login/sso/callback"): everyone(404),
    ("GET", "/account"): signed_in(200),
    ("POST", "/account"): signed_in(400),
    ("POST", "/account/email"): signed_in(400),
    # The unsubscribe link of an email works without signing in; a token not signed by the
    # application names no one.
    ("GET", "/unsubscribe/<token>"): everyone(404),
    ("POST", "/unsubscribe/<token>"): everyone(404),
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
    # Notifications: each person's own; another's notification does not exist for them.
    ("GET", "/notifications"): signed_in(200),
    ("GET", "/notifications/<int:notification_id>"): row(LOGIN, 303, 404, 404, 404, 404),
    ("POST", "/notifications/<int:notification_id>/read"): row(LOGIN, 302, 404, 404, 404, 404),
    ("POST", "/notifications/read-all"): signed_in(302),
    # A person's own pages. The profile is of the author: people of another team do not see it.
    ("GET", "/me"): signed_in(200),
    ("POST", "/me/aim"): signed_in(302),
    ("GET", "/people/<int:user_id>"): row(LOGIN, 200, 200, 404, 200, 200),
    ("GET", "/decisions/<int:decision_id>/mentions"): row(LOGIN, 200, 200, 404, 200, 200),
    # Only the team's managers (and admins) write its purpose; an empty form saves nothing.
    ("POST", "/teams/<slug>/purpose"): row(LOGIN, 403, 403, 404, 302, 302),
    # Consultations: the author or a manager asks; whoever sees the decision sees them; only
    # managers hide a comment. The public page takes no account: an empty answer is refused.
    ("GET", "/decisions/<int:decision_id>/consultations/new"): row(LOGIN, 200, 403, 404, 200, 200),
    ("POST", "/decisions/<int:decision_id>/consultations/new"): row(LOGIN, 400, 403, 404, 400, 400),
    ("GET", "/decisions/<int:decision_id>/consultations/<int:consultation_id>"): row(
        LOGIN, 200, 200, 404, 200, 200
    ),
    ("GET", "/decisions/<int:decision_id>/consultations/<int:consultation_id>/poster"): row(
        LOGIN, 200, 200, 404, 200, 200
    ),
    ("POST", "/decisions/<int:decision_id>/consultations/<int:consultation_id>/close"): row(
        LOGIN, 302, 403, 404, 302, 302
    ),
    ("POST", "/decisions/<int:decision_id>/consultations/<int:consultation_id>/revoke"): row(
        LOGIN, 302, 403, 404, 302, 302
    ),
    (
        "POST",
        "/decisions/<int:decision_id>/consultations/<int:consultation_id>/answers/<int:answer_id>/hide",
    ): row(LOGIN, 403, 403, 404, 302, 302),
    ("GET", "/c/<token>"): everyone(200),
    ("POST", "/c/<token>"): everyone(400),
    # Dashboards: everyone signed in sees the teams they may see.
    ("GET", "/dashboard"): signed_in(200),
    ("GET", "/teams/<slug>"): row(LOGIN, 200, 200, 404, 200, 200),
    ("GET", "/why/<kpi>"): signed_in(200),
    ("GET", "/how-scores-work"): signed_in(200),
    # Scorecards and imports: managers and admins. The export is of Operations, by its manager.
    ("GET", "/exports"): managers(200),
    ("POST", "/exports"): managers(400),
    ("GET", "/exports/<export_id>/download"): managers(200),
    ("GET", "/imports"): managers(200),
    ("POST", "/imports"): managers(400),
    ("GET", "/imports/template.csv"): managers(200),
    # Jobs: each person's own; the job is the Operations export started by its manager.
    ("GET", "/jobs"): signed_in(200),
    ("GET", "/jobs/<int:job_id>"): row(LOGIN, 404, 404, 404, 200, 200),
    ("GET", "/jobs/<int:job_id>/status"): row(LOGIN, 404, 404, 404, 200, 200),
    ("POST", "/alerts/<int:alert_id>/resolve"): admin_only(302),
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
    # Suggestions: the suggestion is of Operations, proposed by the author; a suggestion of
    # another team does not exist for other_team. Its proposer may not support it; a manager
    # of its team (or an admin) answers it.
    ("GET", "/suggestions"): signed_in(200),
    ("GET", "/suggestions/new"): signed_in(200),
    ("POST", "/suggestions/new"): signed_in(400),
    ("GET", "/suggestions/<int:suggestion_id>"): row(LOGIN, 200, 200, 404, 200, 200),
    ("POST", "/suggestions/<int:suggestion_id>/support"): row(LOGIN, 403, 302, 404, 302, 302),
    ("POST", "/suggestions/<int:suggestion_id>/withdraw"): row(LOGIN, 302, 302, 404, 302, 302),
    ("POST", "/suggestions/<int:suggestion_id>/comments"): row(LOGIN, 400, 400, 404, 400, 400),
    ("POST", "/suggestions/<int:suggestion_id>/answer"): row(LOGIN, 403, 403, 404, 400, 400),
    # Survey rounds: the round is open for Operations, whose members (author, teammate,
    # manager) are invited; the admin, not invited, is sent to its results; other_team sees
    # nothing of it. Only admins open rounds, propose and adopt weights, and remind.
    ("GET", "/surveys"): signed_in(200),
    ("GET", "/surveys/new"): admin_only(200),
    ("POST", "/surveys/new"): admin_only(400),
    ("GET", "/surveys/<int:round_id>"): row(LOGIN, 200, 200, 404, 200, 302),
    ("POST", "/surveys/<int:round_id>"): row(LOGIN, 400, 400, 404, 400, 302),
    ("GET", "/surveys/<int:round_id>/results"): row(LOGIN, 200, 200, 404, 200, 200),
    ("GET", "/surveys/<int:round_id>/weights"): admin_only(200),
    # Too few answers: nothing to adopt, and the admin is sent back to the proposal.
    ("POST", "/surveys/<int:round_id>/weights"): admin_only(302),
    ("POST", "/surveys/<int:round_id>/remind"): admin_only(302),
    # Webhooks (no endpoint is registered: an admin finds none)
    ("GET", "/admin/webhooks"): admin_only(200),
    ("POST", "/admin/webhooks"): admin_only(400),
    ("GET", "/admin/webhooks/<int:endpoint_id>"): admin_only(404),
    ("POST", "/admin/webhooks/<int:endpoint_id>"): admin_only(404),
    ("POST", "/admin/webhooks/<int:endpoint_id>/test"): admin_only(404),
    ("POST", "/admin/webhooks/<int:endpoint_id>/delete"): admin_only(404),
    # Personal access tokens: an empty form is refused; another user's token does not exist.
    ("POST", "/account/tokens"): signed_in(400),
    ("POST", "/account/tokens/<int:token_id>/revoke"): signed_in(404),
    # The API, called with a token of each role (anonymous: none, 401) and an empty JSON body:
    # whoever may act gets 422 (or 428 for a missing If-Match), before any validation the others
    # get 403, or 404 for another team's decision.
    ("GET", "/api/v1/openapi.json"): everyone(200),
    ("GET", "/api/v1/docs"): everyone(200),
    ("GET", "/api/v1/decisions"): api(200, 200, 200, 200, 200),
    ("POST", "/api/v1/decisions"): api(422, 422, 422, 422, 422),
    ("GET", "/api/v1/decisions/<int:decision_id>"): api(200, 200, 404, 200, 200),
    ("PATCH", "/api/v1/decisions/<int:decision_id>"): api(428, 403, 404, 428, 428),
    ("POST", "/api/v1/decisions/<int:decision_id>/review"): api(422, 403, 404, 422, 422),
    ("POST", "/api/v1/decisions/<int:decision_id>/comments"): api(422, 422, 404, 422, 422),
    ("POST", "/api/v1/decisions/<int:decision_id>/archive"): api(403, 403, 404, 200, 200),
    ("POST", "/api/v1/decisions/<int:decision_id>/restore"): api(403, 403, 404, 200, 200),
    ("GET", "/api/v1/teams"): api(200, 200, 200, 200, 200),
    ("GET", "/api/v1/stakeholder-groups"): api(200, 200, 200, 200, 200),
    ("GET", "/api/v1/waste-categories"): api(200, 200, 200, 200, 200),
    ("GET", "/api/v1/quarters/<quarter>/teams-table"): api(200, 200, 200, 200, 200),
    ("POST", "/api/v1/scorecards"): api(403, 403, 403, 422, 422),
    ("GET", "/api/v1/jobs/<int:job_id>"): api(404, 404, 404, 200, 200),
    ("GET", "/api/v1/scorecards/<export_id>/download"): api(403, 403, 403, 200, 200),
}

# Requests that change what later rows see go last, in this order; signing out is the end.
LAST = (
    ("POST", "/decisions/<int:decision_id>/consultations/<int:consultation_id>/close"),
    ("POST", "/decisions/<int:decision_id>/consultations/<int:consultation_id>/revoke"),
    ("POST", "/decisions/<int:decision_id>/archive"),
    ("POST", "/decisions/<int:decision_id>/restore"),
    ("POST", "/api/v1/decisions/<int:decision_id>/archive"),
    ("POST", "/api/v1/decisions/<int:decision_id>/restore"),
    ("POST", "/logout"),
)
IGNORED_METHODS = {"HEAD", "OPTIONS"}
DOCS = {"/api/v1/openapi.json", "/api/v1/docs"}


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
    # The job queue
    "worker": "operator",
    "serve": "operator",
    "jobs list": "operator",
    "jobs sweep": "operator",
    "send-reminders": "operator",
    "remind-surveys": "operator",
    # flask-smorest: print or write the API's OpenAPI document
    "openapi print": "operator",
    "openapi write": "operator",
    "openapi list-config-prefixes": "operator",
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
    tokens: dict[str, str]


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
        job = start_export(session, manager, Quarter.of(date.today()), scope, org.ops.slug)
        alert = alerts.raise_alert(session, "audit-chain", "Checked by role")
    with app.app_context(), db.writing() as session:
        author = session.get(User, org.staff.id)
        suggestion = suggestions.create(
            session, author, suggestions.SuggestionInput(org.ops.id, "Checked by role", "")
        )
        survey = surveys.open_round(
            session,
            session.get(User, org.admin.id),
            surveys.RoundInput("Checked by role", date.today(), date.today(), (org.ops.id,)),
        )
        notifications.notify(
            session,
            [org.staff.id],
            "comment",
            key="route-table",
            title="A comment on “Checked by role”",
            link=f"/decisions/{decision.id}",
        )
        notification_id = session.scalar(
            sa.select(Notification.id).where(Notification.key == "route-table")
        )
    consultation_id, public_path = consult(app, decision, org.staff)
    assert answer(app.test_client(), public_path, -3, comment="Abusive words.").status_code == 303
    with app.app_context():
        answer_id = db.session.scalar(
            sa.select(Answer.id).where(Answer.consultation_id == consultation_id)
        )
    with app.test_request_context():
        plotly = plotly_url()
    return World(
        values={
            "digest": plotly.rsplit("/plotly.", 1)[1].removesuffix(".min.js"),
            "export_id": export.id,
            "job_id": job.id,
            "alert_id": alert.id,
            "slug": org.ops.slug,
            "kpi": "harm",
            "decision_id": decision.id,
            "notification_id": notification_id,
            "user_id": org.staff.id,
            "team_id": org.ops.id,
            "group_id": 1,
            "category_id": 1,
            "filename": "app.css",
            "suggestion_id": suggestion.id,
            "round_id": survey.id,
            "consultation_id": consultation_id,
            "answer_id": answer_id,
            "token": public_path.removeprefix("/c/"),
            "token_id": 10_000,
            "endpoint_id": 10_000,
            "quarter": str(Quarter.of(date.today())),
        },
        users={
            "author": org.staff.email,
            "teammate": teammate.email,
            "other_team": org.other_staff.email,
            "manager": org.manager.email,
            "admin": org.admin.email,
        },
        tokens={
            role: make_token(app, email)
            for role, email in (
                ("author", org.staff.email),
                ("teammate", teammate.email),
                ("other_team", org.other_staff.email),
                ("manager", org.manager.email),
                ("admin", org.admin.email),
            )
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
        if rule.startswith("/api/v1/") and rule not in DOCS:
            token = world.tokens.get(role)
            response = client.open(
                path,
                method=method,
                json={} if method in ("POST", "PATCH") else None,
                headers={"Authorization": f"Bearer {token}"} if token else {},
            )
        else:
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
