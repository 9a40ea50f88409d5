"""Shared schema pieces: strict base (unknown fields rejected), problem, pagination."""

from __future__ import annotations

import marshmallow as ma


def attributes(obj: object, schema: type[ma.Schema]) -> dict:
    """The attributes of ``obj`` that ``schema`` shows, for responses that add fields to a model."""
    return {name: getattr(obj, name) for name in schema().fields}


class StrictSchema(ma.Schema):
    """Requests reject unknown fields (API convention); responses list exactly what they send."""

    class Meta:
        unknown = ma.RAISE


class ProblemSchema(ma.Schema):
    type = ma.fields.String(metadata={"description": "URI naming the kind of problem"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    instance = ma.fields.String()
    request_id = ma.fields.String(allow_none=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "field -> messages, for validation failures"})


class PageQuerySchema(StrictSchema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))
    cursor = ma.fields.String(load_default=None)
