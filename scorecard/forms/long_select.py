"""A select field of many plain choices, written and checked in one pass over them.

WTForms 3.3 turns every choice into an object on each use (to render it, to mark the one
selected, to validate the one sent) and formats each option through `html_params`: some 50 µs
an option. The log's filter bar has hundreds (authors, teams, three lists of quarters), which
made it the largest part of the log page's time; the decision form has one select per
stakeholder group and per waste line. Every select of plain choices uses it: choices as
(value, label) pairs take the short path, with the same HTML and the same checks; any other
shape is left to WTForms.

The options of a list of choices are written once per process and kept (the last few hundred
lists): a request that offers the same choices again, as every page of the log does, only
marks the one selected and joins the kept strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape
from wtforms.fields import SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import Select

from scorecard.forms.quick_html import attributes


def _pairs(choices: Any) -> list[tuple[Any, Any]] | None:
    """The choices when they are all (value, label) pairs, else None."""
    if not isinstance(choices, list | tuple):
        return None
    for choice in choices:
        if not isinstance(choice, tuple) or len(choice) != 2:
            return None
    return list(choices)


@dataclass(frozen=True)
class _Options:
    html: tuple[str, ...]  # each option as written when not selected
    where: dict[Any, tuple[int, ...]]  # coerced value -> the positions of its options


@lru_cache(maxsize=512)
def _written(pairs: tuple[tuple[Any, Any], ...], coerce: Callable[[Any], Any]) -> _Options:
    html, where = [], {}
    for position, (value, label) in enumerate(pairs):
        html.append(f'<option value="{escape(value)}">{escape(label or value)}</option>')
        key = coerce(value)
        where[key] = (*where.get(key, ()), position)
    return _Options(tuple(html), where)


def _options(pairs: list[tuple[Any, Any]], coerce: Callable[[Any], Any]) -> _Options | None:
    """The written options of these choices, or None when a value or label cannot be kept
    (unhashable)."""
    try:
        return _written(tuple(pairs), coerce)
    except TypeError:
        return None


def _positions(options: _Options, data: Any) -> tuple[int, ...]:
    try:
        return options.where.get(data, ())
    except TypeError:  # unhashable data matches no choice's coerced value by hash: compare
        return tuple(p for key, found in options.where.items() if key == data for p in found)


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
        options = _options(pairs, field.coerce)
        if options is None:
            return super().__call__(field, **kwargs)
        html = list(options.html)
        for position in _positions(options, field.data):
            html[position] = "<option selected" + html[position][len("<option") :]
        opening = f"<select {attributes({'name': field.name, **kwargs})}>"
        return Markup(opening + "".join(html) + "</select>")  # noqa: S704 - escaped in _written


class LongSelectField(SelectField):
    widget = LongSelect()

    def pre_validate(self, form: Any) -> None:
        pairs = _pairs(self.choices)
        if self.process_errors or not self.validate_choice or pairs is None:
            super().pre_validate(form)
            return
        options = _options(pairs, self.coerce)
        if options is None:
            super().pre_validate(form)
            return
        if not _positions(options, self.data):
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )
