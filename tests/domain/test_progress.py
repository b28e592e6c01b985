"""A job's progress in words, and the time left at the pace of its step."""

from __future__ import annotations

import pytest

from scorecard.domain.progress import Progress, time_left_text


def test_a_step_with_a_total_says_how_far_it_is():
    progress = Progress("Decisions sheet", 120_000, 200_000, "rows", 30.0)
    assert progress.text == "Decisions sheet: 120,000 of 200,000 rows"
    assert progress.percent == 60
    assert progress.seconds_left == pytest.approx(20.0)
    assert time_left_text(progress.seconds_left) == "less than a minute left"


def test_a_step_without_a_total_has_no_bar_and_no_estimate():
    progress = Progress("Saving the workbook", 0, None, "", 12.0)
    assert progress.text == "Saving the workbook"
    assert progress.percent is None
    assert progress.seconds_left is None
    assert time_left_text(None) == ""


def test_no_estimate_before_the_pace_is_known():
    assert Progress("Checking rows", 0, 1000, "rows", 30.0).seconds_left is None
    assert Progress("Checking rows", 10, 1000, "rows", 0.5).seconds_left is None


def test_percent_stays_within_the_bar():
    assert Progress("Writing decisions", 1200, 1000, "rows", 5.0).percent == 100


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(5, "a few seconds left"), (90, "about 2 minutes left"), (7200, "about 2.0 hours left")],
)
def test_time_left_in_words(seconds, words):
    assert time_left_text(seconds) == words
