"""The decisions API: the log with its filters and cursor, one decision whole, and each write
through the same rules and permissions as the pages."""

from __future__ import annotations

from datetime import date, timedelta

PROBLEM = "application/problem+json"


def _new(team_id: int, **fields):
    body = {
        "team_id": team_id,
        "title": "Refill stations instead of bottled water",
        "question": "How do we stop buying bottled water?",
        "decision_taken": "Two refill stations.",
        "decided_on": (date.today() - timedelta(days=5)).isoformat(),
        "impacts": [{"group_id": 1, "impact": 2, "consulted": True}],
    }
    body.update(fields)
    return body


def test_list_pages_by_cursor_through_every_decision_once(api_as, make, org):
    for day in range(7):
        make.decision(
            org.ops, org.staff, title=f"Decision {day}", decided_on=date(2026, 3, 1 + day)
        )
    make.decision(org.sales, org.other_staff, title="Not for ops")
    api = api_as(org.staff)
    seen, cursor, pages = [], None, 0
    while True:
        response = api.get(
            "/api/v1/decisions", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200
        body = response.get_json()
        seen += [item["title"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            assert body["links"]["next"] is None
            break
        assert "cursor=" in body["links"]["next"]
    assert pages == 3
    assert seen == [f"Decision {d}" for d in reversed(range(7))]


def test_list_applies_the_filters_of_the_log(api_as, make, org):
    make.decision(
        org.ops, org.staff, title="Helps nature", impacts={"Nature": 2}, decided_on=date(2026, 2, 3)
    )
    make.decision(
        org.ops,
        org.staff,
        title="Harms nature",
        impacts={"Nature": -1},
        decided_on=date(2026, 5, 3),
    )
    make.decision(org.ops, org.staff, title="A draft", status="draft", decided_on=date(2026, 5, 4))
    api = api_as(org.manager)
    groups = {g["name"]: g["id"] for g in api.get("/api/v1/stakeholder-groups").get_json()}

    def titles(**query):
        response = api.get("/api/v1/decisions", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [item["title"] for item in response.get_json()["items"]]

    assert titles(group=groups["Nature"], effect="harmed") == ["Harms nature"]
    assert titles(group=groups["Nature"]) == ["Harms nature", "Helps nature"]
    assert titles(quarter="2026Q1") == ["Helps nature"]
    assert titles(status="draft") == ["A draft"]
    assert titles(q="harms") == ["Harms nature"]
    assert titles(sort="oldest", limit=1) == ["Helps nature"]
    assert titles(team=org.sales.id) == []


def test_bad_filters_are_problems_naming_the_parameter(api_as, org):
    api = api_as(org.staff)
    response = api.get("/api/v1/decisions", query_string={"status": "maybe", "limit": 0})
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    named = {e["parameter"] for e in response.get_json()["errors"]}
    assert named == {"status", "limit"}
    response = api.get("/api/v1/decisions", query_string={"cursor": "nonsense"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["parameter"] == "cursor"


def test_get_returns_impacts_waste_review_and_comments(api_as, make, org):
    decision = make.decision(
        org.ops,
        org.staff,
        impacts={"Workers": 2},
        waste=[("Travel", 0, 300)],
        reviewed_on=date.today(),
        status="reviewed",
    )
    make.comment(decision, org.manager, "Well done.")
    response = api_as(org.staff).get(f"/api/v1/decisions/{decision.id}")
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{response.get_json()["version"]}"'
    body = response.get_json()
    assert {i["group"]: i["impact"] for i in body["impacts"]}["Workers"] == 2
    assert body["waste_lines"][0]["category"] == "Travel"
    assert body["waste_lines"][0]["avoided"] == 300
    assert body["review"]["what_happened"] == "As expected."
    assert [c["body"] for c in body["comments"]] == ["Well done."]
    assert body["links"]["html"] == f"/decisions/{decision.id}"


def test_another_teams_decision_does_not_exist_for_the_caller(api_as, make, org):
    decision = make.decision(org.sales, org.other_staff)
    response = api_as(org.staff).get(f"/api/v1/decisions/{decision.id}")
    assert response.status_code == 404
    assert response.content_type == PROBLEM


def test_create_answers_201_with_the_decision_and_its_location(api_as, client, login, org):
    api = api_as(org.staff)
    response = api.post("/api/v1/decisions", json=_new(org.ops.id, tags=["water", "office"]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/decisions/{body['id']}"
    assert body["tags"] == ["water", "office"]
    assert (
        body["review_due"]
        == (date.fromisoformat(body["decided_on"]) + timedelta(days=90)).isoformat()
    )
    page = login(org.staff).get(f"/decisions/{body['id']}")
    assert "Refill stations instead of bottled water" in page.get_data(as_text=True)


def test_create_is_checked_by_the_rules_of_the_form(api_as, org):
    api = api_as(org.staff)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = api.post(
        "/api/v1/decisions",
        json=_new(
            org.ops.id,
            decided_on=tomorrow,
            decision_taken="",
            impacts=[{"group_id": 1, "impact": 5}],
        ),
    )
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    pointers = {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}
    assert "future" in pointers["/decided_on"]
    assert "/decision_taken" in pointers
    assert "/impacts/0/impact" in pointers
    assert api.get("/api/v1/decisions").get_json()["items"] == []


def test_schema_errors_name_each_field(api_as, org):
    response = api_as(org.staff).post("/api/v1/decisions", json={"title": 3, "decided_on": "soon"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"team_id", "title", "question", "decided_on"} <= fields


def test_a_staff_member_cannot_log_for_another_team(api_as, org):
    response = api_as(org.staff).post("/api/v1/decisions", json=_new(org.sales.id))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/team_id"


def test_update_needs_the_current_version_and_answers_412_when_stale(api_as, org):
    api = api_as(org.staff)
    created = api.post("/api/v1/decisions", json=_new(org.ops.id)).get_json()
    path = f"/api/v1/decisions/{created['id']}"
    assert api.patch(path, json={"title": "No version"}).status_code == 428
    first = api.patch(
        path, json={"title": "Refill stations everywhere"}, headers={"If-Match": '"1"'}
    )
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["title"] == "Refill stations everywhere"
    assert first.headers["ETag"] == '"2"'
    stale = api.patch(path, json={"title": "Lost update"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.content_type == PROBLEM
    assert stale.get_json()["current_version"] == 2
    assert api.get(path).get_json()["title"] == "Refill stations everywhere"


def test_update_changes_only_what_is_sent_and_keeps_a_revision(api_as, login, org):
    api = api_as(org.staff)
    created = api.post(
        "/api/v1/decisions", json=_new(org.ops.id, context="Kept as it was.")
    ).get_json()
    path = f"/api/v1/decisions/{created['id']}"
    changed = api.patch(
        path, json={"impacts": [{"group_id": 2, "impact": -1}]}, headers={"If-Match": '"1"'}
    ).get_json()
    impacts = {i["group_id"]: i["impact"] for i in changed["impacts"]}
    assert impacts[1] == 2 and impacts[2] == -1
    assert changed["context"] == "Kept as it was."
    page = login(org.staff).get(f"/decisions/{created['id']}").get_data(as_text=True)
    assert "impact" in page and "history" in page.lower()


def test_only_who_may_edit_on_the_pages_may_edit_here(api_as, make, org):
    decision = make.decision(org.ops, org.manager)
    teammate = api_as(org.staff)
    response = teammate.patch(
        f"/api/v1/decisions/{decision.id}", json={"title": "Mine now"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 403
    assert (
        api_as(org.manager).get(f"/api/v1/decisions/{decision.id}").get_json()["title"]
        != "Mine now"
    )


def test_review_comment_archive_and_restore(api_as, make, org):
    decision = make.decision(org.ops, org.staff, waste=[("Travel", 10, 0)])
    api = api_as(org.staff)
    whole = api.get(f"/api/v1/decisions/{decision.id}").get_json()
    line = whole["waste_lines"][0]["id"]
    reviewed = api.post(
        f"/api/v1/decisions/{decision.id}/review",
        json={
            "reviewed_on": date.today().isoformat(),
            "what_happened": "Fewer trips than planned.",
            "actuals": [{"group_id": 1, "actual": 1}],
            "waste": [{"line_id": line, "actual_created": 4}],
        },
        headers={"If-Match": f'"{whole["version"]}"'},
    )
    assert reviewed.status_code == 200, reviewed.get_json()
    body = reviewed.get_json()
    assert body["status"] == "reviewed"
    assert body["waste_lines"][0]["actual_created"] == 4
    comment = api.post(f"/api/v1/decisions/{decision.id}/comments", json={"body": "  "})
    assert comment.status_code == 422
    assert comment.get_json()["errors"][0]["pointer"] == "/body"
    comment = api.post(f"/api/v1/decisions/{decision.id}/comments", json={"body": "Noted."})
    assert comment.status_code == 201
    assert api.post(f"/api/v1/decisions/{decision.id}/archive").status_code == 403
    manager = api_as(org.manager)
    archived = manager.post(f"/api/v1/decisions/{decision.id}/archive")
    assert archived.status_code == 200 and archived.get_json()["archived"] is True
    assert (
        api.post(f"/api/v1/decisions/{decision.id}/comments", json={"body": "Hi"}).status_code
        == 409
    )
    restored = manager.post(f"/api/v1/decisions/{decision.id}/restore")
    assert restored.get_json()["archived"] is False


def test_a_review_before_the_decision_is_refused_naming_the_field(api_as, make, org):
    decision = make.decision(org.ops, org.staff, decided_on=date(2026, 3, 1))
    response = api_as(org.staff).post(
        f"/api/v1/decisions/{decision.id}/review",
        json={"reviewed_on": "2026-02-01", "what_happened": "Too early."},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/reviewed_on"


def test_the_search_reads_the_full_text_index_best_match_first(api_as, make, org):
    make.decision(org.ops, org.staff, title="Night deliveries", context="Fewer warehouse runs")
    make.decision(org.ops, org.staff, title="Warehouse crates", decided_on=date(2026, 1, 5))
    api = api_as(org.staff)

    def titles(**query):
        return [
            item["title"]
            for item in api.get("/api/v1/decisions", query_string=query).get_json()["items"]
        ]

    assert titles(q="ware", sort="relevance") == ["Warehouse crates", "Night deliveries"]
    assert titles(q="ware") == ["Night deliveries", "Warehouse crates"]  # newest, as documented
    assert titles(q="house") == []  # words are found from their start
    for n in range(5):
        make.decision(org.ops, org.staff, title=f"Warehouse shelf {n}", question="Warehouse?")
    seen, cursor = [], None
    for _ in range(10):
        query = {"q": "warehouse", "sort": "relevance", "limit": 2}
        body = api.get(
            "/api/v1/decisions", query_string={**query, **({"cursor": cursor} if cursor else {})}
        ).get_json()
        seen += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # The cursor walks the order of relevance: each decision once, the best matches first.
    assert len(seen) == len(set(seen)) == 7
    assert seen[-1] == "Night deliveries"
    assert set(seen[:5]) == {f"Warehouse shelf {n}" for n in range(5)}


def test_a_search_of_punctuation_alone_is_a_problem_naming_q(api_as, org):
    response = api_as(org.staff).get("/api/v1/decisions", query_string={"q": "%% --"})
    assert response.status_code == 422  # as every refused filter of the list
    assert "punctuation alone finds nothing" in response.get_data(as_text=True)
    assert [e["parameter"] for e in response.get_json()["errors"]] == ["q"]
