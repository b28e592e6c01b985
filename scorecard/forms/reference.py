"""Forms of the reference data: stakeholder groups, waste categories, composite weights."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)


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
