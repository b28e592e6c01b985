"""The log's long selects write and check what WTForms' own SelectField does, faster."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField
from wtforms.validators import InputRequired, Optional

from scorecard.forms.long_select import LongSelectField


def _optional_int(value):
    return None if value in ("", None) else int(value)


CHOICES = [("", "Anyone"), (3, 'Ann "the <boss>" & co'), (12, "Bo"), (7, "")]


@pytest.mark.parametrize("sent", [{}, {"who": "12"}, {"who": ""}, {"who": "99"}, {"who": "x"}])
@pytest.mark.parametrize("required", [False, True])
def test_the_same_html_and_errors_as_wtforms(sent, required):
    validators = [InputRequired()] if required else [Optional()]

    class Slow(Form):
        who = SelectField("Who", coerce=_optional_int, validators=validators)

    class Fast(Form):
        who = LongSelectField("Who", coerce=_optional_int, validators=validators)

    slow, fast = Slow(MultiDict(sent)), Fast(MultiDict(sent))
    for form in (slow, fast):
        form.who.choices = CHOICES
    assert fast.who(class_="form-select") == slow.who(class_="form-select")
    assert fast.validate() == slow.validate()
    assert fast.who.errors == slow.who.errors
    if sent.get("who") == "99":
        assert fast.who.errors == ["Not a valid choice."]


def test_other_shapes_of_choices_are_left_to_wtforms():
    class Grouped(Form):
        where = LongSelectField("Where")

    form = Grouped(MultiDict({"where": "b"}))
    form.where.choices = {"North": [("a", "A")], "South": [("b", "B")]}
    assert '<optgroup label="North">' in form.where()
    assert form.validate()
