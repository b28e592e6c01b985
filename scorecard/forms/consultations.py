"""Forms of consultations: the author's question to a stakeholder group, and the answer."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from scorecard.domain.rules import IMPACT_WORDS
from scorecard.models import StakeholderGroup
from scorecard.services import consultations as service


class ConsultationForm(FlaskForm):
    group_id = SelectField(
        "Stakeholder group",
        coerce=int,
        validators=[InputRequired("Choose the group you are asking.")],
        description="Ask one group at a time: their answers are shown beside your estimate for them.",
    )
    question = StringField(
        "The question they answer",
        default=service.DEFAULT_QUESTION,
        filters=[lambda text: text.strip() if text else text],
        validators=[
            DataRequired("Write the question the stakeholders will answer."),
            Length(max=service.MAX_QUESTION),
        ],
        description="In their words; they answer it on a scale from serious harm to strong benefit.",
    )
    description = TextAreaField(
        "What they should know (optional)",
        validators=[Optional(), Length(max=service.MAX_DESCRIPTION)],
        description="Shown under the question. Nothing else of the decision is shown to them.",
    )
    ends_on = DateField(
        "Last day for answers",
        validators=[InputRequired("Give the last day answers are taken.")],
    )
    max_answers = IntegerField(
        "Most answers taken",
        default=service.DEFAULT_MAX_ANSWERS,
        validators=[
            InputRequired("Give the largest number of answers to take."),
            NumberRange(1, service.MAX_ANSWERS_LIMIT),
        ],
    )

    def setup(self, groups: list[StakeholderGroup]) -> None:
        self.group_id.choices = [(g.id, g.name) for g in groups]
        if self.ends_on.data is None and not self.is_submitted():
            self.ends_on.data = date.today() + timedelta(days=service.DEFAULT_DAYS)

    def validate_ends_on(self, field: DateField) -> None:
        today = date.today()
        if field.data is not None and field.data < today:
            raise ValidationError("The last day cannot be in the past.")
        if field.data is not None and field.data > today + timedelta(days=service.MAX_DAYS):
            raise ValidationError(f"A consultation runs for at most {service.MAX_DAYS} days.")

    def to_input(self) -> service.ConsultationInput:
        return service.ConsultationInput(
            group_id=int(self.group_id.data),
            question=self.question.data or "",
            description=self.description.data or "",
            ends_on=self.ends_on.data,
            max_answers=int(self.max_answers.data),
        )


RATING_CHOICES = [(value, f"{value:+d}" if value else "0") for value in sorted(IMPACT_WORDS)]


class AnswerForm(FlaskForm):
    """The public form. Its forgery check is the signed form token tied to the browser's
    cookie (consultation_links), not the session, which a stakeholder never gets."""

    class Meta:
        csrf = False

    form_token = HiddenField()
    rating = RadioField(
        "Your answer",
        coerce=int,
        choices=RATING_CHOICES,
        validators=[InputRequired("Choose how it would affect you, from −3 to +3.")],
    )
    comment = TextAreaField(
        "Anything you would like to add (optional)",
        validators=[Optional(), Length(max=service.MAX_COMMENT)],
    )
    contact = StringField(
        "How to reach you, if you would like an answer (optional)",
        validators=[Optional(), Length(max=service.MAX_CONTACT)],
        description="An email or a phone number. Leave it empty to answer anonymously.",
    )

    def to_input(self) -> service.AnswerInput:
        return service.AnswerInput(
            rating=int(self.rating.data),
            comment=self.comment.data or "",
            contact=self.contact.data or "",
        )
