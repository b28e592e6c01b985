"""The scores service loads decisions from the database and agrees with the scoring module."""

from __future__ import annotations

from datetime import date

import pytest

from scorecard.extensions import db
from scorecard.services import scores


def test_decision_figures_of_ops_1(app, make, org):
    ops1 = make.decision(
        org.ops,
        org.staff,
        decided_on=date(2026, 1, 20),
        review_due=date(2026, 4, 15),
        reviewed_on=date(2026, 4, 10),
        impacts={"Workers": 1, "Customers": 1, "Communities": 2, "Nature": 3, "Owners": -1},
        consulted=("Customers", "Communities"),
        waste=[("Spend", 1200, 0), ("Energy", 0, 500), ("Travel", 0, 8000)],
        actuals={"Workers": 1, "Customers": 0, "Communities": 2, "Nature": 2, "Owners": 0},
    )
    with app.app_context():
        figures = scores.decision_figures(db.session, [ops1.id]).loc[ops1.id]
        actual = scores.decision_figures(db.session, [ops1.id], actual=True).loc[ops1.id]
    assert figures["impact_index"] == pytest.approx(40)
    assert figures["business_index"] == pytest.approx(-33.333, abs=1e-3)
    assert not figures["shared_value"]
    assert figures["net_waste"] == pytest.approx(3750)
    assert figures["coverage"] == pytest.approx(40)
    assert actual["impact_index"] == pytest.approx(100 * 5 / 15)


def test_no_decisions_gives_an_empty_frame(app):
    with app.app_context():
        assert scores.decision_figures(db.session, []).empty
