"""Shared schema pieces: strict base (unknown fields rejected), bounded fields, problem, pagination.

Every number a request carries is bounded by the column it lands in (the 32-bit integers of
server/models; see ``store_sync.schemas.int32``) and, where the business has one, by a maximum
no honest till or user reaches; every time is a ``Timestamp`` (2000 to 2099). The bounds are
marshmallow validators, so the OpenAPI document states them.
"""

from __future__ import annotations

import marshmallow as ma

from store_sync.schemas import INT32_MAX, ConsentsSchema, Timestamp, int32

__all__ = ["INT32_MAX", "ConsentsSchema", "Timestamp", "amount", "int32", "points", "positive", "quantity"]

MAX_AMOUNT_MINOR = 100_000_000  # one amount: 1,000,000.00 in a currency with cents
MAX_POINTS = 10_000_000  # points in one entry, hold, tender or promotion
MAX_QTY = 100_000  # units of one line
MAX_QTY_MILLI = 100_000_000  # thousandths of a weighed line's unit: 100,000 kg or l
MAX_LINES = 500  # lines of one basket or transaction


def amount(**kwargs) -> ma.fields.Integer:
    """Money in minor units, 0 to MAX_AMOUNT_MINOR."""
    return int32(minimum=0, maximum=MAX_AMOUNT_MINOR, **kwargs)


def points(minimum: int = 0, **kwargs) -> ma.fields.Integer:
    """A count of points, ``minimum`` (0) to MAX_POINTS."""
    return int32(minimum=minimum, maximum=MAX_POINTS, **kwargs)


def quantity(maximum: int = MAX_QTY, **kwargs) -> ma.fields.Integer:
    """A count of units, 1 to ``maximum``."""
    return int32(minimum=1, maximum=maximum, **kwargs)


def positive(**kwargs) -> ma.fields.Integer:
    """A 32-bit integer from 1 (versions, counts, limits)."""
    return int32(minimum=1, **kwargs)


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
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=512))
