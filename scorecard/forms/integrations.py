"""Forms of the integrations: a personal access token, a webhook endpoint."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    URLField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from scorecard.services.tokens import EXPIRY_DAYS, SCOPES


def _expiry_choices() -> list[tuple[str, str]]:
    return [*((str(d), f"{d} days") for d in EXPIRY_DAYS), ("never", "Never")]


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[
            DataRequired("Give the token a name, e.g. the tool that will use it."),
            Length(max=80),
        ],
        description="What will use it, e.g. “Monthly report script”.",
    )
    scope = RadioField(
        "Access",
        choices=list(SCOPES.items()),
        default="read",
        validators=[DataRequired("Choose what the token may do.")],
    )
    expires = SelectField("Expires after", choices=_expiry_choices(), default="90")
    submit = SubmitField("Create token")

    def expiry_days(self) -> int | None:
        return None if self.expires.data == "never" else int(self.expires.data)


class WebhookForm(FlaskForm):
    url = URLField(
        "Endpoint address",
        validators=[DataRequired("Enter the address that receives the events."), Length(max=2000)],
        description="https://… — it receives a signed POST for each event below.",
    )
    description = StringField("Description", validators=[Length(max=200)])
    events = SelectMultipleField(
        "Events",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Choose at least one event.")],
    )
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save endpoint")
