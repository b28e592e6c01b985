"""The rules of a valid decision, in one place: the web form, the decisions service and the
importer all ask here, so the three accept and refuse the same values with the same words.

Each check returns None when the value is fine, or the message that says what is wrong (a
sentence a person can act on). `decision_problems` checks a whole decision at once.

- Dates: every date (drafts included) has a year from FIRST_YEAR to LAST_YEAR.
- A decided (or reviewed) decision is not dated in the future; a draft may be.
- The review is due on or after the decision, within REVIEW_WITHIN_DAYS of it; the review
  itself comes on or after the decision and not in the future.
- Impacts are whole numbers from IMPACT_MIN to IMPACT_MAX.
- Waste amounts are finite, 0 or more, at most MAX_AMOUNT, with at most AMOUNT_PLACES
  decimal places, judged on the digits as written (1E-999999999 is refused, not read as 0);
  a decision has at most MAX_WASTE_LINES waste lines, and more are refused, never cut.
- Status transitions: see TRANSITIONS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

FIRST_YEAR, LAST_YEAR = 1900, 2999
EARLIEST = date(FIRST_YEAR, 1, 1)
LATEST = date(LAST_YEAR, 12, 31)
REVIEW_AFTER_DAYS = 90  # the review falls due this long after the decision unless one says
REVIEW_WITHIN_DAYS = 3660  # ten years
IMPACT_MIN, IMPACT_MAX = -3, 3
IMPACT_WORDS = {
    -3: "serious harm",
    -2: "harm",
    -1: "slight harm",
    0: "no effect",
    1: "slight benefit",
    2: "benefit",
    3: "strong benefit",
}
MAX_AMOUNT = 1e12
AMOUNT_PLACES = 6
MAX_WASTE_LINES = 30

DRAFT, DECIDED, REVIEWED = "draft", "decided", "reviewed"
STATUSES = (DRAFT, DECIDED, REVIEWED)
# The statuses a decision may take from each status through an edit (None: a new decision).
# A decision becomes reviewed only through its review; it never goes back to being a draft.
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({DRAFT, DECIDED}),
    DRAFT: frozenset({DRAFT, DECIDED}),
    DECIDED: frozenset({DECIDED, REVIEWED}),
    REVIEWED: frozenset({DECIDED, REVIEWED}),
}

YEAR_RANGE = f"Enter a date with a year from {FIRST_YEAR} to {LAST_YEAR}."
DECIDED_IN_FUTURE = (
    "A decision that is already taken cannot be dated in the future; save it as a draft until then."
)
DUE_BEFORE_DECISION = "The review cannot be due before the decision."
DUE_TOO_LATE = "Plan the review within ten years of the decision."
REVIEW_BEFORE_DECISION = "The review cannot come before the decision."
REVIEW_IN_FUTURE = "A review records what already happened: not a future date."
IMPACT_RANGE = f"An impact is a whole number from {IMPACT_MIN} to +{IMPACT_MAX}."
NOT_A_NUMBER = "Enter a number, e.g. 120 or 12.5."
NEGATIVE_AMOUNT = "Enter an amount of 0 or more."
AMOUNT_TOO_LARGE = f"Enter an amount of at most {MAX_AMOUNT:,.0f}."
TOO_PRECISE = f"Enter an amount with at most {AMOUNT_PLACES} decimal places."
TOO_MANY_LINES = f"A decision has at most {MAX_WASTE_LINES} waste lines."
NEW_REVIEWED = "A new decision is a draft or decided; it is reviewed later."
DRAFT_TO_REVIEWED = "A draft is reviewed through its review form."
BACK_TO_DRAFT = "A decided decision cannot become a draft again."
DRAFT_REVIEWED = "A draft cannot be reviewed: mark it decided first."


@dataclass(frozen=True)
class Problem:
    """What is wrong, and the field it is about."""

    field: str
    message: str


def date_problem(day: date) -> str | None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return YEAR_RANGE
    return None


def default_review_due(decided_on: date) -> date:
    """When the review falls due if no one says: REVIEW_AFTER_DAYS later, within the range."""
    return min(decided_on + timedelta(days=REVIEW_AFTER_DAYS), max(decided_on, LATEST))


def decided_on_problem(decided_on: date, status: str, today: date) -> str | None:
    """The decision's date: in range; not in the future once decided."""
    if problem := date_problem(decided_on):
        return problem
    if status != DRAFT and decided_on > today:
        return DECIDED_IN_FUTURE
    return None


def review_due_problem(review_due: date, decided_on: date | None) -> str | None:
    if problem := date_problem(review_due):
        return problem
    if decided_on is not None:
        if review_due < decided_on:
            return DUE_BEFORE_DECISION
        if (review_due - decided_on).days > REVIEW_WITHIN_DAYS:
            return DUE_TOO_LATE
    return None


def reviewed_on_problem(reviewed_on: date, decided_on: date | None, today: date) -> str | None:
    if problem := date_problem(reviewed_on):
        return problem
    if decided_on is not None and reviewed_on < decided_on:
        return REVIEW_BEFORE_DECISION
    if reviewed_on > today:
        return REVIEW_IN_FUTURE
    return None


def impact_problem(value: float) -> str | None:
    """An estimated or actual impact on a stakeholder group."""
    if isinstance(value, bool) or not float(value).is_integer():
        return IMPACT_RANGE
    if not IMPACT_MIN <= value <= IMPACT_MAX:
        return IMPACT_RANGE
    return None


def amount_problem(value: float) -> str | None:
    """A waste amount (created or avoided, estimated or actual), in its category's unit."""
    if isinstance(value, bool) or not math.isfinite(value):
        return NOT_A_NUMBER
    if value < 0:
        return NEGATIVE_AMOUNT
    if value > MAX_AMOUNT:
        return AMOUNT_TOO_LARGE
    # Binary noise (0.1 + 0.2) is not precision: compare with the value at AMOUNT_PLACES.
    if abs(round(value, AMOUNT_PLACES) - value) > 1e-9 * max(1.0, value):
        return TOO_PRECISE
    return None


def written_amount_problem(value: Decimal) -> str | None:
    """An amount as written, before it becomes a float, which would turn 1E-999999999 into 0
    and 1E+999 into infinity: the same rules, on the digits themselves."""
    if not value.is_finite():
        return NOT_A_NUMBER
    if value.is_zero():
        return None
    if value < 0:
        return NEGATIVE_AMOUNT
    if value.adjusted() > math.floor(math.log10(MAX_AMOUNT)):
        return AMOUNT_TOO_LARGE
    _, digits, exponent = value.as_tuple()
    written = "".join(map(str, digits))
    places = -(int(exponent) + len(written) - len(written.rstrip("0")))
    if places > AMOUNT_PLACES:
        return TOO_PRECISE
    return amount_problem(float(value))


def waste_lines_problem(count: int) -> str | None:
    return TOO_MANY_LINES if count > MAX_WASTE_LINES else None


def transition_problem(before: str | None, after: str) -> str | None:
    """Whether an edit (or, with before=None, a creation) may give the decision this status."""
    if after not in STATUSES:
        return f"A decision is {', '.join(STATUSES[:-1])} or {STATUSES[-1]}, not {after!r}."
    if after in TRANSITIONS[before]:
        return None
    if before is None:
        return NEW_REVIEWED
    return DRAFT_TO_REVIEWED if before == DRAFT else BACK_TO_DRAFT


@dataclass(frozen=True)
class Facts:
    """What the rules look at in a decision, however it arrives (form, service, file)."""

    status: str
    decided_on: date
    review_due: date | None = None
    reviewed_on: date | None = None
    impacts: tuple[float, ...] = ()
    amounts: tuple[float, ...] = ()
    waste_lines: int = 0


def decision_problems(facts: Facts, today: date, before: str | None = None) -> list[Problem]:
    """Every rule a decision breaks, field by field (the first problem of each field).

    `before` is the status the decision has now (None for a new decision, "any" to skip the
    transition rule, as the importer does, whose rows carry their own status)."""
    found: list[Problem] = []
    checks: Iterable[tuple[str, str | None]] = (
        ("status", None if before == "any" else transition_problem(before, facts.status)),
        ("decided_on", decided_on_problem(facts.decided_on, facts.status, today)),
        ("review_due", facts.review_due and review_due_problem(facts.review_due, facts.decided_on)),
        (
            "reviewed_on",
            facts.reviewed_on and reviewed_on_problem(facts.reviewed_on, facts.decided_on, today),
        ),
        ("impacts", next(filter(None, map(impact_problem, facts.impacts)), None)),
        ("waste", waste_lines_problem(facts.waste_lines)),
        ("waste", next(filter(None, map(amount_problem, facts.amounts)), None)),
    )
    for name, problem in checks:
        if problem and not any(p.field == name for p in found):
            found.append(Problem(name, problem))
    return found


def review_problem(
    reviewed_on: date,
    decided_on: date,
    actuals: Iterable[float],
    amounts: Iterable[float],
    today: date,
) -> Problem | None:
    """The first rule a review breaks: its date, an actual impact, an actual amount."""
    if problem := reviewed_on_problem(reviewed_on, decided_on, today):
        return Problem("reviewed_on", problem)
    if problem := next(filter(None, map(impact_problem, actuals)), None):
        return Problem("actuals", problem)
    if problem := next(filter(None, map(amount_problem, amounts)), None):
        return Problem("waste", problem)
    return None


def impact_word(value: int | None) -> str:
    """An impact in words: "harm", "no effect", "strong benefit"…"""
    if value is None:
        return "not assessed"
    return IMPACT_WORDS.get(int(value), str(value))
