"""The demo organisation comes with suggestions in every state, for the board and its figures."""

from __future__ import annotations

import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Decision
from scorecard.models_suggestions import Suggestion
from tests.conftest import sign_in


def test_demo_suggestions_fill_the_board(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        found = db.session.scalars(sa.select(Suggestion)).all()
        assert {s.status for s in found} == {"open", "in_progress", "accepted", "declined"}
        accepted = next(s for s in found if s.status == "accepted")
        draft = db.session.get(Decision, accepted.decision_id)
        assert draft.status == "draft" and draft.team_id == accepted.team_id
        declined = next(s for s in found if s.status == "declined")
        assert declined.decline_reason
    sign_in(client, "staff@example.com", "do-better-demo")
    board = client.get("/suggestions").get_data(as_text=True)
    assert "Reuse the pallets our suppliers leave behind" in board
    assert "Second-hand office furniture for the new floor" in board
