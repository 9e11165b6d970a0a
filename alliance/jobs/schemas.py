"""The JSON form of a job."""

from marshmallow import Schema, fields


class JobSchema(Schema):
    """A job's status, progress, and its result or problems."""

    id = fields.Integer()
    kind = fields.String()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    progress = fields.Float(metadata={"description": "From 0 to 1"})
    stage = fields.String()
    result = fields.Dict(allow_none=True)
    problems = fields.List(fields.Dict(), allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
