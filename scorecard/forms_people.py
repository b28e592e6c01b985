"""Forms of the people pages: email preference, one's aim, a team's purpose."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

AIM_MAX = 300
PURPOSE_MAX = 600

FREQUENCY_CHOICES = [
    ("instantly", "Instantly: an email for each notification"),
    ("daily", "A daily digest"),
    ("weekly", "A weekly digest, on Mondays"),
    ("never", "Never: only in the application"),
]


class EmailPreferenceForm(FlaskForm):
    email_frequency = RadioField(
        "Email me about my notifications",
        choices=FREQUENCY_CHOICES,
        validators=[InputRequired(message="Choose how often to get email.")],
    )
    submit = SubmitField("Save email preference")


class AimForm(FlaskForm):
    aim = TextAreaField(
        "What am I working to achieve?",
        validators=[Length(max=AIM_MAX, message=f"Keep it to {AIM_MAX} characters.")],
        description="Shown on your profile beside your decisions. Leave it empty to show none.",
    )
    submit = SubmitField("Save")


class TeamPurposeForm(FlaskForm):
    purpose = TextAreaField(
        "What is this team working to achieve?",
        validators=[Length(max=PURPOSE_MAX, message=f"Keep it to {PURPOSE_MAX} characters.")],
        description="Shown on the team page, the dashboard and the workbook's Summary.",
    )
    submit = SubmitField("Save purpose")
