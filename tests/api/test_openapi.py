"""The OpenAPI document: valid OpenAPI 3.1, naming every API route, with examples that run;
and its documentation page, made on the server from it, with nothing from elsewhere."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.api.conftest import ApiClient, make_token

PREFIX = "/api/v1"
UNDOCUMENTED = {f"{PREFIX}/openapi.json", f"{PREFIX}/docs"}  # the document and its page


def _spec(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    spec = _spec(client)
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises on any departure from the OpenAPI 3.1 schema


def _as_openapi(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_api_route_is_in_the_document(app, client):
    spec = _spec(client)
    served = {
        (method.lower(), _as_openapi(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX) and rule.rule not in UNDOCUMENTED
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert served == documented


def test_every_operation_says_what_it_does_and_how_it_fails(client):
    for path, item in _spec(client)["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), (method, path)
            assert "default" in operation["responses"], (method, path)


def test_every_example_in_the_document_runs(app, client, org):
    """Each request body example is sent as it is written, to the operation it documents."""
    spec = _spec(client)
    api = ApiClient(app.test_client(use_cookies=False), make_token(app, org.manager.email))
    examples = [
        (path, method, operation["requestBody"]["content"]["application/json"]["example"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
        and "example"
        in operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ]
    assert len(examples) >= 4
    decision_id = None
    ran = 0
    # The create example comes first: the others act on the decision it makes.
    for path, method, example in sorted(examples, key=lambda e: "{" in e[0]):
        headers = {}
        if "{decision_id}" in path:
            assert decision_id is not None
            version = api.get(f"{PREFIX}/decisions/{decision_id}").headers["ETag"]
            headers["If-Match"] = version
            path = path.replace("{decision_id}", str(decision_id))
        response = api.open(method.upper(), path, json=example, headers=headers)
        assert response.status_code in (200, 201, 202), (method, path, response.get_json())
        if path == f"{PREFIX}/decisions" and method == "post":
            decision_id = response.get_json()["id"]
        ran += 1
    assert ran == len(examples)


def test_the_documentation_page_works_offline(client):
    response = client.get(f"{PREFIX}/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "List decisions" in html and "If-Match" in html and "DecisionCreate" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # every asset from this server
    assert "<script" not in html.split("</main>")[0].split("<main")[1]
