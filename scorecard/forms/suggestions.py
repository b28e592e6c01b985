"""Forms of the suggestions board: a suggestion, a comment, an answer, the board's filters.
Views turn them into the services' plain input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from scorecard.domain.suggestions import MAX_DECLINE_REASON, SuggestionStatus
from scorecard.forms.decisions import AN_ID, AmountField
from scorecard.models import StakeholderGroup, Team, WasteCategory
from scorecard.services.suggestion_board import WHOLE_ORGANISATION
from scorecard.services.suggestions import MAX_BODY, MAX_COMMENT, MAX_TITLE, Answer, SuggestionInput

ORGANISATION = "organisation"
SORT_CHOICES = [("newest", "Newest first"), ("supported", "Most supported")]


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AvoidedForm(Form):
    """What the suggestion could avoid in one waste category, in its unit."""

    category_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), AN_ID])
    avoided = AmountField("Could avoid", validators=[Optional()])


class SuggestionForm(FlaskForm):
    team = SelectField("For", validators=[DataRequired("Choose a team or the whole organisation.")])
    title = StringField(
        "What could we do better?",
        validators=[
            DataRequired("Say in a few words what could be done better."),
            Length(max=MAX_TITLE),
        ],
        description="One line, e.g. “Reuse packaging from our suppliers”.",
    )
    body = TextAreaField(
        "How, and why it matters",
        validators=[Optional(), Length(max=MAX_BODY)],
        description="Optional. What you have seen, what you would change, who it would help.",
        render_kw={"rows": 5},
    )
    groups = CheckboxesField(
        "Stakeholder groups it would help or spare", coerce=int, validators=[Optional()]
    )
    waste = FieldList(FormField(AvoidedForm), min_entries=0)
    submit = SubmitField("Propose")

    def setup(
        self,
        teams: Sequence[Team],
        groups: Sequence[StakeholderGroup],
        categories: Sequence[WasteCategory],
    ) -> None:
        self.team.choices = [
            ("", "Choose…"),
            *((str(t.id), t.name) for t in teams),
            (ORGANISATION, "The whole organisation"),
        ]
        if len(teams) == 1 and not self.is_submitted():
            self.team.data = str(teams[0].id)
        self.groups.choices = [(g.id, g.name) for g in groups]
        sent = {e.form.category_id.data: e for e in self.waste.entries}
        self.waste.entries, self.waste.last_index = [], -1
        for category in categories:
            entry = sent.get(category.id)
            if entry is None:
                entry = self.waste.append_entry({"category_id": category.id})
                entry.form.category_id.data = category.id  # a POST without this row
                entry.form.category_id.raw_data = [str(category.id)]
            else:
                self.waste.entries.append(entry)
            entry.category = category

    def validate_team(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices if value}:
            raise ValidationError("Choose a team or the whole organisation.")

    def to_input(self) -> SuggestionInput:
        team = None if self.team.data == ORGANISATION else int(self.team.data)
        waste = tuple(
            (e.form.category_id.data, float(e.form.avoided.data))
            for e in self.waste.entries
            if e.form.avoided.data
        )
        return SuggestionInput(
            team_id=team,
            title=self.title.data or "",
            body=self.body.data or "",
            group_ids=tuple(self.groups.data or ()),
            waste=waste,
        )


class SuggestionCommentForm(FlaskForm):
    body = TextAreaField(
        "Add a comment",
        validators=[DataRequired("Write something first."), Length(max=MAX_COMMENT)],
        description="Plain text. Write @ and a name to let a colleague know.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Post comment")


class ActionForm(FlaskForm):
    """Support and withdraw: a button and its CSRF token."""


ANSWER_CHOICES = [
    (SuggestionStatus.IN_PROGRESS.value, "In progress — we are looking into it"),
    (SuggestionStatus.ACCEPTED.value, "Accept — make it a draft decision"),
    (SuggestionStatus.DECLINED.value, "Decline — with a reason"),
]


class AnswerForm(FlaskForm):
    status = RadioField(
        "Answer", choices=ANSWER_CHOICES, validators=[InputRequired("Choose an answer.")]
    )
    reason = TextAreaField(
        "Why it is declined",
        validators=[Optional(), Length(max=MAX_DECLINE_REASON)],
        description="Needed to decline: the proposer and everyone who supported it will read it.",
        render_kw={"rows": 3},
    )
    team = SelectField("Team of the decision", coerce=_optional_int, validators=[Optional()])
    submit = SubmitField("Send the answer")

    def setup(self, allowed: Sequence[str], teams: Sequence[Team]) -> None:
        self.status.choices = [(v, label) for v, label in ANSWER_CHOICES if v in allowed]
        self.team.choices = [("", "Choose…"), *((t.id, t.name) for t in teams)]

    def validate_reason(self, field: TextAreaField) -> None:
        if self.status.data == SuggestionStatus.DECLINED and not (field.data or "").strip():
            raise ValidationError(
                "Say why it is declined: the proposer and its supporters will read it."
            )

    def to_answer(self) -> Answer:
        return Answer(
            status=self.status.data, reason=self.reason.data or "", team_id=self.team.data
        )


class BoardFilterForm(Form):
    """The board's filters, read from the address so that a view of it can be shared."""

    q = SearchField("Search", validators=[Optional(), Length(max=200)])
    team = SelectField("Team", coerce=_optional_int, validators=[Optional()])
    status = SelectField(
        "Status",
        choices=[("", "Any status"), *((s.value, s.label) for s in SuggestionStatus)],
        validators=[Optional()],
    )
    group = SelectField("Stakeholder group", coerce=_optional_int, validators=[Optional()])
    sort = SelectField("Sort", choices=SORT_CHOICES, default="newest", validators=[Optional()])

    def setup(self, teams: Sequence[Team], groups: Sequence[StakeholderGroup]) -> None:
        self.team.choices = [
            ("", "All I can see"),
            *((t.id, t.name) for t in teams),
            (WHOLE_ORGANISATION, "The whole organisation"),
        ]
        self.group.choices = [("", "Any group"), *((g.id, g.name) for g in groups)]

    @property
    def active_count(self) -> int:
        return sum(
            bool(f.data) or f.data == 0 for f in (self.q, self.team, self.status, self.group)
        )
