"""Suggestions: the statuses a suggestion moves through, and the figures shown beside the
scoring method (SCORING.md, "Beside the method"): made, answered, accepted % and the median
days to an answer, per team and quarter. Pure: plain data in, plain data out."""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from scorecard.domain.quarters import Quarter

SECONDS_PER_DAY = 86_400
FIGURE_COLUMNS = (
    "Suggestions made",
    "Suggestions answered",
    "Suggestions accepted %",
    "Median days to answer",
)


class SuggestionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Accepted and declined are answers that stand: accepting made a decision, declining gave a
# reason to the people who supported it.
TRANSITIONS: Mapping[SuggestionStatus, frozenset[SuggestionStatus]] = {
    SuggestionStatus.OPEN: frozenset(
        {SuggestionStatus.IN_PROGRESS, SuggestionStatus.ACCEPTED, SuggestionStatus.DECLINED}
    ),
    SuggestionStatus.IN_PROGRESS: frozenset({SuggestionStatus.ACCEPTED, SuggestionStatus.DECLINED}),
    SuggestionStatus.ACCEPTED: frozenset(),
    SuggestionStatus.DECLINED: frozenset(),
}
ANSWERS = (SuggestionStatus.IN_PROGRESS, SuggestionStatus.ACCEPTED, SuggestionStatus.DECLINED)
MAX_DECLINE_REASON = 2000


class SuggestionRuleError(ValueError):
    """An answer the suggestion's state does not allow, worded for the person answering."""


def check_answer(current: str, answer: str, reason: str) -> None:
    """Refuse an answer that does not follow from the current status, or a decline without
    a reason (the proposer and supporters are owed one)."""
    now, new = SuggestionStatus(current), SuggestionStatus(answer)
    if new not in TRANSITIONS[now]:
        raise SuggestionRuleError(f"This suggestion is already {now.label.lower()}.")
    if new is SuggestionStatus.DECLINED:
        if not reason.strip():
            raise SuggestionRuleError(
                "Say why it is declined: the proposer and its supporters will read it."
            )
        if len(reason) > MAX_DECLINE_REASON:
            raise SuggestionRuleError(
                f"The reason is {len(reason)} characters long; {MAX_DECLINE_REASON} at most."
            )


@dataclass(frozen=True)
class SuggestionFacts:
    """What the figures need of one suggestion."""

    team_id: int | None  # None: proposed for the whole organisation
    created_at: datetime
    first_answer_at: datetime | None  # first accept, decline or in-progress
    accepted: bool  # its status is accepted


@dataclass(frozen=True)
class SuggestionFigures:
    made: int
    answered: int
    accepted_pct: float | None  # empty when none was answered
    median_days: float | None

    def as_row(self) -> tuple[int, int, float | None, float | None]:
        """In the order of FIGURE_COLUMNS."""
        return (self.made, self.answered, self.accepted_pct, self.median_days)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes, which are stored as UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def quarter_of(moment: datetime) -> Quarter:
    """The quarter of a moment, by its date in UTC."""
    return Quarter.of(_utc(moment).date())


def days_between(start: datetime, end: datetime) -> float:
    return (_utc(end) - _utc(start)).total_seconds() / SECONDS_PER_DAY


def figures(facts: Iterable[SuggestionFacts], quarter: Quarter) -> SuggestionFigures:
    """The four figures of these suggestions for the quarter."""
    made = 0
    waits: list[float] = []
    accepted = 0
    for fact in facts:
        if quarter_of(fact.created_at) == quarter:
            made += 1
        if fact.first_answer_at is not None and quarter_of(fact.first_answer_at) == quarter:
            waits.append(days_between(fact.created_at, fact.first_answer_at))
            accepted += fact.accepted
    answered = len(waits)
    return SuggestionFigures(
        made=made,
        answered=answered,
        accepted_pct=100.0 * accepted / answered if answered else None,
        median_days=statistics.median(waits) if waits else None,
    )


ALL_TEAMS = "All teams"
WHOLE_ORGANISATION = "The whole organisation"


def figures_table(
    facts: Sequence[SuggestionFacts],
    quarter: Quarter,
    teams: Mapping[int, str],
    *,
    whole_organisation: bool,
) -> list[tuple[str, SuggestionFigures]]:
    """One row per team (in the order given), then All teams: the suggestions of those teams,
    and those for the whole organisation too when the scope is the whole organisation."""
    rows = [
        (name, figures((f for f in facts if f.team_id == team_id), quarter))
        for team_id, name in teams.items()
    ]
    everyone = [
        f for f in facts if f.team_id in teams or (whole_organisation and f.team_id is None)
    ]
    rows.append((ALL_TEAMS, figures(everyone, quarter)))
    return rows
