"""Inputs and labels written as WTForms writes them, without a string formatter per attribute.

WTForms writes each attribute through `Markup('{k}="{v}"').format(...)`, a string.Formatter
call that costs more than the rest of an input. The log's filter bar writes some twenty labels
and inputs on every page, so its fields use these: the same HTML (the tests compare it with
WTForms' own), written with plain f-strings of escaped values.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms.fields import BooleanField, SearchField
from wtforms.fields.core import Label
from wtforms.meta import DefaultMeta
from wtforms.widgets import CheckboxInput, SearchInput
from wtforms.widgets.core import clean_key


def attributes(kwargs: dict[str, Any]) -> str:
    """What wtforms' html_params writes (sorted, `class_` as class, True bare, False left
    out, values escaped), without a string.Formatter per attribute."""
    parts = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            parts.append(escape(clean_key(key)))
        elif value is not False:
            text = str(escape(value)).replace('"', "&quot;")  # a Markup value may hold one
            parts.append(f'{escape(clean_key(key))}="{text}"')
    return " ".join(parts)


def html_params(**kwargs: Any) -> Markup:
    return Markup(attributes(kwargs))  # noqa: S704 - every value escaped in attributes


class QuickLabel(Label):
    def __call__(self, text: str | None = None, **kwargs: Any) -> Markup:
        if "for_" in kwargs:
            kwargs["for"] = kwargs.pop("for_")
        else:
            kwargs.setdefault("for", self.field_id)
        written = attributes(kwargs)
        written = f" {written}" if written else ""
        return Markup(f"<label{written}>{escape(text or self.text)}</label>")  # noqa: S704


class QuickLabels(DefaultMeta):
    """A form's Meta whose fields write their labels with QuickLabel."""

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
        field = super().bind_field(form, unbound_field, options)
        field.label = QuickLabel(field.label.field_id, field.label.text)
        return field


class QuickSearchInput(SearchInput):
    html_params = staticmethod(html_params)


class QuickCheckboxInput(CheckboxInput):
    html_params = staticmethod(html_params)


class QuickSearchField(SearchField):
    widget = QuickSearchInput()


class QuickBooleanField(BooleanField):
    widget = QuickCheckboxInput()
