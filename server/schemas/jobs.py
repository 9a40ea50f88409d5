"""A background job as the API shows it."""

import marshmallow as ma


class JobProgressSchema(ma.Schema):
    done = ma.fields.Integer(metadata={"description": "units of work done so far"})
    total = ma.fields.Integer(allow_none=True, metadata={"description": "units in all, when the job knows"})
    note = ma.fields.String()


class JobSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String(metadata={"description": "the job's function"})
    state = ma.fields.String(metadata={"description": "queued (also between attempts), running, finished or failed"})
    attempts = ma.fields.Integer()
    progress = ma.fields.Nested(JobProgressSchema)
    result = ma.fields.Raw(allow_none=True, metadata={"description": "what the job returned, once finished"})
    error = ma.fields.String(metadata={"description": "the last attempt's error, if it failed"})
    enqueued_at = ma.fields.AwareDateTime(allow_none=True)
    started_at = ma.fields.AwareDateTime(allow_none=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)
