"""The API's decision list takes every filter of the Decisions page, by the same names, and
gives the same decisions: each KPI link of the demo organisation's dashboard, asked of the API,
lists exactly the decisions the page lists."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from scorecard.forms.decisions import LogFilterForm
from tests.api.conftest import ApiClient, make_token
from tests.api.test_api_figures import DEMO_ADMIN, DEMO_PASSWORD, demo  # noqa: F401
from tests.conftest import sign_in
from tests.web.test_drill_down import _cards, _listed

PAGE_ONLY = {"page"}  # the page's own paging; the API pages by cursor


def test_every_filter_of_the_log_is_a_parameter_of_the_api(app):
    with app.test_request_context():
        names = {field.name for field in LogFilterForm()}
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/api/v1/decisions"]["get"]
    parameters = {p["name"] for p in listing["parameters"] if p["in"] == "query"}
    assert names - PAGE_ONLY <= parameters, names - parameters


def _api_ids(api: ApiClient, query: dict[str, str]) -> set[int]:
    found: set[int] = set()
    cursor = None
    while True:
        asked = {**query, "limit": "200", **({"cursor": cursor} if cursor else {})}
        response = api.get("/api/v1/decisions", query_string=asked)
        assert response.status_code == 200, (query, response.get_json())
        body = response.get_json()
        found |= {item["id"] for item in body["items"]}
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def test_each_kpi_link_lists_the_same_decisions_in_the_api(app, client, demo):  # noqa: F811
    quarter = demo
    api = ApiClient(
        app.test_client(use_cookies=False),
        make_token(app, DEMO_ADMIN, scope="read", password=DEMO_PASSWORD),
    )
    sign_in(client, DEMO_ADMIN, DEMO_PASSWORD)
    cards = _cards(client, f"/dashboard?quarter={quarter}")
    assert len(cards) >= 8
    compared = 0
    for kpi, url in sorted(cards.items()):
        query = {k: v for k, v in parse_qsl(urlsplit(url).query) if k not in PAGE_ONLY}
        listed = _listed(client, url)
        assert _api_ids(api, query) == listed, (kpi, url)
        compared += bool(listed)
    assert compared >= 6  # most figures count some decisions of the quarter
