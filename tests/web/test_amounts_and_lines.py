"""Smaller limits: more waste lines than allowed are refused with a message, never cut
silently; numbers beyond a sane precision are refused, on the form and in the importer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Decision, WasteLine
from tests.web.decision_data import new_decision
from tests.web.importing import refused, upload
from tests.web.test_imports import count


def test_more_waste_lines_than_allowed_are_refused(app, login, org):
    lines = [("Energy", str(n + 1), "0") for n in range(31)]
    response = login(org.staff).post(
        "/decisions/new", data=new_decision(app, org.ops.id, waste=lines)
    )
    assert response.status_code == 400
    assert "at most 30 waste lines" in response.get_data(as_text=True)
    assert count(app) == 0
    assert count(app, WasteLine) == 0


def test_thirty_lines_are_saved_whole(app, login, org):
    lines = [("Energy", str(n + 1), "0") for n in range(30)]
    response = login(org.staff).post(
        "/decisions/new", data=new_decision(app, org.ops.id, waste=lines)
    )
    assert response.status_code == 302
    assert count(app, WasteLine) == 30


@pytest.mark.parametrize(
    "amount", ["1E-999999999", "1e-7", "0.0000001", "1E+999999999", "1" + "0" * 400, "12.1234567"]
)
def test_amounts_beyond_a_sane_precision_are_refused(app, login, org, amount):
    response = login(org.staff).post(
        "/decisions/new", data=new_decision(app, org.ops.id, waste=[("Energy", amount, "0")])
    )
    assert response.status_code == 400, amount
    page = response.get_data(as_text=True)
    assert "decimal places" in page or "at most" in page or "Enter a number" in page
    assert count(app) == 0


@pytest.mark.parametrize("amount", ["1E-999999999", "0.0000001", "12.1234567"])
def test_the_importer_refuses_the_same_amounts(app, login, org, amount):
    body = f"team,title,decided_on,created: Energy\nOperations,Precise,2026-05-04,{amount}\n"
    page = upload(login(org.manager), body).get_data(as_text=True)
    assert refused(page), amount
    assert "decimal places" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_six_decimal_places_are_kept(app, login, org):
    response = login(org.staff).post(
        "/decisions/new", data=new_decision(app, org.ops.id, waste=[("Energy", "12.123456", "0")])
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(WasteLine.created)) == pytest.approx(12.123456)
