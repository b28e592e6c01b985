"""Survey aggregates and proposed weights, against examples computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from scorecard.domain.survey import (
    MIN_RESPONDENTS,
    Response,
    SurveyRuleError,
    aggregate,
    check_response,
    check_round,
    proposed_weights,
    survey_weights,
)

GROUPS = (1, 2, 3)  # workers, customers, owners
CATEGORIES = (10,)


def answer(workers, customers, owners, energy=3, teams=(7,), comment=""):
    return Response(
        groups={1: workers, 2: customers, 3: owners},
        categories={10: energy},
        teams=frozenset(teams),
        comment=comment,
    )


SIX = [
    answer(5, 4, 2, comment="More time to talk to customers"),
    answer(4, 4, 1),
    answer(5, None, 2, teams=(7, 8)),
    answer(3, 5, None),
    answer(4, 3, 2, comment="  "),
    answer(5, None, 1, comment="ask the night shift"),
]


def test_six_respondents_make_an_aggregate():
    result = aggregate(SIX, GROUPS, CATEGORIES)
    assert result is not None
    assert result.respondents == 6
    workers = result.group(1)
    # 5, 4, 5, 3, 4, 5: mean 26/6; one 3, two 4s, three 5s.
    assert workers.mean == pytest.approx(26 / 6)
    assert dict(workers.counts) == {1: 0, 2: 0, 3: 1, 4: 2, 5: 3}
    assert workers.not_relevant == 0
    # population variance: (3·(2/3)² + 2·(1/3)² + (4/3)²) / 6 = (20/6) / 6 = 5/9
    assert workers.spread == pytest.approx((5 / 9) ** 0.5)
    # Customers: 4 ratings and 2 "not relevant": no mean below 5 ratings, counts still shown.
    customers = result.group(2)
    assert customers.mean is None and customers.rated == 4 and customers.not_relevant == 2
    # Owners: 2, 1, 2, 2, 1 (one not relevant): mean 8/5.
    assert result.group(3).mean == pytest.approx(1.6)
    # Comments without names, blank ones left out, in alphabetical order.
    assert result.comments == ("ask the night shift", "More time to talk to customers")


def test_four_respondents_make_none():
    assert aggregate(SIX[:4], GROUPS, CATEGORIES) is None
    assert aggregate(SIX[: MIN_RESPONDENTS - 1], GROUPS, CATEGORIES) is None
    assert aggregate(SIX[:MIN_RESPONDENTS], GROUPS, CATEGORIES) is not None


def test_a_team_counts_only_its_respondents():
    assert aggregate(SIX, GROUPS, CATEGORIES, team_id=7).respondents == 6
    assert aggregate(SIX, GROUPS, CATEGORIES, team_id=8) is None  # one respondent


def test_survey_weights_and_proposed_weights():
    result = aggregate(SIX, GROUPS, CATEGORIES)
    assert survey_weights(result) == pytest.approx({1: 26 / 6, 3: 1.6})
    proposed = {p.group_id: p for p in proposed_weights(result, {1: 1.0, 2: 1.0, 3: 1.6})}
    assert proposed[1].proposed == pytest.approx(26 / 6) and proposed[1].changed
    # Customers have no survey weight: they keep their current weight.
    assert proposed[2].proposed == 1.0 and not proposed[2].changed
    assert proposed[3].proposed == pytest.approx(1.6) and not proposed[3].changed
    assert survey_weights(None) == {}


def test_answers_are_checked():
    check_response(SIX[0], GROUPS, CATEGORIES)
    with pytest.raises(SurveyRuleError, match="Rate every stakeholder group"):
        check_response(Response({1: 3}, {10: 3}), GROUPS, CATEGORIES)
    with pytest.raises(SurveyRuleError, match="1 to 5"):
        check_response(answer(6, 1, 1), GROUPS, CATEGORIES)
    with pytest.raises(SurveyRuleError, match="Unknown waste category"):
        check_response(Response({1: 1, 2: 1, 3: 1}, {10: 1, 11: 2}), GROUPS, CATEGORIES)


def test_rounds_are_checked():
    check_round("Spring", date(2026, 3, 1), date(2026, 3, 1), [1])
    with pytest.raises(SurveyRuleError, match="closes on or after"):
        check_round("Spring", date(2026, 3, 2), date(2026, 3, 1), [1])
    with pytest.raises(SurveyRuleError, match="at least one team"):
        check_round("Spring", date(2026, 3, 1), date(2026, 3, 9), [])
    with pytest.raises(SurveyRuleError, match="needs a title"):
        check_round(" ", date(2026, 3, 1), date(2026, 3, 9), [1])
