"""The API's schemas: they check what comes in and describe, in the OpenAPI document, what
goes in and out. Business rules are not here: the decision forms and services decide those."""

from __future__ import annotations

import copy

import marshmallow as ma
from marshmallow import fields, validate

from scorecard.domain import search_words
from scorecard.domain.quarters import Quarter
from scorecard.domain.scoring import FIGURE_COLUMNS, TEAMS_COLUMNS
from scorecard.domain.scoring.counted import CONSULTATION
from scorecard.services.decision_log import SORTS, YES_NO

STATUSES = ("draft", "decided", "reviewed")


def _d(text: str, **more: object) -> dict[str, object]:
    return {"description": text, **more}


class Links(ma.Schema):
    self_ = fields.String(data_key="self", metadata=_d("This resource in the API."))
    html = fields.String(metadata=_d("Its page in the application."))


class Problem(ma.Schema):
    """A problem detail (RFC 9457)."""

    type = fields.String(
        metadata=_d("What kind of problem; about:blank when only the status says.")
    )
    title = fields.String()
    status = fields.Integer()
    detail = fields.String(metadata=_d("What went wrong, for a person to read."))
    errors = fields.List(
        fields.Dict(keys=fields.String(), values=fields.String()),
        metadata=_d(
            "For invalid input: one item per wrong field, with `pointer` (a JSON Pointer into "
            "the request body), `field` and `detail`; a query parameter is named by `parameter`."
        ),
    )


class Team(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    description = fields.String()


class TeamRef(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()


class StakeholderGroup(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    weight = fields.Float()
    is_owner = fields.Boolean(metadata=_d("The owners' group, scored as the business side."))
    active = fields.Boolean()
    position = fields.Integer()


class WasteCategory(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    unit_cost = fields.Float()
    co2e_per_unit = fields.Float(metadata=_d("kg CO2e per unit."))
    active = fields.Boolean()
    position = fields.Integer()


class Person(ma.Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String()


class Impact(ma.Schema):
    group_id = fields.Integer()
    group = fields.String()
    impact = fields.Integer(metadata=_d("Estimated impact, −3 to +3."))
    consulted = fields.Boolean()
    note = fields.String()
    actual = fields.Integer(allow_none=True, metadata=_d("The reviewed impact, when reviewed."))


class WasteLine(ma.Schema):
    id = fields.Integer()
    category_id = fields.Integer()
    category = fields.String()
    unit = fields.String()
    created = fields.Float()
    avoided = fields.Float()
    note = fields.String()
    actual_created = fields.Float(allow_none=True)
    actual_avoided = fields.Float(allow_none=True)


class ReviewOut(ma.Schema):
    reviewed_on = fields.Date()
    reviewer = fields.Nested(Person, allow_none=True)
    what_happened = fields.String()
    lessons = fields.String()


class CommentOut(ma.Schema):
    id = fields.Integer()
    author = fields.Nested(Person, allow_none=True)
    body = fields.String()
    created_at = fields.DateTime()


Figures = ma.Schema.from_dict(
    {name: fields.Float(allow_none=True) for name in FIGURE_COLUMNS}, name="Figures"
)


class DecisionSummary(ma.Schema):
    id = fields.Integer()
    team = fields.Nested(TeamRef)
    title = fields.String()
    question = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    decided_on = fields.Date()
    review_due = fields.Date(allow_none=True)
    tags = fields.List(fields.String())
    archived = fields.Boolean()
    version = fields.Integer(metadata=_d("Send it back in If-Match to change the decision."))
    author = fields.Nested(Person, allow_none=True)
    figures = fields.Nested(Figures, metadata=_d("The scoring module's figures of the estimate."))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    links = fields.Nested(Links)


class Decision(DecisionSummary):
    context = fields.String()
    decision_taken = fields.String()
    alternatives = fields.String()
    impacts = fields.List(fields.Nested(Impact))
    waste_lines = fields.List(fields.Nested(WasteLine))
    review = fields.Nested(ReviewOut, allow_none=True)
    comments = fields.List(fields.Nested(CommentOut))


class DecisionPage(ma.Schema):
    items = fields.List(fields.Nested(DecisionSummary))
    method_version = fields.Integer()
    next_cursor = fields.String(
        allow_none=True, metadata=_d("Pass as `cursor` for the next page; null on the last.")
    )
    links = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


def _a_quarter(text: str) -> None:
    try:
        Quarter.parse(text)
    except ValueError as error:
        raise ma.ValidationError(str(error)) from error


def _has_a_word(text: str) -> None:
    if text.strip() and not search_words.words(text):
        raise ma.ValidationError(search_words.NO_WORD)


def _quarter(description: str) -> fields.String:
    return fields.String(validate=_a_quarter, metadata=_d(description))


def _yes_no(description: str) -> fields.String:
    return fields.String(validate=validate.OneOf(tuple(YES_NO)), metadata=_d(description))


class DecisionFilters(ma.Schema):
    """The decision log's filters, by the names of the Decisions page's address."""

    team = fields.Integer(metadata=_d("A team id."))
    quarter = _quarter("Decided in this quarter, e.g. 2026Q3.")
    status = fields.String(validate=validate.OneOf(STATUSES))
    group = fields.Integer(metadata=_d("A stakeholder group id: decisions affecting it."))
    effect = fields.String(
        validate=validate.OneOf(("helped", "harmed")),
        metadata=_d("With `group`: only decisions that help or harm it."),
    )
    author = fields.Integer(metadata=_d("A user id: the decisions that person wrote."))
    author_email = fields.String(
        validate=validate.Length(max=254),
        metadata=_d("The author's email, as the import format and the scorecard write it."),
    )
    tag = fields.String(validate=validate.Length(max=100), metadata=_d("Decisions with this tag."))
    due = fields.Boolean(load_default=False, metadata=_d("Only decisions due for review."))
    q = fields.String(
        validate=[validate.Length(max=200), _has_a_word],
        metadata=_d("Words that must start words of the title, question or context."),
    )
    sort = fields.String(load_default="newest", validate=validate.OneOf(tuple(SORTS)))
    archived = fields.Boolean(
        load_default=False, metadata=_d("Include archived decisions of the teams you manage.")
    )
    # The scoring method's questions: each figure's link to the log uses them.
    scored = fields.Boolean(
        load_default=False,
        metadata=_d("Only decisions the scores count (decided or reviewed, not archived)."),
    )
    dashboard = fields.Boolean(
        load_default=False, metadata=_d("Only the teams of your dashboard's All teams.")
    )
    harm = _yes_no("Harms some stakeholder group (yes) or none (no), as Harm % counts.")
    shared = _yes_no("Creates shared value (yes) or not (no), as Shared value % counts.")
    neutral = _yes_no("Waste-neutral (yes) or not (no), as Waste-neutral % counts.")
    consultation = fields.String(
        validate=validate.OneOf(CONSULTATION),
        metadata=_d(
            "defined: some group affected; full, partial or none: how many of the affected "
            "groups were asked, as Consultation % counts."
        ),
    )
    due_in = _quarter("Review due in this quarter, as Review % counts.")
    in_time = _yes_no("With `due_in`: reviewed by its due date (yes) or not (no).")
    reviewed_in = _quarter("Reviewed in this quarter, as Calibration counts.")
    cursor = fields.String(metadata=_d("`next_cursor` of the page before."))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class ImpactIn(ma.Schema):
    group_id = fields.Integer(required=True)
    impact = fields.Integer(load_default=0, metadata=_d("−3 to +3."))
    consulted = fields.Boolean(load_default=False)
    note = fields.String(load_default="")


class WasteLineIn(ma.Schema):
    id = fields.Integer(metadata=_d("An existing line of the decision, to change it in place."))
    category_id = fields.Integer(required=True)
    created = fields.Float(load_default=0)
    avoided = fields.Float(load_default=0)
    note = fields.String(load_default="")


class DecisionCreate(ma.Schema):
    team_id = fields.Integer(required=True)
    title = fields.String(required=True)
    question = fields.String(required=True)
    context = fields.String()
    decision_taken = fields.String(metadata=_d("Required unless the status is draft."))
    alternatives = fields.String()
    decided_on = fields.Date(required=True)
    review_due = fields.Date(allow_none=True, metadata=_d("Left out: 90 days after the decision."))
    tags = fields.List(fields.String())
    status = fields.String(load_default="decided", validate=validate.OneOf(("draft", "decided")))
    impacts = fields.List(
        fields.Nested(ImpactIn),
        metadata=_d("One per stakeholder group; groups left out have no effect (0)."),
    )
    waste_lines = fields.List(fields.Nested(WasteLineIn))


def _all_optional(schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema with every field optional and without defaults: only what is sent changes."""
    fields_ = {}
    for field_name, field in schema._declared_fields.items():
        optional = copy.deepcopy(field)
        optional.required = False
        optional.load_default = ma.missing
        fields_[field_name] = optional
    return ma.Schema.from_dict(fields_, name=name)


DecisionUpdate = _all_optional(DecisionCreate, "DecisionUpdate")
DecisionUpdate.__doc__ = (
    "Only the fields sent change; `impacts` change the groups they name; `waste_lines`, when "
    "sent, replace the decision's lines."
)


class ActualIn(ma.Schema):
    group_id = fields.Integer(required=True)
    actual = fields.Integer(allow_none=True, required=True, metadata=_d("−3 to +3, or null."))


class ActualWasteIn(ma.Schema):
    line_id = fields.Integer(required=True)
    actual_created = fields.Float(allow_none=True, load_default=None)
    actual_avoided = fields.Float(allow_none=True, load_default=None)


class ReviewIn(ma.Schema):
    reviewed_on = fields.Date(required=True)
    what_happened = fields.String(required=True)
    lessons = fields.String(load_default="")
    actuals = fields.List(fields.Nested(ActualIn), load_default=list)
    waste = fields.List(fields.Nested(ActualWasteIn), load_default=list)


class CommentIn(ma.Schema):
    body = fields.String(required=True)


class QuarterQuery(ma.Schema):
    team = fields.String(metadata=_d("Only this team (its slug); All teams is then that team."))


TeamsRow = ma.Schema.from_dict(
    {
        column: fields.String()
        if column in ("Team", "Status")
        else fields.Integer()
        if column in ("Decisions", "Improving streak")
        else fields.Float(allow_none=True)
        for column in TEAMS_COLUMNS
    },
    name="TeamsRow",
)


class QuarterInProgress(ma.Schema):
    day = fields.Integer(metadata=_d("Today's day of the quarter (day 1 is its first day)."))
    days = fields.Integer(metadata=_d("The quarter's number of days."))
    cut_at = fields.String(metadata=_d("The day the figures are cut at (today), as 2026-11-30."))


class TeamsTable(ma.Schema):
    quarter = fields.String()
    method_version = fields.Integer()
    in_progress = fields.Nested(
        QuarterInProgress,
        allow_none=True,
        metadata=_d(
            "Set while the quarter is in progress: its figures are cut at today and compared "
            "with the previous quarter cut at the same day (null for a complete quarter)."
        ),
    )
    teams = fields.List(
        fields.Nested(TeamsRow),
        metadata=_d(
            "One row per team, then All teams: exactly the figures of `flask scores --json` "
            "(unrounded, null when empty)."
        ),
    )
