"""Forms of the decision log: a decision with its stakeholder impacts and waste lines, a
review, a comment, and the log's filters. Views turn them into the services' plain input."""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput, TextInput

from scorecard.domain import rules, search_words
from scorecard.domain.quarters import Quarter
from scorecard.domain.rules import IMPACT_WORDS, MAX_WASTE_LINES, REVIEW_AFTER_DAYS
from scorecard.forms.long_select import LongSelectField
from scorecard.forms.quick_html import QuickBooleanField, QuickLabels, QuickSearchField
from scorecard.models import StakeholderGroup, Status, Team, WasteCategory
from scorecard.services.decision_inputs import (
    ActualWaste,
    DecisionInput,
    ImpactInput,
    ReviewInput,
    WasteInput,
    normalise_tags,
)
from scorecard.services.decision_log import SORTS, Named

MAX_TEXT = 10_000
IMPACT_CHOICES = [
    (value, f"{value:+d} · {word}".replace("-", "−") if value else f"0 · {word}")
    for value, word in sorted(IMPACT_WORDS.items(), reverse=True)
]
STATUS_CHOICES = [
    (Status.DRAFT.value, "Draft — still being worked out"),
    (Status.DECIDED.value, "Decided"),
]
DATE_MESSAGE = "Enter a date as YYYY-MM-DD, e.g. 2026-03-14."
LARGEST_ID = 2**63 - 1  # what a database column holds
LOST_VERSION = "This form has lost its version: reload the page."


class WithinIds:
    """A whole number from 1 to what a database column holds. (WTForms' NumberRange would
    turn a 400-digit number into a float first, and fail on it.)"""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Form, field: Any) -> None:
        if field.data is not None and not 1 <= field.data <= LARGEST_ID:
            raise ValidationError(self.message)


AN_ID = WithinIds("This row does not belong to this form.")
A_VERSION = WithinIds(LOST_VERSION)


def amount(value: float | None) -> decimal.Decimal | None:
    """A stored amount as a form shows it: 1000 rather than 1000.0."""
    if value is None:
        return None
    return decimal.Decimal(f"{float(value):.6f}".rstrip("0").rstrip("."))


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


class AmountField(DecimalField):
    """An amount ≥ 0 in a category's unit: digits, a decimal point, and commas between
    thousands as people type them (8,500 or 1,200.5)."""

    widget = TextInput()  # checked here, with a clear message, rather than by the browser

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, places=None, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip().replace(" ", "")
        if text == "":
            self.data = None
            return
        if "," in text:
            if not THOUSANDS.fullmatch(text):
                self.data = None
                raise ValueError(
                    "Use a point for decimals and commas only between thousands, e.g. 8,500.5."
                )
            text = text.replace(",", "")
        try:
            value = decimal.Decimal(text)
        except decimal.InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError(rules.NOT_A_NUMBER)
        self.data = value

    def pre_validate(self, form: Form) -> None:
        problem = None if self.data is None else rules.written_amount_problem(self.data)
        if problem:
            raise ValidationError(problem)


class ImpactForm(Form):
    """One stakeholder group's row: estimated impact, consulted, and what they said."""

    group_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), AN_ID])
    impact = LongSelectField("Impact", coerce=int, choices=IMPACT_CHOICES, default=0)
    consulted = BooleanField("Consulted")
    note = TextAreaField(
        "Who was asked, what they said",
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 1},
    )


class WasteLineForm(Form):
    line_id = IntegerField(widget=HiddenInput(), validators=[Optional(), AN_ID])
    category_id = LongSelectField("Category", coerce=int, validate_choice=True)
    created = AmountField("Created")
    avoided = AmountField("Avoided")
    note = StringField("Note", validators=[Optional(), Length(max=500)])

    def is_blank(self) -> bool:
        return self.created.data is None and self.avoided.data is None and not self.note.data

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.is_blank() and not (self.created.data or self.avoided.data):
            self.created.errors = [
                *self.created.errors,
                "Enter how much this line creates or avoids, or remove the line.",
            ]
            return False
        return ok


def category_choices(categories: Sequence[WasteCategory]) -> list[tuple[int, str]]:
    return [(c.id, f"{c.name} ({c.unit})") for c in categories]


class DecisionForm(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), A_VERSION])
    # The decision as this form first showed it, signed: the base of a merge with a colleague.
    base = StringField(widget=HiddenInput(), validators=[Optional()])
    team_id = LongSelectField(
        "Team",
        coerce=_optional_int,
        validators=[InputRequired("Choose the team this decision belongs to.")],
    )
    title = StringField(
        "Title",
        validators=[DataRequired("Give the decision a short title."), Length(max=200)],
        render_kw={"placeholder": "e.g. Switch the courier to electric vans"},
    )
    question = TextAreaField(
        "The question it answers",
        validators=[
            DataRequired("Say which question this decision answers."),
            Length(max=MAX_TEXT),
        ],
        description="What question is this decision answering?",
        render_kw={"rows": 2},
    )
    context = TextAreaField(
        "Context",
        validators=[Optional(), Length(max=MAX_TEXT)],
        description="What led to it: facts, constraints, deadlines.",
        render_kw={"rows": 3},
    )
    decision_taken = TextAreaField(
        "The decision taken",
        validators=[Length(max=MAX_TEXT)],  # required once decided: see validate_decision_taken
        render_kw={"rows": 3},
    )
    alternatives = TextAreaField(
        "Alternatives considered",
        validators=[Optional(), Length(max=MAX_TEXT)],
        description="What else was on the table, and why it was not chosen.",
        render_kw={"rows": 2},
    )
    decided_on = DateField(
        "Decided on",
        validators=[InputRequired("Enter the date of the decision.")],
        invalid_value_message=DATE_MESSAGE,
    )
    review_due = DateField(
        "Review due",
        validators=[Optional()],
        invalid_value_message=DATE_MESSAGE,
        description=f"When to look back at what really happened; "
        f"left empty, {REVIEW_AFTER_DAYS} days after the decision.",
    )
    tags = StringField(
        "Tags",
        validators=[Optional(), Length(max=300)],
        description="Separated by commas, e.g. suppliers, packaging.",
    )
    status = LongSelectField("Status", choices=STATUS_CHOICES, default=Status.DECIDED.value)
    impacts = FieldList(FormField(ImpactForm))
    # One more than allowed is read, so that too many lines are refused rather than cut.
    waste = FieldList(FormField(WasteLineForm), max_entries=MAX_WASTE_LINES + 1)
    add_waste = SubmitField("Add a waste line")
    submit = SubmitField("Save decision")

    def setup(
        self,
        teams: Sequence[Team],
        groups: Sequence[StakeholderGroup],
        categories: Sequence[WasteCategory],
        status_choices: Sequence[tuple[str, str]] = STATUS_CHOICES,
    ) -> None:
        """Give the form its choices: the user's teams, the active groups and categories."""
        self.team_id.choices = [(t.id, t.name) for t in teams]
        self.status.choices = list(status_choices)
        self.groups = {g.id: g for g in groups}
        self.categories = {c.id: c for c in categories}
        self._category_choices = category_choices(categories)
        for entry in self.waste:
            entry.form.category_id.choices = self._category_choices
        self._align_impacts(groups)

    def _align_impacts(self, groups: Sequence[StakeholderGroup]) -> None:
        """Exactly one row per active group, in their order; rows of other groups are dropped."""
        rows = {}
        for entry in self.impacts.entries:
            group_id = entry.form.group_id.data
            if group_id in self.groups and group_id not in rows:
                rows[group_id] = entry
        self.impacts.entries = []
        self.impacts.last_index = -1
        for group in groups:
            entry = rows.get(group.id)
            if entry is None:
                entry = self.impacts.append_entry({"group_id": group.id, "impact": 0})
            else:
                self.impacts.entries.append(entry)
            entry.group = group

    max_waste_lines = MAX_WASTE_LINES

    def validate_waste(self, field: FieldList) -> None:
        if problem := rules.waste_lines_problem(len(field.entries)):
            raise ValidationError(problem)

    def add_waste_line(self) -> bool:
        if len(self.waste.entries) >= MAX_WASTE_LINES:
            return False
        entry = self.waste.append_entry()
        entry.form.category_id.choices = self._category_choices
        return True

    def remove_waste_line(self, position: str) -> None:
        """Drop the line at this position (0 is the first line shown)."""
        if position.isdigit() and int(position) < len(self.waste.entries):
            del self.waste.entries[int(position)]

    def waste_template(self) -> WasteLineForm:
        """A blank line named waste-__index__-…, that the page's script copies."""
        line = WasteLineForm(prefix=f"{self.waste.name}-__index__-")
        line.category_id.choices = self._category_choices
        return line

    def unit_of(self, category_id: int | None) -> str:
        category = self.categories.get(category_id) if category_id is not None else None
        if category is None and self.categories:
            category = next(iter(self.categories.values()))
        return category.unit if category else ""

    def validate_decided_on(self, field: DateField) -> None:
        if field.data is None:
            return
        status = self.status.data or Status.DRAFT.value
        if problem := rules.decided_on_problem(field.data, status, date.today()):
            raise ValidationError(problem)

    def validate_review_due(self, field: DateField) -> None:
        if field.data is None:
            return
        if problem := rules.review_due_problem(field.data, self.decided_on.data):
            raise ValidationError(problem)

    def validate_decision_taken(self, field: TextAreaField) -> None:
        if self.status.data != Status.DRAFT and not (field.data or "").strip():
            raise ValidationError("Say what was decided (or save it as a draft).")

    def validate_tags(self, field: StringField) -> None:
        tags = normalise_tags(field.data or "")
        if len(tags) > 12:
            raise ValidationError("Use at most 12 tags.")
        long = [t for t in tags if len(t) > 40]
        if long:
            raise ValidationError(f"A tag has at most 40 characters: {long[0][:40]}…")

    def to_input(self) -> DecisionInput:
        decided_on = self.decided_on.data
        assert decided_on is not None
        assert self.team_id.data is not None
        return DecisionInput(
            team_id=int(self.team_id.data),
            title=(self.title.data or "").strip(),
            question=(self.question.data or "").strip(),
            context=(self.context.data or "").strip(),
            decision_taken=(self.decision_taken.data or "").strip(),
            alternatives=(self.alternatives.data or "").strip(),
            decided_on=decided_on,
            review_due=self.review_due.data or rules.default_review_due(decided_on),
            tags=normalise_tags(self.tags.data or ""),
            status=self.status.data or Status.DRAFT.value,
            impacts=tuple(
                ImpactInput(
                    group_id=int(entry.form.group_id.data),
                    impact=int(entry.form.impact.data or 0),
                    consulted=bool(entry.form.consulted.data),
                    note=(entry.form.note.data or "").strip(),
                )
                for entry in self.impacts
            ),
            waste=tuple(
                WasteInput(
                    category_id=int(entry.form.category_id.data),
                    created=float(entry.form.created.data or 0),
                    avoided=float(entry.form.avoided.data or 0),
                    note=(entry.form.note.data or "").strip(),
                    line_id=entry.form.line_id.data,
                )
                for entry in self.waste
                if not entry.form.is_blank()
            ),
        )


class ActualImpactForm(Form):
    group_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), AN_ID])
    actual = LongSelectField(
        "Actual impact",
        coerce=_optional_int,
        choices=[("", "Not assessed"), *IMPACT_CHOICES],
        validators=[Optional()],
    )


class ActualWasteForm(Form):
    line_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), AN_ID])
    actual_created = AmountField("Actually created")
    actual_avoided = AmountField("Actually avoided")


class ReviewForm(FlaskForm):
    version = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(LOST_VERSION), A_VERSION]
    )
    reviewed_on = DateField(
        "Reviewed on",
        validators=[InputRequired("Enter the date of the review.")],
        invalid_value_message=DATE_MESSAGE,
    )
    actuals = FieldList(FormField(ActualImpactForm))
    waste = FieldList(FormField(ActualWasteForm))
    what_happened = TextAreaField(
        "What happened",
        validators=[DataRequired("Say what really happened."), Length(max=MAX_TEXT)],
        render_kw={"rows": 4},
    )
    lessons = TextAreaField(
        "Lessons learned",
        validators=[Optional(), Length(max=MAX_TEXT)],
        description="What would you do differently, or again?",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Save review")

    decided_on: date | None = None

    def validate_reviewed_on(self, field: DateField) -> None:
        if field.data is None:
            return
        if problem := rules.reviewed_on_problem(field.data, self.decided_on, date.today()):
            raise ValidationError(problem)

    def to_input(self) -> ReviewInput:
        assert self.reviewed_on.data is not None
        return ReviewInput(
            reviewed_on=self.reviewed_on.data,
            what_happened=(self.what_happened.data or "").strip(),
            lessons=(self.lessons.data or "").strip(),
            actuals={int(e.form.group_id.data): e.form.actual.data for e in self.actuals},
            waste=tuple(
                ActualWaste(
                    line_id=int(e.form.line_id.data),
                    created=_float(e.form.actual_created.data),
                    avoided=_float(e.form.actual_avoided.data),
                )
                for e in self.waste
            ),
        )


def _float(value: decimal.Decimal | None) -> float | None:
    return None if value is None else float(value)


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Add a comment",
        validators=[DataRequired("Write something first."), Length(max=5000)],
        description="Plain text. Type @ and a name to notify someone who can see this decision.",
        render_kw={"rows": 3},
    )
    is_question = BooleanField(
        "This is a question for the decision's author",
        description="It waits on their page until someone answers it.",
    )
    reply_to = IntegerField(
        widget=HiddenInput(),
        validators=[Optional(), WithinIds("The comment answered is not on this decision.")],
    )
    submit = SubmitField("Post comment")


YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]


class LogFilterForm(Form):
    """The log's filters, read from the address so that a filtered view can be shared."""

    Meta = QuickLabels  # every page of the log writes these labels and inputs

    q = QuickSearchField("Search", validators=[Optional(), Length(max=200)])
    team = LongSelectField("Team", coerce=_optional_int, validators=[Optional()])
    quarter = LongSelectField("Quarter", validators=[Optional()])
    status = LongSelectField(
        "Status",
        choices=[("", "Any status"), *((s.value, s.value.capitalize()) for s in Status)],
        validators=[Optional()],
    )
    group = LongSelectField("Stakeholder group", coerce=_optional_int, validators=[Optional()])
    effect = LongSelectField(
        "Effect",
        choices=[("", "Affected"), ("helped", "Helped"), ("harmed", "Harmed")],
        validators=[Optional()],
    )
    author = LongSelectField("Author", coerce=_optional_int, validators=[Optional()])
    due = QuickBooleanField("Due for review")
    archived = QuickBooleanField("Show archived")
    sort = LongSelectField("Sort", choices=list(SORTS.items()), default="relevance")
    # The scoring method's questions: what each KPI counts (SCORING.md).
    scored = QuickBooleanField("Counted in the scores")
    dashboard = QuickBooleanField("Only my dashboard's teams")
    harm = LongSelectField("Harm", choices=YES_NO, validators=[Optional()])
    shared = LongSelectField("Shared value", choices=YES_NO, validators=[Optional()])
    neutral = LongSelectField("Waste-neutral", choices=YES_NO, validators=[Optional()])
    consultation = LongSelectField(
        "Consultation",
        choices=[
            ("", "Any"),
            ("defined", "Some group affected"),
            ("full", "Every affected group asked"),
            ("partial", "Some affected groups asked"),
            ("none", "No affected group asked"),
        ],
        validators=[Optional()],
    )
    due_in = LongSelectField("Review due in", validators=[Optional()])
    in_time = LongSelectField(
        "Reviewed in time",
        choices=[("", "Any"), ("yes", "Yes"), ("no", "No")],
        validators=[Optional()],
    )
    reviewed_in = LongSelectField("Reviewed in", validators=[Optional()])
    author_email = QuickSearchField("Author's email", validators=[Optional(), Length(max=254)])
    tag = QuickSearchField("Tag", validators=[Optional(), Length(max=100)])

    def setup(
        self,
        teams: Sequence[Named],
        quarters: Sequence[Quarter],
        groups: Sequence[Named],
        authors: Sequence[tuple[int, str]] = (),
        me: int | None = None,
    ) -> None:
        self.team.choices = [("", "All my teams"), *((t.id, t.name) for t in teams)]
        self.author.choices = [
            ("", "Anyone"),
            *([(me, "Me")] if me is not None else []),
            *((i, name) for i, name in authors if i != me),
        ]
        known = [str(q) for q in quarters]
        asked = (self.quarter.data or "").strip().upper()
        if asked and asked not in known:  # a shared link may name a quarter without decisions
            known.insert(0, asked)
        self.quarter.data = asked
        self.quarter.choices = [("", "Any quarter"), *((q, q) for q in known)]
        for field in (self.due_in, self.reviewed_in):
            wanted = (field.data or "").strip().upper()
            field.data = wanted
            shown = known if not wanted or wanted in known else [wanted, *known]
            field.choices = [("", "Any quarter"), *((q, q) for q in shown)]
        self.group.choices = [("", "Any group"), *((g.id, g.name) for g in groups)]

    def validate_quarter(self, field: SelectField) -> None:
        if field.data:
            try:
                Quarter.parse(field.data)
            except ValueError as error:
                raise ValidationError(str(error)) from error

    def validate_q(self, field: SearchField) -> None:
        if field.data and field.data.strip() and not search_words.words(field.data):
            raise ValidationError(search_words.NO_WORD)

    validate_due_in = validate_quarter
    validate_reviewed_in = validate_quarter

    @property
    def active_count(self) -> int:
        return (
            sum(
                bool(f.data)
                for f in (
                    self.q,
                    self.team,
                    self.quarter,
                    self.status,
                    self.group,
                    self.author,
                    self.due,
                )
            )
            + self.scoring_count
        )

    @property
    def scoring_fields(self) -> tuple[Any, ...]:
        return (
            self.harm,
            self.shared,
            self.neutral,
            self.consultation,
            self.due_in,
            self.in_time,
            self.reviewed_in,
            self.author_email,
            self.tag,
        )

    @property
    def scoring_count(self) -> int:
        return sum(bool(f.data) for f in (self.scored, self.dashboard, *self.scoring_fields))
