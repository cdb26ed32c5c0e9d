"""The API's request and response shapes, declared once: they validate input, serialise output
and generate the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class Strict(Schema):
    """A schema that refuses unknown fields (marshmallow's default)."""


class EventsQuery(Strict):
    since = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "Cursor: return events with ids above it (0: from the start)."},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class Trainee(Strict):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class ModuleProgress(Strict):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["done", "in-progress", "open", "locked", "review-due"]),
    )
    why = fields.String(required=True)
    completed_at = fields.DateTime(required=True, allow_none=True)
    seconds = fields.Integer(required=True, metadata={"description": "Reading time."})


class Mastery(Strict):
    competency = fields.String(required=True)
    name = fields.String(required=True)
    mastery = fields.Float(required=True, metadata={"description": "P(mastered) now, 0-1."})
    threshold = fields.Float(required=True)
    mastered = fields.Boolean(required=True)


class Next(Strict):
    module = fields.String(
        required=True, allow_none=True, metadata={"description": "None: the placement check."}
    )
    kind = fields.String(required=True)
    reason = fields.String(required=True)


class Progress(Strict):
    trainee = fields.Nested(Trainee, required=True)
    modules = fields.List(fields.Nested(ModuleProgress), required=True)
    seconds = fields.Integer(required=True, metadata={"description": "Total reading time."})
    complete = fields.Boolean(required=True)
    left = fields.List(fields.String(), required=True)
    mastery = fields.List(fields.Nested(Mastery), required=True)
    next = fields.Nested(Next, required=True, allow_none=True)


class Named(Strict):
    id = fields.String(required=True)
    name = fields.String(required=True)


class CompetencyInfo(Named):
    track = fields.String(required=True)


class Weight(Strict):
    competency = fields.String(required=True)
    weight = fields.Float(required=True)


class ModuleInfo(Strict):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    track = fields.String(required=True)
    kind = fields.String(required=True)
    level = fields.Integer(required=True)
    minutes = fields.Integer(required=True)
    summary = fields.String(required=True)
    version = fields.Integer(required=True)
    competencies = fields.List(fields.Nested(Weight), required=True)
    quiz = fields.String(required=True, allow_none=True)


class Catalogue(Strict):
    tracks = fields.List(fields.Nested(Named), required=True)
    competencies = fields.List(fields.Nested(CompetencyInfo), required=True)
    modules = fields.List(fields.Nested(ModuleInfo), required=True)


class CohortInfo(Strict):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    target_date = fields.Date(required=True, allow_none=True)
    trainees = fields.Integer(required=True)


class Cohorts(Strict):
    cohorts = fields.List(fields.Nested(CohortInfo), required=True)


class Average(Strict):
    competency = fields.String(required=True)
    name = fields.String(required=True)
    average = fields.Float(required=True)


class TraineeSummary(Strict):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    mastery = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    mastered = fields.Integer(required=True)
    modules_done = fields.Integer(required=True)
    attempts = fields.Integer(required=True)
    passed = fields.Integer(required=True)
    last_active = fields.DateTime(required=True, allow_none=True)
    seconds = fields.Integer(required=True)
    next = fields.String(required=True, allow_none=True)
    attention = fields.List(fields.String(), required=True)


class CohortSummary(Strict):
    cohort = fields.Nested(CohortInfo, required=True)
    averages = fields.List(fields.Nested(Average), required=True)
    trainees = fields.List(fields.Nested(TraineeSummary), required=True)


class EventOut(Strict):
    id = fields.Integer(required=True)
    trainee = fields.Integer(required=True)
    kind = fields.String(required=True)
    module = fields.String(required=True, allow_none=True)
    attempt = fields.Integer(required=True, allow_none=True)
    at = fields.DateTime(required=True)
    data = fields.Dict(required=True, metadata={"description": "What the event recorded."})


class Events(Strict):
    events = fields.List(fields.Nested(EventOut), required=True)
    next_cursor = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `since` for the next page; null: no more events."},
    )
