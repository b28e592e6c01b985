"""A select field of many plain choices, written and checked in one pass over them.

WTForms 3.3 turns every choice into an object on each use (to render it, to mark the one
selected, to validate the one sent) and formats each option through `html_params`: some 50 µs
an option. The log's filter bar has hundreds (authors, teams, three lists of quarters), which
made it the largest part of the log page's time; the decision form has one select per
stakeholder group and per waste line. Every select of plain choices uses it: choices as
(value, label) pairs take the short path, with the same HTML and the same checks; any other
shape is left to WTForms.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms.fields import SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import Select, html_params


def _pairs(choices: Any) -> list[tuple[Any, Any]] | None:
    """The choices when they are all (value, label) pairs, else None."""
    if not isinstance(choices, list | tuple):
        return None
    for choice in choices:
        if not isinstance(choice, tuple) or len(choice) != 2:
            return None
    return list(choices)


class LongSelect(Select):
    def __call__(self, field: SelectField, **kwargs: Any) -> Markup:
        pairs = _pairs(field.choices)
        if self.multiple or pairs is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, label in pairs:
            selected = " selected" if field.coerce(value) == field.data else ""
            html.append(
                f'<option{selected} value="{escape(value)}">{escape(label or value)}</option>'
            )
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - every value and label is escaped above


class LongSelectField(SelectField):
    widget = LongSelect()

    def pre_validate(self, form: Any) -> None:
        pairs = _pairs(self.choices)
        if self.process_errors or not self.validate_choice or pairs is None:
            super().pre_validate(form)
            return
        if not any(self.coerce(value) == self.data for value, _ in pairs):
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )
