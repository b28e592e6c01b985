"""The log's long selects write and check what WTForms' own SelectField does, faster."""

from __future__ import annotations

import pytest
from markupsafe import Markup
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


@pytest.mark.parametrize(
    "attributes",
    [
        {"class_": "form-select", "aria_label": 'Who "decided"'},
        {"required": True, "disabled": False, "data_last_seen": "<3>"},
        {"title": Markup('a "quoted" <b>title</b>'), "id": "other-id"},
    ],
)
def test_the_same_attributes_as_wtforms(attributes):
    class Slow(Form):
        who = SelectField("Who", coerce=_optional_int)

    class Fast(Form):
        who = LongSelectField("Who", coerce=_optional_int)

    slow, fast = Slow(MultiDict({"who": "3"})), Fast(MultiDict({"who": "3"}))
    for form in (slow, fast):
        form.who.choices = CHOICES
    assert fast.who(**attributes) == slow.who(**attributes)


def test_the_options_written_once_serve_every_later_request():
    class Fast(Form):
        who = LongSelectField("Who", coerce=_optional_int)

    written = []
    for sent in ("3", "12", "3"):
        form = Fast(MultiDict({"who": sent}))
        form.who.choices = [(value, label) for value, label in CHOICES]  # a new list each time
        written.append(str(form.who()))
    assert written[0] == written[2] != written[1]
    assert written[1].count(" selected") == 1 and '<option selected value="12">' in written[1]


def test_other_shapes_of_choices_are_left_to_wtforms():
    class Grouped(Form):
        where = LongSelectField("Where")

    form = Grouped(MultiDict({"where": "b"}))
    form.where.choices = {"North": [("a", "A")], "South": [("b", "B")]}
    assert '<optgroup label="North">' in form.where()
    assert form.validate()


def test_choices_that_cannot_be_kept_are_written_by_wtforms():
    class Slow(Form):
        where = SelectField("Where", coerce=str)

    class Fast(Form):
        where = LongSelectField("Where", coerce=str)

    slow, fast = Slow(MultiDict({"where": "['b']"})), Fast(MultiDict({"where": "['b']"}))
    for form in (slow, fast):
        form.where.choices = [(["a"], "A"), (["b"], "B")]  # a list is no key of a cache
    assert fast.where() == slow.where()
    assert fast.validate() == slow.validate()
