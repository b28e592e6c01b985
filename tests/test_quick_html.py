"""The log's quick labels and inputs write what WTForms' own do."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, SearchField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets.core import html_params

from scorecard.forms.quick_html import (
    QuickBooleanField,
    QuickLabels,
    QuickSearchField,
    attributes,
)


class Slow(Form):
    q = SearchField('Words "to" <find>', validators=[Optional(), Length(max=20)])
    must = SearchField("Must", validators=[InputRequired()])
    due = BooleanField("Due for review")


class Quick(Form):
    Meta = QuickLabels
    q = QuickSearchField('Words "to" <find>', validators=[Optional(), Length(max=20)])
    must = QuickSearchField("Must", validators=[InputRequired()])
    due = QuickBooleanField("Due for review")


KWARGS = [
    {},
    {"class_": "form-control", "aria_label": 'Say "what"', "data_last_seen": "<3>"},
    {"required": True, "disabled": False, "title": Markup('a "quoted" <b>title</b>')},
    {"for_": "elsewhere", "class_": "form-label"},
]


@pytest.mark.parametrize("kwargs", KWARGS)
def test_the_same_attributes_as_html_params(kwargs):
    assert attributes(kwargs) == html_params(**kwargs)


@pytest.mark.parametrize("sent", [{}, {"q": "solar", "due": "y"}, {"q": 'a "b" <c> & d'}])
@pytest.mark.parametrize("kwargs", KWARGS[:3])
def test_the_same_inputs_and_labels_as_wtforms(sent, kwargs):
    slow, quick = Slow(MultiDict(sent)), Quick(MultiDict(sent))
    assert quick.validate() == slow.validate()
    for name in ("q", "must", "due"):
        assert quick[name](**kwargs) == slow[name](**kwargs)
        assert quick[name].label(**kwargs) == slow[name].label(**kwargs)
        assert quick[name].label("Other <text>") == slow[name].label("Other <text>")
        assert quick[name].errors == slow[name].errors
    assert quick.q.label(for_="elsewhere") == slow.q.label(for_="elsewhere")
    assert "required" in str(quick.must())  # the validation attribute, as WTForms writes it
