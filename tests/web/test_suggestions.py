"""The suggestions board: propose, support, discuss, answer; who sees what; the figures."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from scorecard.domain.quarters import Quarter
from scorecard.domain.suggestions import FIGURE_COLUMNS
from scorecard.extensions import db
from scorecard.models import Decision
from scorecard.models_suggestions import Suggestion
from tests.conftest import sign_in


def propose(client, team, title="Reuse supplier packaging", **fields):
    data = {"team": str(team) if team != "organisation" else team, "title": title, **fields}
    return client.post("/suggestions/new", data=data)


def suggestion_id(response) -> int:
    assert response.status_code == 302, re.findall(
        r"invalid-feedback[^>]*>([^<]*)", response.get_data(as_text=True)
    )
    return int(re.search(r"/suggestions/(\d+)$", response.headers["Location"]).group(1))


def stored(app, sid: int) -> Suggestion:
    with app.app_context(), db.writing() as session:
        found = session.get(Suggestion, sid)
        session.expunge(found)
        return found


@pytest.fixture
def people(make, org):
    org.tess = make.user("tess@example.com", "staff", teams=(org.ops,), name="Tess Teammate")
    return org


def test_staff_proposes_with_groups_and_waste(app, client, people):
    sign_in(client, people.staff.email)
    response = propose(
        client,
        people.ops.id,
        body="Our suppliers ship in boxes we throw away.",
        groups=["4", "3"],
        **{"waste-0-category_id": "1", "waste-0-avoided": "120.5"},
    )
    sid = suggestion_id(response)
    page = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert "Reuse supplier packaging" in page
    assert "Our suppliers ship in boxes we throw away." in page
    assert "Nature" in page and "Communities" in page
    assert "Materials: 120.5 kg" in page
    board = client.get("/suggestions").get_data(as_text=True)
    assert "Reuse supplier packaging" in board and "Open" in board


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "Say in a few words what could be done better."),
        ({"team": ""}, "Choose a team or the whole organisation."),
        ({"waste-0-category_id": "1", "waste-0-avoided": "-3"}, "Enter an amount of 0 or more."),
        ({"waste-0-category_id": "1", "waste-0-avoided": "1,5"}, "Use a point for decimals"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    app, client, people, fields, message
):
    sign_in(client, people.staff.email)
    data = {"team": str(people.ops.id), "title": "Something", **fields}
    response = client.post("/suggestions/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suggestion)) == 0


def test_staff_cannot_propose_for_another_team(client, people):
    sign_in(client, people.staff.email)
    response = propose(client, people.sales.id)
    assert response.status_code == 400
    assert "Choose a team or the whole organisation." in response.get_data(as_text=True)


def test_who_sees_which_suggestion(client, people):
    sign_in(client, people.staff.email)
    team_only = suggestion_id(propose(client, people.ops.id, title="Ops only idea"))
    everyone = suggestion_id(propose(client, "organisation", title="Idea for everyone"))
    client.post("/logout")
    sign_in(client, people.other_staff.email)
    assert client.get(f"/suggestions/{team_only}").status_code == 404
    assert client.get(f"/suggestions/{everyone}").status_code == 200
    board = client.get("/suggestions").get_data(as_text=True)
    assert "Idea for everyone" in board and "Ops only idea" not in board
    assert client.post(f"/suggestions/{team_only}/support").status_code == 404


def test_one_support_per_person_withdrawable_not_by_the_proposer(app, client, people):
    sign_in(client, people.staff.email)
    sid = suggestion_id(propose(client, people.ops.id))
    assert client.post(f"/suggestions/{sid}/support").status_code == 403
    client.post("/logout")
    sign_in(client, people.tess.email)
    client.post(f"/suggestions/{sid}/support")
    client.post(f"/suggestions/{sid}/support")  # twice: still one support
    assert stored(app, sid).supporters_count == 1
    assert "Tess Teammate" in client.get(f"/suggestions/{sid}").get_data(as_text=True)
    client.post(f"/suggestions/{sid}/withdraw")
    assert stored(app, sid).supporters_count == 0


def test_board_filters_sort_and_search(client, people):
    sign_in(client, people.staff.email)
    quiet = suggestion_id(propose(client, people.ops.id, title="Quiet idea", groups=["1"]))
    loud = suggestion_id(propose(client, people.ops.id, title="Loud idea", groups=["4"]))
    client.post("/logout")
    sign_in(client, people.tess.email)
    client.post(f"/suggestions/{loud}/support")
    client.post("/logout")
    sign_in(client, people.manager.email)
    client.post(f"/suggestions/{quiet}/answer", data={"status": "in_progress"})

    def titles(query: str) -> list[str]:
        page = client.get(f"/suggestions?{query}").get_data(as_text=True)
        return re.findall(r'<a href="/suggestions/\d+">([^<]+)</a>', page)

    assert titles("sort=newest") == ["Loud idea", "Quiet idea"]
    assert titles("sort=supported")[0] == "Loud idea"
    assert titles("status=in_progress") == ["Quiet idea"]
    assert titles("group=4") == ["Loud idea"]
    assert titles("q=QUIET") == ["Quiet idea"]
    assert titles("q=100%25") == []
    assert titles(f"team={people.ops.id}") == ["Loud idea", "Quiet idea"]
    assert titles("team=0") == []


def test_manager_accepts_and_a_draft_decision_credits_the_proposer(app, client, people):
    sign_in(client, people.staff.email)
    sid = suggestion_id(
        propose(
            client,
            people.ops.id,
            body="Boxes go to waste.",
            **{"waste-0-category_id": "1", "waste-0-avoided": "80"},
        )
    )
    client.post("/logout")
    sign_in(client, people.tess.email)
    assert client.post(f"/suggestions/{sid}/answer", data={"status": "accepted"}).status_code == 403
    client.post("/logout")
    sign_in(client, people.manager.email)
    response = client.post(f"/suggestions/{sid}/answer", data={"status": "accepted"})
    assert response.status_code == 302
    found = stored(app, sid)
    assert found.status == "accepted" and found.decision_id is not None
    assert found.first_answer_at is not None
    with app.app_context():
        decision = db.session.get(Decision, found.decision_id)
        assert decision.status == "draft" and decision.team_id == people.ops.id
        assert "proposed by Staff" in decision.context
        assert [(w.category_id, w.avoided) for w in decision.waste_lines] == [(1, 80.0)]
    # Linked both ways, and the proposer can open the draft.
    client.post("/logout")
    sign_in(client, people.staff.email)
    page = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert f'href="/decisions/{found.decision_id}"' in page
    decision_page = client.get(f"/decisions/{found.decision_id}").get_data(as_text=True)
    assert f'href="/suggestions/{sid}"' in decision_page
    assert "proposed by <strong>Staff</strong>" in decision_page
    # An accepted suggestion cannot be answered again.
    client.post("/logout")
    sign_in(client, people.manager.email)
    again = client.post(f"/suggestions/{sid}/answer", data={"status": "declined", "reason": "x"})
    assert again.status_code == 400


def test_decline_needs_a_reason_that_supporters_see(app, client, people):
    sign_in(client, people.staff.email)
    sid = suggestion_id(propose(client, people.ops.id))
    client.post("/logout")
    sign_in(client, people.tess.email)
    client.post(f"/suggestions/{sid}/support")
    client.post("/logout")
    sign_in(client, people.manager.email)
    refused = client.post(f"/suggestions/{sid}/answer", data={"status": "declined", "reason": " "})
    assert refused.status_code == 400
    assert "Say why it is declined" in refused.get_data(as_text=True)
    assert stored(app, sid).status == "open"
    client.post(
        f"/suggestions/{sid}/answer",
        data={"status": "declined", "reason": "The supplier takes its boxes back already."},
    )
    client.post("/logout")
    sign_in(client, people.tess.email)
    page = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert "The supplier takes its boxes back already." in page
    assert "you supported it; here is why" in page


def test_whole_organisation_suggestion_is_answered_by_an_admin_choosing_a_team(app, client, people):
    sign_in(client, people.staff.email)
    sid = suggestion_id(propose(client, "organisation", title="Car-free Fridays"))
    client.post("/logout")
    sign_in(client, people.manager.email)
    assert client.post(f"/suggestions/{sid}/answer", data={"status": "accepted"}).status_code == 403
    client.post("/logout")
    sign_in(client, people.admin.email)
    missing = client.post(f"/suggestions/{sid}/answer", data={"status": "accepted"})
    assert missing.status_code == 400
    assert "Choose the team whose decision it becomes." in missing.get_data(as_text=True)
    client.post(
        f"/suggestions/{sid}/answer", data={"status": "accepted", "team": str(people.sales.id)}
    )
    with app.app_context():
        decision = db.session.get(Decision, stored(app, sid).decision_id)
        assert decision.team_id == people.sales.id


def test_comments_are_posted_and_blank_ones_refused(client, people):
    sign_in(client, people.staff.email)
    sid = suggestion_id(propose(client, people.ops.id))
    client.post("/logout")
    sign_in(client, people.tess.email)
    assert client.post(f"/suggestions/{sid}/comments", data={"body": "  "}).status_code == 400
    response = client.post(f"/suggestions/{sid}/comments", data={"body": "We tried this in 2024."})
    assert response.status_code == 302
    assert "We tried this in 2024." in client.get(f"/suggestions/{sid}").get_data(as_text=True)


def _backdate(app, sid: int, created: datetime, answered: datetime | None) -> None:
    with app.app_context(), db.writing() as session:
        found = session.get(Suggestion, sid)
        found.created_at = created
        found.first_answer_at = answered


def test_figures_on_the_team_page_the_dashboard_and_the_workbook(app, client, people):
    quarter = Quarter.of(date.today())
    start = datetime.combine(quarter.start, datetime.min.time(), UTC)
    sign_in(client, people.staff.email)
    ids = [suggestion_id(propose(client, people.ops.id, title=f"Idea {n}")) for n in range(3)]
    client.post("/logout")
    sign_in(client, people.manager.email)
    client.post(f"/suggestions/{ids[0]}/answer", data={"status": "accepted"})
    client.post(f"/suggestions/{ids[1]}/answer", data={"status": "declined", "reason": "No."})
    # Made at the quarter's start; answered after 2 and 4 days: median 3, accepted 50 %.
    _backdate(app, ids[0], start, start + timedelta(days=2))
    _backdate(app, ids[1], start, start + timedelta(days=4))
    _backdate(app, ids[2], start, None)
    expected = {
        "Suggestions made": "3",
        "Suggestions answered": "2",
        "Suggestions accepted %": "50 %",
        "Median days to answer": "3.0",
    }
    for path in (f"/teams/{people.ops.slug}", "/dashboard"):
        page = client.get(path).get_data(as_text=True)
        assert dict(re.findall(r'data-figure="([^"]+)">([^<]+)<', page)) == expected, path
    response = client.post("/exports", data={"quarter": str(quarter), "team": ""})
    assert response.status_code == 302
    link = re.search(
        r'href="(/exports/[0-9a-f]{32}/download)"', client.get("/exports").get_data(as_text=True)
    )
    book = openpyxl.load_workbook(io.BytesIO(client.get(link.group(1)).data))
    assert book.sheetnames[-4:] == ["Suggestions", "Stakeholders heard", "Method", "Provenance"]
    rows = list(book["Suggestions"].iter_rows(values_only=True))
    assert rows[0] == ("Team", *FIGURE_COLUMNS, None, None, None)
    assert rows[1][:5] == ("Operations", 3, 2, 50, 3)
    assert rows[2][:5] == ("All teams", 3, 2, 50, 3)
    assert rows[4][:2] == ("Team", "Suggestion")
    listed = [r for r in rows[5:] if r[0]]
    assert [r[1] for r in listed] == ["Idea 0", "Idea 1", "Idea 2"]
    assert [r[2] for r in listed] == ["Accepted", "Declined", "Open"]
    assert [r[6] for r in listed] == [2, 4, None]


def bell(client) -> str:
    return client.get("/notifications").get_data(as_text=True)


def test_people_are_told_of_a_suggestion_its_answer_and_its_comments(app, client, make, people):
    bystander = make.user("bea@example.com", "staff", teams=(people.ops,), name="Bea Bystander")
    sign_in(client, people.staff.email)
    sid = suggestion_id(propose(client, people.ops.id, title="Refill stations"))
    # The manager of Operations answers it: told of it; the teammate is not.
    assert "New suggestion to answer: “Refill stations”" in bell(as_user(client, people.manager))
    assert "Refill stations" not in bell(as_user(client, people.tess))
    client.post(f"/suggestions/{sid}/support")
    # A mention reaches the person mentioned and no one else.
    client.post(f"/suggestions/{sid}/comments", data={"body": "@bea knows the supplier"})
    assert "Tess Teammate mentioned you on “Refill stations”" in bell(as_user(client, bystander))
    assert "mentioned you" not in bell(as_user(client, people.manager))
    staff_bell = bell(as_user(client, people.staff))
    assert "Tess Teammate commented on “Refill stations”" in staff_bell
    # The proposer hears of the acceptance and is led to the draft decision.
    as_user(client, people.manager)
    client.post(f"/suggestions/{sid}/answer", data={"status": "accepted"})
    decision_id = stored(app, sid).decision_id
    staff_bell = bell(as_user(client, people.staff))
    assert (
        "Your suggestion “Refill stations” is accepted: a draft decision credits you" in staff_bell
    )
    opened = re.search(r'href="(/notifications/\d+)">Your suggestion', staff_bell)
    target = client.get(opened.group(1))
    assert target.headers["Location"].endswith(f"/decisions/{decision_id}")
    assert "A suggestion you support is accepted" in bell(as_user(client, people.tess))
    # The manager's call to answer it is done.
    manager_bell = bell(as_user(client, people.manager))
    assert re.search(r"done</span>.*?New suggestion to answer", manager_bell, re.S)


def test_supporters_are_told_why_it_was_declined(client, people):
    sign_in(client, people.staff.email)
    sid = suggestion_id(propose(client, people.ops.id, title="Four-day week"))
    as_user(client, people.tess)
    client.post(f"/suggestions/{sid}/support")
    as_user(client, people.manager)
    client.post(
        f"/suggestions/{sid}/answer",
        data={"status": "declined", "reason": "Not before the new contracts in May."},
    )
    for person in (people.tess, people.staff):
        page = bell(as_user(client, person))
        assert "Declined, with a reason: “Four-day week”" in page
        assert "Not before the new contracts in May." in page


def as_user(client, user):
    client.post("/logout")
    sign_in(client, user.email)
    return client
