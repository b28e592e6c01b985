"""WTForms classes. Views turn a validated form into plain input before calling a service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
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
    InputRequired,
    Length,
    NumberRange,
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


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    weight = DecimalField(
        "Weight",
        places=None,
        validators=[InputRequired(), NumberRange(min=0.01, max=100)],
        default=1,
    )
    is_owner = BooleanField("Owner group (the business side)")
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save group")


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    unit = StringField("Unit", validators=[DataRequired(), Length(max=20)])
    unit_cost = DecimalField(
        "Cost per unit", places=None, validators=[InputRequired(), NumberRange(min=0, max=1e9)]
    )
    co2e_per_unit = DecimalField(
        "kg CO2e per unit", places=None, validators=[InputRequired(), NumberRange(min=0, max=1e9)]
    )
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save category")


class WeightsForm(FlaskForm):
    impact = DecimalField(
        "Impact index", places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    shared = DecimalField(
        "Shared value %", places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    harm = DecimalField(
        "Harm % (inverted)", places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    waste = DecimalField(
        "Waste-neutral %", places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    consultation = DecimalField(
        "Consultation %", places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    review = DecimalField(
        "Review %", places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    calibration = DecimalField(
        "Calibration", places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    note = StringField("Why the change", validators=[DataRequired(), Length(max=300)])
    submit = SubmitField("Save as a new method version")

    def validate_calibration(self, field: DecimalField) -> None:
        total = sum(
            float(getattr(self, k).data or 0)
            for k in ("impact", "shared", "harm", "waste", "consultation", "review", "calibration")
        )
        if total <= 0:
            raise ValidationError("At least one weight must be above 0.")


class ExportForm(FlaskForm):
    quarter = SelectField("Quarter", validators=[DataRequired()])
    # Not checked against the choices here: the service answers 404 or 403 for other teams.
    team = SelectField(
        "Teams",
        validators=[Optional()],
        validate_choice=False,
        description="A manager's workbook holds only the teams they manage.",
    )
    submit = SubmitField("Generate workbook")


class ImportForm(FlaskForm):
    file = FileField(
        "Spreadsheet",
        validators=[
            FileRequired("Choose a .csv or .xlsx file."),
            FileAllowed(["csv", "xlsx"], "Only .csv and .xlsx files can be imported."),
        ],
        description="CSV (UTF-8, comma or semicolon) or an Excel workbook (.xlsx).",
    )
    dry_run = BooleanField(
        "Only check the file",
        description="Reports every problem and what would change, and writes nothing.",
    )
    submit = SubmitField("Import decisions")
