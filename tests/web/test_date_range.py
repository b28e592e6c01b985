"""Dates within one range everywhere: the form and the importer refuse the same dates with a
clear message, and the quarter filter offers only quarters that hold decisions, capped."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Decision
from tests.conftest import sign_in
from tests.web.decision_data import new_decision
from tests.web.importing import refused, upload

FAR = ["9999-10-05", "9999-12-31", "5000-01-01", "1899-12-31", "0001-01-01"]


def _quarter_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="quarter".*?</select>', html, re.S)
    assert select, "no quarter filter on the log"
    return re.findall(r'<option[^>]*value="([^"]*)"', select.group(0))


@pytest.mark.parametrize("day", FAR)
@pytest.mark.parametrize("status", ["draft", "decided"])
def test_the_form_refuses_dates_out_of_range(app, login, org, day, status):
    client = login(org.staff)
    data = new_decision(app, org.ops.id, decided_on=day, status=status)
    response = client.post("/decisions/new", data=data)
    assert response.status_code == 400
    error = re.search(r'id="decided_on-error"[^>]*>([^<]+)<', response.get_data(as_text=True))
    assert error, "no message beside the date"
    assert re.search(r"\d{4}", error.group(1)), error.group(1)  # it names the range
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


@pytest.mark.parametrize("field", ["review_due"])
def test_the_form_refuses_a_review_date_out_of_range(app, login, org, field):
    client = login(org.staff)
    data = new_decision(app, org.ops.id, status="draft", **{field: "9999-12-31"})
    assert client.post("/decisions/new", data=data).status_code == 400


@pytest.mark.parametrize("day", FAR)
def test_the_importer_refuses_the_same_dates(app, login, org, day):
    client = login(org.manager)
    body = f"team,title,decided_on,status\nOperations,Far away,{day},draft\n".encode()
    page = upload(client, body).get_data(as_text=True)
    assert refused(page)
    assert "decided_on" in page
    assert day in page or day.lstrip("0") in page


def test_the_form_and_the_importer_agree_on_the_range(app, login, org):
    """A draft may be dated ahead: the last year the form takes, the importer takes too."""
    staff = app.test_client()
    sign_in(staff, org.staff.email)
    manager = app.test_client()
    sign_in(manager, org.manager.email)
    for day, expected in (("2999-12-31", 302), ("3000-01-01", 400), ("1900-01-01", 302)):
        data = new_decision(app, org.ops.id, decided_on=day, status="draft", title=f"On {day}")
        assert staff.post("/decisions/new", data=data).status_code == expected, day
        body = f"team,title,decided_on,status\nOperations,Ahead {day},{day},draft\n"
        page = upload(manager, body).get_data(as_text=True)
        assert refused(page) == (expected == 400), day


def test_the_quarter_filter_offers_only_quarters_with_decisions(app, login, org, make):
    for day in (date(2019, 2, 1), date(2026, 5, 4), date(2026, 5, 20)):
        make.decision(org.ops, org.staff, decided_on=day)
    client = login(org.staff)
    options = _quarter_options(client.get("/decisions").get_data(as_text=True))
    assert options == ["", "2026Q2", "2019Q1"]


def test_the_quarter_filter_is_capped(app, login, org, make):
    for year in range(1990, 2026):
        for month in (1, 4, 7, 10):
            make.decision(org.ops, org.staff, decided_on=date(year, month, 2), title=f"{year}")
    client = login(org.staff)
    options = _quarter_options(client.get("/decisions").get_data(as_text=True))
    assert len(options) == 1 + 80  # "Any quarter", then the latest 80
    assert options[1] == "2025Q4"
