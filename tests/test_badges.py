"""The badges and figures every list writes on each row: plain functions, escaped."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from scorecard.templating import index_value, status_badge, value_badge


def test_a_status_badge_names_the_status_and_says_archived():
    assert status_badge("decided") == '<span class="badge status-decided">Decided</span>'
    assert status_badge("draft", archived=True) == (
        '<span class="badge status-draft">Draft</span>'
        ' <span class="badge status-archived">Archived</span>'
    )
    assert "&lt;b&gt;" in status_badge("<b>")


@pytest.mark.parametrize("as_object", [False, True])
def test_the_value_badge_prefers_shared_value_and_reads_dicts_or_objects(as_object):
    def figures(**values):
        return SimpleNamespace(**values) if as_object else values

    assert "Shared value" in value_badge(figures(shared_value=True, harm=True))
    assert "badge-harm" in value_badge(figures(shared_value=False, harm=True))
    assert value_badge(figures(shared_value=False, harm=False)) == ""
    assert value_badge(None) == ""


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (3.4, 0, '<span class="figure figure-pos">+3</span>'),
        (-12.25, 1, '<span class="figure figure-neg">-12.2</span>'),
        (0, 0, '<span class="figure ">0</span>'),
        (None, 0, '<span class="figure ">—</span>'),
        (math.nan, 1, '<span class="figure ">—</span>'),
    ],
)
def test_an_index_is_signed_and_coloured_by_its_sign(value, places, expected):
    assert index_value(value, places) == expected
