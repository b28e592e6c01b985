"""The decision forms of the pages, fed with JSON: the API validates a decision, a review and a
comment by the very rules of the forms, then writes it through the same services."""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from scorecard.api import problems
from scorecard.api.problems import ApiProblem
from scorecard.forms.decisions import CommentForm, DecisionForm, ReviewForm
from scorecard.models import Decision
from scorecard.services import decision_inputs

SCALARS = ("team_id", "title", "question", "context", "decision_taken", "alternatives", "status")
# Form field names that the API spells otherwise.
DECISION_NAMES = {"waste": "waste_lines"}
ENTRY_NAMES = {"line_id": "id"}


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "y" if value else ""
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def current_state(decision: Decision) -> dict[str, Any]:
    """A decision as the API's input spells it."""
    state = decision_inputs.state_of(decision)
    state["waste_lines"] = state.pop("waste")
    return state


def merged(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The decision with the sent fields changed: impacts by group, waste lines as a whole."""
    state = {**current, **{k: v for k, v in changes.items() if k != "impacts"}}
    if "impacts" in changes:
        by_group = {i["group_id"]: i for i in current["impacts"]}
        for item in changes["impacts"]:
            by_group[item["group_id"]] = {**by_group.get(item["group_id"], {}), **item}
        state["impacts"] = list(by_group.values())
    return state


def decision_formdata(data: dict[str, Any]) -> MultiDict[str, str]:
    pairs = [(key, _text(data[key])) for key in SCALARS if data.get(key) is not None]
    pairs += [(key, _text(data.get(key))) for key in ("decided_on", "review_due")]
    pairs.append(("tags", ", ".join(data.get("tags") or ())))
    for i, item in enumerate(data.get("impacts") or ()):
        pairs += [(f"impacts-{i}-{k}", _text(v)) for k, v in item.items() if v not in ("", False)]
    for i, line in enumerate(data.get("waste_lines") or ()):
        for key, value in line.items():
            pairs.append((f"waste-{i}-{'line_id' if key == 'id' else key}", _text(value)))
    return MultiDict(pairs)


def _form_errors(form: Any, sent: dict[str, Any], names: dict[str, str]) -> list[dict[str, str]]:
    """The form's errors, each pointing at the member of the request body it is about."""
    found: list[dict[str, str]] = []
    for name, messages in form.errors.items():
        if isinstance(messages, dict) or (messages and isinstance(messages[0], dict)):
            continue
        found.append(problems.error([names.get(name, name)], " ".join(messages)))
    for list_name in ("impacts", "waste", "actuals"):
        entries = getattr(form, list_name, None)
        if entries is None:
            continue
        api_name = names.get(list_name, list_name)
        for position, entry in enumerate(entries):
            index = _position(entry, sent.get(api_name) or (), position)
            for field, messages in entry.form.errors.items():
                path = [api_name, index, ENTRY_NAMES.get(field, field)]
                found.append(problems.error(path, " ".join(messages)))
    return found


def _position(entry: Any, sent: Any, position: int) -> int:
    """Where the form's row came from in the request: impacts are matched by their group."""
    group_id = getattr(entry.form, "group_id", None)
    if group_id is not None and group_id.data is not None:
        for i, item in enumerate(sent):
            if item.get("group_id") == group_id.data:
                return i
    return position


def invalid(errors: list[dict[str, str]]) -> ApiProblem:
    return ApiProblem(
        422, "The decision was not saved: see errors.", kind="invalid-input", errors=errors
    )


def refuse(form: Any, sent: dict[str, Any], names: dict[str, str] | None = None) -> ApiProblem:
    return invalid(_form_errors(form, sent, names or {}))


def review_formdata(data: dict[str, Any], version: int) -> MultiDict[str, str]:
    pairs = [("version", str(version)), ("reviewed_on", _text(data["reviewed_on"]))]
    pairs += [("what_happened", data["what_happened"]), ("lessons", data.get("lessons") or "")]
    for i, item in enumerate(data["actuals"]):
        pairs += [(f"actuals-{i}-group_id", _text(item["group_id"]))]
        pairs += [(f"actuals-{i}-actual", _text(item["actual"]))]
    for i, item in enumerate(data["waste"]):
        pairs += [(f"waste-{i}-{k}", _text(v)) for k, v in item.items()]
    return MultiDict(pairs)


def decision_form(data: dict[str, Any], group_ids: list[int]) -> DecisionForm:
    """The form of the pages, holding this input; like the page, it has a row for every
    active stakeholder group (no effect, 0, for the groups the input leaves out)."""
    impacts = list(data.get("impacts") or ())
    named = {item.get("group_id") for item in impacts}
    impacts += [{"group_id": g, "impact": 0} for g in group_ids if g not in named]
    return DecisionForm(
        formdata=decision_formdata({**data, "impacts": impacts}), meta={"csrf": False}
    )


def review_form(data: dict[str, Any], version: int, decided_on: date) -> ReviewForm:
    form = ReviewForm(formdata=review_formdata(data, version), meta={"csrf": False})
    form.decided_on = decided_on
    return form


def comment_form(body: str) -> CommentForm:
    return CommentForm(formdata=MultiDict([("body", body)]), meta={"csrf": False})
