"""What matters to us: the aggregates of a survey round, and the group weights they propose.

Anonymity is a rule of this module: an aggregate of fewer than MIN_RESPONDENTS people is never
made, and nothing here hands back one person's answers. A survey weight (SCORING.md, "Beside
the method") is the mean rating of a group over the responses that rated it, shown only with
MIN_RESPONDENTS of them or more. Pure: plain data in, plain data out.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

MIN_RESPONDENTS = 5
RATINGS = (1, 2, 3, 4, 5)
NOT_RELEVANT = None
MAX_COMMENT = 2000
MAX_TITLE = 200


class SurveyRuleError(ValueError):
    """A round or an answer that cannot be, worded for the person who sent it."""


@dataclass(frozen=True)
class Response:
    """One person's answer, without the person: a rating (1–5, or None for "not relevant")
    per stakeholder group and per waste category, keyed by their ids, and the teams it counts
    for."""

    groups: Mapping[int, int | None]
    categories: Mapping[int, int | None]
    teams: frozenset[int] = frozenset()
    comment: str = ""


@dataclass(frozen=True)
class ItemAggregate:
    """How one group or category was rated by the respondents of a scope."""

    item_id: int
    counts: Mapping[int, int]  # rating -> how many gave it
    not_relevant: int
    mean: float | None  # None below MIN_RESPONDENTS ratings
    spread: float | None  # population standard deviation of the ratings, with the mean

    @property
    def rated(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Aggregate:
    """The aggregate answers of a scope (a team, or the organisation)."""

    respondents: int
    groups: tuple[ItemAggregate, ...]
    categories: tuple[ItemAggregate, ...]
    comments: tuple[str, ...] = field(default=())  # without names, in alphabetical order

    def group(self, group_id: int) -> ItemAggregate | None:
        return next((g for g in self.groups if g.item_id == group_id), None)


def check_rating(value: int | None) -> None:
    if value is not NOT_RELEVANT and value not in RATINGS:
        raise SurveyRuleError(f"A rating is 1 to 5, or not relevant; got {value!r}.")


def check_response(response: Response, group_ids: Iterable[int], category_ids: Iterable[int]):
    """Every group and category of the round rated (1–5 or not relevant), nothing else."""
    for kind, given, expected in (
        ("stakeholder group", response.groups, set(group_ids)),
        ("waste category", response.categories, set(category_ids)),
    ):
        unknown = set(given) - expected
        if unknown:
            raise SurveyRuleError(f"Unknown {kind} in the answer: {sorted(unknown)}.")
        missing = expected - set(given)
        if missing:
            raise SurveyRuleError(f"Rate every {kind}, or mark it not relevant.")
        for value in given.values():
            check_rating(value)
    if len(response.comment) > MAX_COMMENT:
        raise SurveyRuleError(
            f"The comment is {len(response.comment)} characters long; {MAX_COMMENT} at most."
        )


def check_round(title: str, opens_on: date, closes_on: date, team_ids: Sequence[int]) -> None:
    if not title.strip():
        raise SurveyRuleError("A round needs a title.")
    if len(title) > MAX_TITLE:
        raise SurveyRuleError(f"The title is {len(title)} characters long; {MAX_TITLE} at most.")
    if closes_on < opens_on:
        raise SurveyRuleError("A round closes on or after the day it opens.")
    if not team_ids:
        raise SurveyRuleError("Invite at least one team.")


def _item(item_id: int, values: Sequence[int | None]) -> ItemAggregate:
    ratings = [v for v in values if v is not NOT_RELEVANT]
    enough = len(ratings) >= MIN_RESPONDENTS
    return ItemAggregate(
        item_id=item_id,
        counts={r: ratings.count(r) for r in RATINGS},
        not_relevant=len(values) - len(ratings),
        mean=statistics.fmean(ratings) if enough else None,
        spread=statistics.pstdev(ratings) if enough else None,
    )


def aggregate(
    responses: Sequence[Response],
    group_ids: Sequence[int],
    category_ids: Sequence[int],
    team_id: int | None = None,
) -> Aggregate | None:
    """The aggregate of the responses counting for a team (None: the organisation, every
    response), or None when fewer than MIN_RESPONDENTS people answered: no aggregate of
    fewer is ever made."""
    scope = [r for r in responses if team_id is None or team_id in r.teams]
    if len(scope) < MIN_RESPONDENTS:
        return None
    return Aggregate(
        respondents=len(scope),
        groups=tuple(
            _item(g, [r.groups.get(g) for r in scope if g in r.groups]) for g in group_ids
        ),
        categories=tuple(
            _item(c, [r.categories.get(c) for r in scope if c in r.categories])
            for c in category_ids
        ),
        comments=tuple(
            sorted((r.comment.strip() for r in scope if r.comment.strip()), key=str.casefold)
        ),
    )


def survey_weights(results: Aggregate | None) -> dict[int, float]:
    """Survey weight of each group that has one: its mean rating over the responses that
    rated it, with MIN_RESPONDENTS or more of them."""
    if results is None:
        return {}
    return {g.item_id: g.mean for g in results.groups if g.mean is not None}


@dataclass(frozen=True)
class ProposedWeight:
    group_id: int
    current: float
    proposed: float

    @property
    def changed(self) -> bool:
        return not math.isclose(self.current, self.proposed, rel_tol=0, abs_tol=1e-12)


def proposed_weights(
    results: Aggregate | None, current: Mapping[int, float]
) -> list[ProposedWeight]:
    """The weight each current group would get: its survey weight where it has one, its
    current weight otherwise."""
    weights = survey_weights(results)
    return [
        ProposedWeight(group_id, float(weight), float(weights.get(group_id, weight)))
        for group_id, weight in current.items()
    ]
