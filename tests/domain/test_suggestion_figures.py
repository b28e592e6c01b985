"""The suggestion figures beside the scoring method, against examples computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scorecard.domain.quarters import Quarter
from scorecard.domain.suggestions import (
    ALL_TEAMS,
    SuggestionFacts,
    SuggestionRuleError,
    check_answer,
    figures,
    figures_table,
)

Q3, Q4 = Quarter(2026, 3), Quarter(2026, 4)


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


# Team 1: four suggestions. Team 2: one. None: one for the whole organisation.
FACTS = [
    # made in Q3, answered (accepted) in Q3 after 2 days
    SuggestionFacts(1, at(8, 1), at(8, 3), accepted=True),
    # made in Q3, answered (declined) in Q4 after 62 days: 1 Sep → 2 Nov
    SuggestionFacts(1, at(9, 1), at(11, 2), accepted=False),
    # made in Q4, answered (in progress, not accepted) in Q4 after 12 hours
    SuggestionFacts(1, at(10, 5), at(10, 5, 12), accepted=False),
    # made in Q4, not answered
    SuggestionFacts(1, at(10, 6), None, accepted=False),
    # team 2: made in Q4, accepted in Q4 after 4 days
    SuggestionFacts(2, at(10, 10), at(10, 14), accepted=True),
    # whole organisation: made in Q4, accepted after 10 days
    SuggestionFacts(None, at(11, 1), at(11, 11), accepted=True),
]


def test_team_figures_of_a_quarter():
    team = [f for f in FACTS if f.team_id == 1]
    q3 = figures(team, Q3)
    assert (q3.made, q3.answered, q3.accepted_pct, q3.median_days) == (2, 1, 100.0, 2.0)
    q4 = figures(team, Q4)
    # answered in Q4: the decline (62 days) and the in-progress (0.5 days); 0 of 2 accepted.
    assert (q4.made, q4.answered, q4.accepted_pct) == (2, 2, 0.0)
    assert q4.median_days == pytest.approx((62 + 0.5) / 2)


def test_nothing_answered_leaves_the_share_and_median_empty():
    only_open = [SuggestionFacts(1, at(10, 6), None, accepted=False)]
    result = figures(only_open, Q4)
    assert result.as_row() == (1, 0, None, None)


def test_naive_moments_are_read_as_utc():
    naive = [SuggestionFacts(1, datetime(2026, 9, 30, 23), datetime(2026, 10, 1, 11), True)]
    result = figures(naive, Q4)
    assert (result.made, result.answered, result.median_days) == (0, 1, 0.5)


def test_table_has_each_team_then_all_teams():
    rows = figures_table(FACTS, Q4, {1: "Operations", 2: "Sales"}, whole_organisation=True)
    assert [name for name, _ in rows] == ["Operations", "Sales", ALL_TEAMS]
    everyone = rows[-1][1]
    # Q4: made 3 (team 1: 2, team 2: 1) + the organisation's 1; answered 2 + 1 + 1 = 4, of
    # which team 2's and the organisation's were accepted: 50 %; waits 62, 0.5, 4, 10.
    assert everyone.as_row() == (4, 4, 50.0, 7.0)


def test_a_managers_scope_leaves_out_the_whole_organisation():
    rows = figures_table(FACTS, Q4, {2: "Sales"}, whole_organisation=False)
    assert rows[-1][1].as_row() == (1, 1, 100.0, 4.0)


@pytest.mark.parametrize(
    ("current", "answer", "reason", "message"),
    [
        ("accepted", "declined", "No.", "already accepted"),
        ("declined", "in_progress", "", "already declined"),
        ("in_progress", "in_progress", "", "already in progress"),
        ("open", "declined", "  ", "Say why"),
    ],
)
def test_answers_that_cannot_be(current, answer, reason, message):
    with pytest.raises(SuggestionRuleError, match=message):
        check_answer(current, answer, reason)


def test_answers_that_can_be():
    check_answer("open", "in_progress", "")
    check_answer("open", "accepted", "")
    check_answer("in_progress", "declined", "Not this year: the budget is spent.")
