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
    """An RFC 9457 problem; a problem may carry extension members (``reason``, ``field``, ``retry_after``...)."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True, metadata={"description": "URI naming the kind of problem"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    instance = ma.fields.String(required=True, metadata={"description": "the request's path"})
    request_id = ma.fields.String(required=True, allow_none=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "field -> messages, for validation failures"})


class PageQuerySchema(StrictSchema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))
    cursor = ma.fields.String(load_default=None)
