"""What matters to us: survey rounds, anonymous answers, aggregates of 5 or more, reminders,
and adopting the weights a round proposes as a new method version used everywhere."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import MethodVersion, StakeholderGroup
from scorecard.models_surveys import SurveyInvitation, SurveyResponse
from tests.conftest import sign_in
from tests.web.dashboard_page import json_block

GROUPS = ("Workers", "Customers", "Communities", "Nature", "Owners")
CATEGORIES = 6


def open_round(client, teams, title="What matters to us", days=14, opens=None):
    opens = opens or date.today()
    response = client.post(
        "/surveys/new",
        data={
            "title": title,
            "opens_on": opens.isoformat(),
            "closes_on": (opens + timedelta(days=days)).isoformat(),
            "teams": [str(t.id) for t in teams],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return int(re.search(r"/surveys/(\d+)/results", response.headers["Location"]).group(1))


def answer_data(groups=(5, 4, 3, 2, 1), category=3, comment=""):
    data = {"comment": comment}
    for i, (group_id, value) in enumerate(zip(range(1, 6), groups, strict=True)):
        data[f"groups-{i}-item_id"] = str(group_id)
        data[f"groups-{i}-rating"] = "na" if value is None else str(value)
    for i in range(CATEGORIES):
        data[f"categories-{i}-item_id"] = str(i + 1)
        data[f"categories-{i}-rating"] = str(category)
    return data


def answer(client, round_id, **kwargs):
    return client.post(f"/surveys/{round_id}", data=answer_data(**kwargs))


@pytest.fixture
def team_of(make, org):
    """Operations with 6 staff besides its manager and staff member; Sales with 3."""
    org.ops_people = [make.user(f"ops{n}@example.com", "staff", teams=(org.ops,)) for n in range(6)]
    org.sales_people = [
        make.user(f"sales{n}@example.com", "staff", teams=(org.sales,)) for n in range(3)
    ]
    return org


def as_user(client, email):
    client.post("/logout")
    sign_in(client, email)
    return client


def test_admin_opens_a_round_inviting_every_member(app, client, team_of):
    sign_in(client, team_of.admin.email)
    round_id = open_round(client, [team_of.ops])
    with app.app_context():
        invited = db.session.scalars(
            sa.select(SurveyInvitation.user_id).where(SurveyInvitation.round_id == round_id)
        ).all()
    # 6 staff, the staff member and the manager of Operations.
    assert len(invited) == 8
    page = client.get(f"/surveys/{round_id}/results").get_data(as_text=True)
    assert "0 of 8 invited people answered" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "A round needs a title."),
        ({"closes_on": "2020-01-01"}, "A round closes on or after the day it opens."),
        ({"teams": []}, "Invite at least one team."),
        ({"opens_on": "14/03/2026"}, "Enter a date as YYYY-MM-DD"),
    ],
)
def test_bad_rounds_are_refused(client, team_of, fields, message):
    sign_in(client, team_of.admin.email)
    data = {
        "title": "Round",
        "opens_on": date.today().isoformat(),
        "closes_on": date.today().isoformat(),
        "teams": [str(team_of.ops.id)],
        **fields,
    }
    response = client.post("/surveys/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_six_respondents_show_an_aggregate_four_show_none(app, client, team_of):
    sign_in(client, team_of.admin.email)
    six = open_round(client, [team_of.ops], title="Six answer")
    four = open_round(client, [team_of.ops], title="Four answer")
    for n, person in enumerate(team_of.ops_people):
        as_user(client, person.email)
        assert (
            answer(client, six, groups=(5, 4, 3, 2, n % 5 + 1), comment=f"note {n}").status_code
            == 302
        )
        if n < 4:
            answer(client, four, comment=f"secret {n}")
    as_user(client, team_of.manager.email)
    shown = client.get(f"/surveys/{six}/results").get_data(as_text=True)
    assert 'data-respondents="6"' in shown
    assert "Fewer than 5 people" not in shown.split('id="h-team')[0]
    # Workers: 5 from all six. Owners: 1, 2, 3, 4, 5, 1: mean 16/6 = 2.67.
    assert re.search(r">Workers<.*?</th>\s*<td[^>]*>5.00", shown, re.S)
    assert re.search(r">Owners<.*?</th>\s*<td[^>]*>2.67", shown, re.S)
    assert "note 3" in shown  # comments without names, with 5 or more respondents
    hidden = client.get(f"/surveys/{four}/results").get_data(as_text=True)
    assert "data-respondents" not in hidden
    assert "Fewer than 5 people have answered for The organisation" in hidden
    assert "secret" not in hidden


def test_no_individual_answer_is_stored_with_a_name_or_shown(app, client, team_of):
    sign_in(client, team_of.admin.email)
    round_id = open_round(client, [team_of.ops])
    person = team_of.ops_people[0]
    as_user(client, person.email)
    answer(client, round_id, groups=(1, 1, 1, 1, 1), comment="only mine")
    with app.app_context():
        response = db.session.scalars(sa.select(SurveyResponse)).one()
        columns = SurveyResponse.__table__.columns.keys()
    assert "user_id" not in columns and str(person.id) != response.respondent_key
    # The person sees their own answer to change it; no one else sees it.
    mine = client.get(f"/surveys/{round_id}").get_data(as_text=True)
    assert "only mine" in mine
    for other in (team_of.manager.email, team_of.admin.email, team_of.ops_people[1].email):
        as_user(client, other)
        for path in (f"/surveys/{round_id}", f"/surveys/{round_id}/results"):
            assert "only mine" not in client.get(path, follow_redirects=True).get_data(as_text=True)


def test_an_answer_changes_until_the_round_closes_and_counts_once(app, client, team_of):
    sign_in(client, team_of.admin.email)
    round_id = open_round(client, [team_of.ops])
    as_user(client, team_of.staff.email)
    answer(client, round_id, groups=(1, 1, 1, 1, 1))
    response = answer(client, round_id, groups=(5, 5, 5, 5, None))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1
    page = client.get(f"/surveys/{round_id}").get_data(as_text=True)
    assert re.search(r'value="na"[^>]*checked|checked[^>]*value="na"', page)
    # Closed (yesterday was its last day): the answer can no longer change.
    with app.app_context(), db.writing() as session:
        from scorecard.models_surveys import SurveyRound

        survey = session.get(SurveyRound, round_id)
        survey.opens_on = survey.closes_on = date.today() - timedelta(days=1)
    assert answer(client, round_id).status_code == 403


def test_every_group_and_category_must_be_rated(client, team_of):
    sign_in(client, team_of.admin.email)
    round_id = open_round(client, [team_of.ops])
    as_user(client, team_of.staff.email)
    data = answer_data()
    del data["groups-2-rating"]
    data["categories-0-rating"] = "7"
    response = client.post(f"/surveys/{round_id}", data=data)
    assert response.status_code == 400
    assert "Choose 1 to 5, or not relevant." in response.get_data(as_text=True)
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_who_sees_which_round(client, team_of):
    sign_in(client, team_of.admin.email)
    round_id = open_round(client, [team_of.ops])
    as_user(client, team_of.other_staff.email)
    assert client.get(f"/surveys/{round_id}").status_code == 404
    assert client.get(f"/surveys/{round_id}/results").status_code == 404
    assert "What matters to us</a>" not in client.get("/surveys").get_data(as_text=True)
    as_user(client, team_of.staff.email)
    listing = client.get("/surveys").get_data(as_text=True)
    assert f'href="/surveys/{round_id}"' in listing


def test_reminders_reach_each_person_once_and_show_on_their_next_visit(app, client, team_of):
    sign_in(client, team_of.admin.email)
    round_id = open_round(client, [team_of.sales])
    as_user(client, team_of.sales_people[0].email)
    banner = client.get("/suggestions").get_data(as_text=True)
    assert "asks what matters to you" in banner and "Reminder:" not in banner
    answer(client, round_id)
    assert "asks what matters to you" not in client.get("/suggestions").get_data(as_text=True)
    as_user(client, team_of.admin.email)
    first = client.post(f"/surveys/{round_id}/remind", follow_redirects=True)
    # Sales: sam and two more staff have not answered.
    assert "3 people were reminded." in first.get_data(as_text=True)
    again = client.post(f"/surveys/{round_id}/remind", follow_redirects=True)
    assert "Everyone invited has answered or been reminded already." in again.get_data(as_text=True)
    as_user(client, team_of.sales_people[1].email)
    assert "Reminder:" in client.get("/decisions").get_data(as_text=True)
    bell = client.get("/notifications").get_data(as_text=True)
    assert "Reminder: “What matters to us” asks what matters to you" in bell
    assert "done</span>" not in bell
    answer(client, round_id)
    assert "done</span>" in client.get("/notifications").get_data(as_text=True)
    # The person who had answered before the reminder was not reminded.
    as_user(client, team_of.sales_people[0].email)
    assert "Reminder:" not in client.get("/notifications").get_data(as_text=True)
    # The command for cron reminds no one twice.
    result = app.test_cli_runner().invoke(args=["remind-surveys"])
    assert result.exit_code == 0, result.output
    assert "0 people reminded" in result.output


def test_adopting_proposed_weights_makes_a_method_version_used_everywhere(
    app, client, make, team_of
):
    today = date.today()
    make.decision(
        team_of.ops,
        team_of.staff,
        decided_on=today,
        impacts={"Workers": 3, "Owners": -1},
        review_due=today + timedelta(days=90),
    )
    sign_in(client, team_of.admin.email)
    round_id = open_round(client, [team_of.ops])
    for person in team_of.ops_people:
        as_user(client, person.email)
        answer(client, round_id, groups=(5, 3, 3, 3, 1))
    as_user(client, team_of.admin.email)
    preview = client.get(f"/surveys/{round_id}/weights").get_data(as_text=True)
    # Before: impact (3 - 1) / 15 → index 13.33; after, weights 5, 3, 3, 3, 1:
    # 100 · (5·3 − 1) / (3 · 15) = 31.11. The composite changes with it.
    before = _composite(client)
    assert re.search(r"Workers</th><td[^>]*>1.00</td><td[^>]*>5.00", preview)
    assert "Operations" in preview and "All teams" in preview
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.max(MethodVersion.number))) == 1
    response = client.post(f"/surveys/{round_id}/weights")
    assert response.status_code == 302
    with app.app_context():
        version = db.session.scalars(
            sa.select(MethodVersion).order_by(MethodVersion.number.desc())
        ).first()
        weights = {g.name: g.weight for g in db.session.scalars(sa.select(StakeholderGroup))}
    assert version.number == 2 and "survey round" in version.note
    assert weights == {"Workers": 5, "Customers": 3, "Communities": 3, "Nature": 3, "Owners": 1}
    after = _composite(client)
    assert after["method_version"] == 2 and after["composite"] != before["composite"]
    # The preview promised what the Teams table now shows.
    promised = re.search(r"Operations</th><td[^>]*>[^<]*</td><td[^>]*>([^<]+)<", preview).group(1)
    assert promised == f"{after['composite']:.1f}"
    # The scores command and the workbook state version 2 and give the same composite.
    cli = app.test_cli_runner().invoke(
        args=["scores", "--quarter", str(Quarter.of(today)), "--json"]
    )
    scores = json.loads(cli.output)
    assert scores["method_version"] == 2
    ops = next(t for t in scores["teams"] if t["Team"] == "Operations")
    assert ops["Composite"] == pytest.approx(after["composite"])
    client.post("/exports", data={"quarter": str(Quarter.of(today)), "team": ""})
    link = re.search(
        r'href="(/exports/[0-9a-f]{32}/download)"', client.get("/exports").get_data(as_text=True)
    )
    book = openpyxl.load_workbook(io.BytesIO(client.get(link.group(1)).data))
    teams = list(book["Teams"].iter_rows(values_only=True))
    column = teams[0].index("Composite")
    assert next(r for r in teams if r[0] == "Operations")[column] == pytest.approx(
        after["composite"]
    )
    # Adopting again changes nothing.
    again = client.post(f"/surveys/{round_id}/weights", follow_redirects=True)
    assert "already" in again.get_data(as_text=True)


def _composite(client) -> dict:
    page = client.get("/dashboard").get_data(as_text=True)
    data = json_block(page, "dashboard-scores")
    ops = next(t for t in data["teams"] if t["Team"] == "Operations")
    return {"method_version": data["method_version"], "composite": ops["Composite"]}
