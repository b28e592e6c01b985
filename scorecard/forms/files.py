"""Forms of files: exporting a scorecard, importing decisions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Optional,
)


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
