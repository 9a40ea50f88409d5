"""Query arguments of the sync endpoints; the responses are the protocol's own schemas (store_sync)."""

import marshmallow as ma

from server.schemas.common import StrictSchema
from server.schemas.stores import CODE
from store_sync.schemas import CursorField

_STORE = {"description": "optional: the terminal's own store code (any other store is 403)"}


class ChangesQuerySchema(StrictSchema):
    cursor = CursorField(load_default=0, metadata={
        "description": "the next_cursor of the last page applied; omit or 0 for the start"})
    limit = ma.fields.Integer(load_default=200, validate=ma.validate.Range(min=1, max=1000))
    store = ma.fields.String(load_default=None, validate=CODE, metadata=_STORE)


class SnapshotQuerySchema(StrictSchema):
    page = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=1024), metadata={
        "description": "the next_page token of the previous page; omit for the first page"})
    limit = ma.fields.Integer(load_default=1000, validate=ma.validate.Range(min=1, max=5000))
    store = ma.fields.String(load_default=None, validate=CODE, metadata=_STORE)
