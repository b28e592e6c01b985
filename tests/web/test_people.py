"""Comments that reach people (@mentions, questions, answers), My page, profiles, a team's
purpose, and who may record a review."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.web.test_notifications import bell


def notifications_of(client) -> str:
    return client.get("/notifications").get_data(as_text=True)


def comment(client, decision, body, **extra):
    response = client.post(f"/decisions/{decision.id}/comments", data={"body": body, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("comment-", 1)[1])


def test_a_mention_reaches_the_person_mentioned_and_no_one_else(make, org, login):
    tess = make.user("tess@example.com", "staff", teams=(org.ops,), name="Tess Ray")
    decision = make.decision(org.ops, org.manager, title="Night shifts")
    client = login(org.staff)
    comment(client, decision, "What do you think, @tess? And @sam, who cannot see it.")
    client.post("/logout")

    login(tess)
    page = notifications_of(client)
    assert "Staff mentioned you on “Night shifts”" in page
    assert bell(client) == "Notifications, 1 unread"
    html = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert f'<a class="mention" href="/people/{tess.id}">@tess</a>' in html
    assert "@sam, who" in html and f'href="/people/{org.other_staff.id}"' not in html
    client.post("/logout")

    login(org.other_staff)  # of another team: neither told nor linked
    assert bell(client) == "Notifications, none unread"
    client.post("/logout")
    login(org.manager)  # the author is told of the comment, once, not of a mention
    page = notifications_of(client)
    assert page.count('class="notification-title') == 1
    assert "Staff commented on “Night shifts”" in page


def test_mention_suggestions_come_from_people_who_can_see_the_decision(make, org, login):
    make.user("tess@example.com", "staff", teams=(org.ops,), name="Tess Ray")
    decision = make.decision(org.ops, org.staff)
    client = login(org.staff)
    found = client.get(f"/decisions/{decision.id}/mentions?q=te").get_json()
    assert found == [{"name": "Tess Ray", "handle": "tess"}]
    everyone = {p["handle"] for p in client.get(f"/decisions/{decision.id}/mentions").get_json()}
    assert everyone == {"admin", "manager", "staff", "tess"}  # not sam, of Sales
    client.post("/logout")
    login(org.other_staff)
    assert client.get(f"/decisions/{decision.id}/mentions?q=t").status_code == 404


def test_a_question_waits_on_the_authors_page_until_answered(make, org, login):
    decision = make.decision(org.ops, org.staff, title="Vans")
    client = login(org.manager)
    question = comment(client, decision, "Did the drivers agree?", is_question="y")
    client.post("/logout")

    login(org.staff)
    assert "Manager asked you a question on “Vans”" in notifications_of(client)
    me = client.get("/me").get_data(as_text=True)
    assert "Did the drivers agree?" in me
    reply = client.get(f"/decisions/{decision.id}?reply_to={question}").get_data(as_text=True)
    assert "Answering Manager’s question" in reply
    comment(client, decision, "Yes, all of them.", reply_to=str(question))
    assert "Did the drivers agree?" not in client.get("/me").get_data(as_text=True)
    assert bell(client) == "Notifications, none unread"  # the question is answered: done
    client.post("/logout")

    login(org.manager)
    assert "Staff answered your question on “Vans”" in notifications_of(client)


def test_an_answer_must_be_to_a_comment_of_the_same_decision(make, org, login):
    first = make.decision(org.ops, org.staff, title="First")
    other = make.decision(org.ops, org.staff, title="Other")
    elsewhere = make.comment(other, org.manager, "Elsewhere")
    client = login(org.staff)
    response = client.post(
        f"/decisions/{first.id}/comments", data={"body": "Hi", "reply_to": elsewhere.id}
    )
    assert response.status_code == 400
    assert "not on this decision" in response.get_data(as_text=True)


def test_my_page_shows_my_decisions_reviews_and_calibration(make, org, login):
    make.decision(org.ops, org.staff, title="A draft of mine", status="draft")
    make.decision(
        org.ops,
        org.staff,
        title="Due of mine",
        decided_on=date.today() - timedelta(days=100),
        review_due=date.today() - timedelta(days=2),
    )
    for quarters_ago, actual in ((3, -1), (2, 0), (1, 1)):
        decided = date.today() - timedelta(days=92 * quarters_ago)
        make.decision(
            org.ops,
            org.staff,
            title=f"Reviewed {quarters_ago}",
            status="reviewed",
            decided_on=decided,
            review_due=decided + timedelta(days=10),
            reviewed_on=decided + timedelta(days=10),
            impacts={"Workers": 2},
            actuals={"Workers": actual},
        )
    client = login(org.staff)
    page = client.get("/me").get_data(as_text=True)
    assert "A draft of mine" in page
    assert re.search(r"Yours to record.*Due of mine", page, re.S)
    assert "Improving 2 quarters in a row" in page  # gaps 3, 2, 1
    assert 'data-chart="calibration"' in page
    rows = re.findall(
        r'<th scope="row">(\d{4}Q\d)</th><td class="text-end fw-semibold">([\d.]+)', page
    )
    assert [gap for _q, gap in rows] == ["1.00", "2.00", "3.00"]  # newest first


def test_my_aim_shows_on_my_profile(make, org, login):
    make.decision(org.ops, org.staff, title="Shown beside the aim")
    client = login(org.staff)
    client.post("/me/aim", data={"aim": "Fewer wasted deliveries."})
    client.post("/logout")
    login(org.manager)
    profile = client.get(f"/people/{org.staff.id}").get_data(as_text=True)
    assert "Fewer wasted deliveries." in profile
    assert "Shown beside the aim" in profile
    client.post("/logout")
    login(org.other_staff)
    assert client.get(f"/people/{org.staff.id}").status_code == 404


def test_an_aim_too_long_is_refused_with_a_message(org, login):
    client = login(org.staff)
    response = client.post("/me/aim", data={"aim": "x" * 301}, follow_redirects=True)
    assert "Keep it to 300 characters." in response.get_data(as_text=True)


def test_a_teams_purpose_is_written_by_its_managers(org, login):
    client = login(org.staff)
    assert client.post(f"/teams/{org.ops.slug}/purpose", data={"purpose": "x"}).status_code == 403
    client.post("/logout")
    login(org.manager)
    client.post(f"/teams/{org.ops.slug}/purpose", data={"purpose": "Deliver with no waste."})
    assert "Deliver with no waste." in client.get(f"/teams/{org.ops.slug}").get_data(as_text=True)


def test_the_due_list_separates_mine_from_my_teams_and_says_the_rule(make, org, login):
    tess = make.user("tess@example.com", "staff", teams=(org.ops,), name="Tess Ray")
    late = dict(
        decided_on=date.today() - timedelta(days=100), review_due=date.today() - timedelta(days=3)
    )
    mine = make.decision(org.ops, org.staff, title="Mine to record", **late)
    theirs = make.decision(org.ops, tess, title="Tess records it", **late)
    client = login(org.staff)
    page = client.get("/decisions/due").get_data(as_text=True)
    yours, team = page.split('id="team"')
    assert "Mine to record" in yours and f"/decisions/{mine.id}/review" in yours
    assert "Tess records it" in team and f"/decisions/{theirs.id}/review" not in page
    assert "Who records a review" in page
    badge = re.search(r'text-bg-warning ms-1">(\d+)<span class="visually-hidden"> due', page)
    assert badge.group(1) == "1"  # only the review that is mine to record
    client.post("/logout")
    login(org.manager)
    page = client.get("/decisions/due").get_data(as_text=True)
    assert f"/decisions/{theirs.id}/review" in page and f"/decisions/{mine.id}/review" in page


def test_the_log_filters_by_author(make, org, login):
    make.decision(org.ops, org.staff, title="Written by staff")
    make.decision(org.ops, org.manager, title="Written by the manager")
    client = login(org.staff)
    page = client.get(f"/decisions?author={org.staff.id}").get_data(as_text=True)
    assert "Written by staff" in page and "Written by the manager" not in page
    assert ">Me</option>" in page


def test_a_teams_purpose_shows_on_the_dashboard_and_in_the_workbook(
    app, make, org, login, tmp_path
):
    import openpyxl

    make.decision(org.ops, org.staff, decided_on=date.today())
    make.decision(org.sales, org.other_staff, decided_on=date.today())
    client = login(org.manager)
    client.post(f"/teams/{org.ops.slug}/purpose", data={"purpose": "Deliver with no waste."})
    client.post("/logout")
    login(org.admin)
    assert "Deliver with no waste." in client.get("/dashboard").get_data(as_text=True)
    out = tmp_path / "card.xlsx"
    quarter = f"{date.today().year}Q{(date.today().month - 1) // 3 + 1}"
    result = app.test_cli_runner().invoke(
        args=["export-scorecard", "--quarter", quarter, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = openpyxl.load_workbook(out, read_only=True)["Summary"]
    values = [cell for row in summary.iter_rows(values_only=True) for cell in row if cell]
    assert values[values.index("Operations") + 1] == "Deliver with no waste."
