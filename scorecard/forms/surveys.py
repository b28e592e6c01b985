"""Forms of the survey of what matters: a round, an answer, adopting proposed weights."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from scorecard.domain.survey import MAX_COMMENT, MAX_TITLE, Response
from scorecard.forms.decisions import AN_ID
from scorecard.forms.suggestions import CheckboxesField
from scorecard.models import StakeholderGroup, Team, WasteCategory
from scorecard.services.surveys import RoundInput

NOT_RELEVANT = "na"
RATING_CHOICES = [
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5"),
    (NOT_RELEVANT, "Not relevant"),
]
DATE_MESSAGE = "Enter a date as YYYY-MM-DD, e.g. 2026-03-14."
ROUND_DAYS = 14


class RoundForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("A round needs a title."), Length(max=MAX_TITLE)],
        description="E.g. “What matters to us, spring 2027”.",
    )
    purpose = TextAreaField(
        "What the answers will be used for",
        validators=[Optional(), Length(max=2000)],
        description="Shown at the top of the survey. Left empty, the standard wording is used.",
        render_kw={"rows": 4},
    )
    opens_on = DateField(
        "Opens on", validators=[InputRequired(DATE_MESSAGE)], invalid_value_message=DATE_MESSAGE
    )
    closes_on = DateField(
        "Closes on", validators=[InputRequired(DATE_MESSAGE)], invalid_value_message=DATE_MESSAGE
    )
    teams = CheckboxesField("Teams invited", coerce=int, validators=[Optional()])
    submit = SubmitField("Open the round")

    def setup(self, teams: Sequence[Team]) -> None:
        self.teams.choices = [(t.id, t.name) for t in teams]
        if not self.is_submitted():
            self.opens_on.data = self.opens_on.data or date.today()
            self.closes_on.data = self.closes_on.data or date.today() + timedelta(days=ROUND_DAYS)

    def validate_closes_on(self, field: DateField) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError("A round closes on or after the day it opens.")

    def validate_teams(self, field: CheckboxesField) -> None:
        if not field.data:
            raise ValidationError("Invite at least one team.")

    def to_input(self) -> RoundInput:
        return RoundInput(
            title=self.title.data or "",
            purpose=self.purpose.data or "",
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
            team_ids=tuple(self.teams.data or ()),
        )


class RatingForm(Form):
    """How much one stakeholder group or waste category matters: 1–5 or not relevant."""

    item_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), AN_ID])
    rating = RadioField(
        "Rating",
        choices=RATING_CHOICES,
        validators=[InputRequired("Choose 1 to 5, or not relevant.")],
    )


def _value(text: str | None) -> int | None:
    return None if text in (None, NOT_RELEVANT) else int(text)


class SurveyAnswerForm(FlaskForm):
    groups = FieldList(FormField(RatingForm), min_entries=0)
    categories = FieldList(FormField(RatingForm), min_entries=0)
    comment = TextAreaField(
        "Anything to add? (optional)",
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description="Shown without your name, and only once at least 5 people have answered.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Send my answer")

    def setup(
        self,
        groups: Sequence[StakeholderGroup],
        categories: Sequence[WasteCategory],
        mine: Response | None,
    ) -> None:
        """One row per group and per category, whatever was sent; prefilled with the
        person's own earlier answer when the page is opened."""
        for field, items, earlier in (
            (self.groups, groups, mine.groups if mine else {}),
            (self.categories, categories, mine.categories if mine else {}),
        ):
            sent = {e.form.item_id.data: e for e in field.entries}
            field.entries, field.last_index = [], -1
            for item in items:
                entry = sent.get(item.id)
                if entry is None:
                    data = {"item_id": item.id}
                    if item.id in earlier:
                        value = earlier[item.id]
                        data["rating"] = NOT_RELEVANT if value is None else str(value)
                    entry = field.append_entry(data)
                    entry.form.item_id.data = item.id  # a POST without this row
                    entry.form.item_id.raw_data = [str(item.id)]
                else:
                    field.entries.append(entry)
                entry.item = item
        if mine is not None and not self.is_submitted():
            self.comment.data = mine.comment

    def to_response(self) -> Response:
        return Response(
            groups={e.form.item_id.data: _value(e.form.rating.data) for e in self.groups.entries},
            categories={
                e.form.item_id.data: _value(e.form.rating.data) for e in self.categories.entries
            },
            comment=self.comment.data or "",
        )


class AdoptForm(FlaskForm):
    submit = SubmitField("Adopt these weights as a new method version")


class RemindForm(FlaskForm):
    submit = SubmitField("Remind those who have not answered")
