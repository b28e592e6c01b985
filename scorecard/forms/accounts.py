"""Forms of accounts: signing in, one's password, users and teams (administration)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from scorecard.passwords import MAX_PASSWORD, password_problem

ROLE_CHOICES = [("staff", "Staff"), ("manager", "Manager"), ("admin", "Admin")]


class NewPassword:
    """At least 12 characters, at most 128, and not a well-known password; no composition rules."""

    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), NewPassword()],
        description="At least 12 characters. A short sentence is easy to remember and hard to guess.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired(),
            EqualTo("new_password", message="The two new passwords differ."),
        ],
    )
    submit = SubmitField("Change password")


class UserCreateForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="staff")
    teams = SelectMultipleField("Member of", coerce=int, validators=[Optional()])
    manages = SelectMultipleField(
        "Manages", coerce=int, validators=[Optional()], description="Only used for managers."
    )
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(), NewPassword()],
        description="Give it to the person privately; they can change it under My account.",
    )
    submit = SubmitField("Create user")


class UserEditForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField(
        "Active", description="Deactivating a user ends all their sessions at once."
    )
    teams = SelectMultipleField("Member of", coerce=int, validators=[Optional()])
    manages = SelectMultipleField(
        "Manages", coerce=int, validators=[Optional()], description="Only used for managers."
    )
    new_password = PasswordField(
        "Set a new password",
        validators=[Optional(), NewPassword()],
        description="Leave empty to keep the current password.",
    )
    submit = SubmitField("Save user")


class TeamForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Slug",
        validators=[
            Optional(),
            Length(max=64),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message="Lower-case letters, digits and single hyphens.",
            ),
        ],
        description="Used in addresses. Leave empty to make one from the name; it cannot change later.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Save team")
