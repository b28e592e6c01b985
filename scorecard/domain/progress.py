"""How far a job is, in words people read: "Decisions sheet: 120,000 of 200,000 rows", and the
time left, estimated from the pace of the current step."""

from __future__ import annotations

from dataclasses import dataclass

MIN_SECONDS_FOR_ESTIMATE = 2.0  # too early to tell before this much of a step has run


@dataclass(frozen=True)
class Progress:
    step: str
    done: int
    total: int | None
    unit: str
    seconds_in_step: float

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(max(self.done / self.total, 0.0), 1.0)

    @property
    def percent(self) -> int | None:
        fraction = self.fraction
        return None if fraction is None else int(fraction * 100)

    @property
    def text(self) -> str:
        if not self.step:
            return ""
        if self.total:
            unit = f" {self.unit}" if self.unit else ""
            return f"{self.step}: {self.done:,} of {self.total:,}{unit}"
        return self.step

    @property
    def seconds_left(self) -> float | None:
        """Time left in this step at its pace so far; None while that pace is unknown."""
        if not self.total or self.done <= 0 or self.seconds_in_step < MIN_SECONDS_FOR_ESTIMATE:
            return None
        rate = self.done / self.seconds_in_step
        return max(self.total - self.done, 0) / rate


def time_left_text(seconds: float | None) -> str:
    """ "about 3 minutes left", "less than a minute left"; "" when unknown."""
    if seconds is None:
        return ""
    if seconds < 10:
        return "a few seconds left"
    if seconds < 60:
        return "less than a minute left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''} left"
    hours = seconds / 3600
    return f"about {hours:.1f} hours left"
