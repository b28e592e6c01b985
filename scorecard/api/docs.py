"""The API's documentation page, rendered on the server from the OpenAPI document: no script
and nothing fetched from elsewhere, so it works offline and reads well without JavaScript."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, current_app, render_template
from markupsafe import Markup, escape

from scorecard.api.blueprints import PREFIX

bp = Blueprint("api_docs", __name__, url_prefix=PREFIX)
METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        section = node["$ref"].split("/")[2]
        node = spec["components"][section][name]
    return node


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            found.append(
                {
                    "anchor": operation.get("operationId") or f"{method}-{path}",
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "parameters": [
                        _resolve(spec, p)
                        for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                    ],
                    "schema": (body or {}).get("schema", {}).get("$ref", "").rsplit("/", 1)[-1],
                    "example": json.dumps(body["example"], indent=2)
                    if body and "example" in body
                    else "",
                    "responses": sorted(operation.get("responses", {}).items()),
                }
            )
    return found


def prose(text: str) -> list[Markup]:
    """The document's little Markdown (paragraphs, **bold**, `code`) as HTML paragraphs."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        html = str(escape(" ".join(block.split())))
        html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
        html = re.sub(r"`(.+?)`", r"<code>\1</code>", html)
        paragraphs.append(Markup(html))  # noqa: S704 (escaped above)
    return [p for p in paragraphs if p]


@bp.get("/docs")
def page() -> str:
    spec = current_app.extensions["api"].spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations(spec),
        schemas=sorted(schemas.items()),
        resolve=lambda node: _resolve(spec, node),
        prose=prose,
    )
