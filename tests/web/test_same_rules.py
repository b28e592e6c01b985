"""The same bad decision sent through the web form, the importer (command line) and the
decisions service is refused by all three, with the same words (scorecard.domain.rules)."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest

from scorecard.domain import rules
from scorecard.extensions import db
from scorecard.models import User
from scorecard.services import decisions, reference
from scorecard.services.decision_inputs import DecisionInput, WasteInput
from scorecard.services.decisions import DecisionError
from tests.web.decision_data import RECENTLY, new_decision

FUTURE = date.today() + timedelta(days=3)

# (what is wrong, the decision's fields, one waste line's created amount, the words expected)
CASES = [
    ("decided in the future", {"decided_on": FUTURE}, None, rules.DECIDED_IN_FUTURE),
    ("year before 1900", {"decided_on": date(1899, 12, 31)}, None, rules.YEAR_RANGE),
    (
        "review due before the decision",
        {"review_due": RECENTLY - timedelta(days=1)},
        None,
        rules.DUE_BEFORE_DECISION,
    ),
    (
        "review due too late",
        {"review_due": RECENTLY + timedelta(days=rules.REVIEW_WITHIN_DAYS + 1)},
        None,
        rules.DUE_TOO_LATE,
    ),
    ("negative amount", {}, "-5", rules.NEGATIVE_AMOUNT),
    ("amount too large", {}, "2000000000000", rules.AMOUNT_TOO_LARGE),
    ("amount too precise", {}, "1.1234567", rules.TOO_PRECISE),
]
IDS = [case[0] for case in CASES]


def _fields(change: dict[str, date]) -> dict[str, date | None]:
    return {"decided_on": RECENTLY, "review_due": None, **change}


@pytest.mark.parametrize(("what", "change", "created", "words"), CASES, ids=IDS)
def test_the_form_refuses_it(app, org, login, what, change, created, words):
    fields = {k: v.isoformat() for k, v in _fields(change).items() if v is not None}
    waste = [("Energy", created, "")] if created is not None else []
    data = new_decision(app, org.ops.id, waste=waste, **fields)
    response = login(org.staff).post("/decisions/new", data=data)
    assert response.status_code == 400
    assert words in unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(("what", "change", "created", "words"), CASES, ids=IDS)
def test_the_importer_refuses_it(runner, org, tmp_path, what, change, created, words):
    fields = _fields(change)
    review_due = fields["review_due"].isoformat() if fields["review_due"] else ""
    path = tmp_path / "bad.csv"
    path.write_text(
        "team,title,decided_on,status,review_due,created: Energy\n"
        f"{org.ops.slug},A bad row,{fields['decided_on'].isoformat()},decided,{review_due},"
        f"{created or ''}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-decisions", str(path)])
    assert result.exit_code == 1
    assert f"— {words}" in result.output


@pytest.mark.parametrize(("what", "change", "created", "words"), CASES, ids=IDS)
def test_the_service_refuses_it(app, org, what, change, created, words):
    fields = _fields(change)
    with app.app_context():
        session = db.session
        energy = next(c for c in reference.active_categories(session) if c.name == "Energy")
        waste = (WasteInput(energy.id, float(created), 0.0),) if created is not None else ()
        data = DecisionInput(
            team_id=org.ops.id,
            title="A bad decision",
            question="Is it refused?",
            decision_taken="Yes",
            status="decided",
            decided_on=fields["decided_on"],
            review_due=fields["review_due"],
            waste=waste,
        )
        with pytest.raises(DecisionError) as refused:
            decisions.create(session, session.get(User, org.staff.id), data)
        assert str(refused.value) == words
        session.rollback()
