"""The status of each KPI card follows the composite's rule on the composite's scale."""

from __future__ import annotations

import math

import pytest

from scorecard.domain.kpi_changes import kpi_changes, kpi_status


@pytest.mark.parametrize(
    ("name", "previous", "value", "status"),
    [
        ("Shared value %", 40.0, 42.0, "improving"),
        ("Shared value %", 40.0, 41.9, "steady"),
        ("Shared value %", 40.0, 38.0, "declining"),
        # Impact index counts half: (I + 100) / 2.
        ("Impact index", 10.0, 13.9, "steady"),
        ("Impact index", 10.0, 14.0, "improving"),
        ("Impact index", 10.0, 6.0, "declining"),
        # Lower is better for harm and the calibration error.
        ("Harm %", 20.0, 10.0, "improving"),
        ("Harm %", 10.0, 20.0, "declining"),
        ("Calibration error", 0.6, 0.48, "improving"),  # 100·0.12/6 = 2 points
        ("Calibration error", 0.6, 0.5, "steady"),
        ("Calibration error", 0.3, 0.6, "declining"),
        # Money and CO2e: more avoided is better, steady within 2 % of last quarter.
        ("Net waste avoided", 1000.0, 1020.0, "improving"),
        ("Net waste avoided", 1000.0, 1019.0, "steady"),
        ("Net waste avoided", -1000.0, -1100.0, "declining"),
        ("Net CO2e avoided (kg)", 0.0, 0.5, "improving"),
        ("Net CO2e avoided (kg)", 0.0, 0.0, "steady"),
        ("Composite", 40.0, 69.333, "improving"),
        ("Review %", None, 33.3, "new"),
        ("Review %", 33.3, None, "new"),
        ("Decisions", 2, 5, None),
    ],
)
def test_status_of_a_kpi(name, previous, value, status):
    assert kpi_status(name, previous, value) == status


def test_float_noise_never_flips_a_status():
    # 0.1 + 0.2 - 0.1 is a hair above 0.2; the move is exactly 2 points.
    assert kpi_status("Review %", 50.0, 50.0 + (0.1 + 2 - 0.1)) == "improving"
    assert kpi_status("Review %", 52.0 + (0.1 + 0.2 - 0.3), 50.0) == "declining"


def test_unknown_kpi_is_refused():
    with pytest.raises(ValueError, match="Team"):
        kpi_status("Team", 1.0, 2.0)


def test_changes_take_the_composite_status_from_the_scoring_row():
    current = {
        "Decisions": 2,
        "Composite": 69.333,
        "Change": 29.333,
        "Status": "improving",
        "Review %": 33.333,
    }
    previous = {"Decisions": 2, "Composite": 40.0, "Review %": math.nan}
    cards = {
        c.name: c for c in kpi_changes(current, previous, ("Composite", "Decisions", "Review %"))
    }
    assert cards["Composite"].status == "improving"
    assert cards["Composite"].change == pytest.approx(29.333)
    assert cards["Decisions"].change == 0
    assert cards["Decisions"].status is None
    assert cards["Review %"].previous is None
    assert cards["Review %"].change is None
    assert cards["Review %"].status == "new"
