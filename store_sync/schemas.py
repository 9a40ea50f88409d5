"""marshmallow schemas of the sync protocol: the server dumps with them, agents load with them.

Loading returns the dataclasses of ``store_sync.feed``. Unknown fields are ignored on load, so a
server may add fields without breaking older agents; a different ``protocol_version`` is refused.
"""

from __future__ import annotations

import marshmallow as ma

from store_sync.cursor import format_cursor, parse_cursor
from store_sync.exceptions import CursorError
from store_sync.feed import (
    PROTOCOL_VERSION,
    Change,
    ChangesPage,
    Op,
    SnapshotItem,
    SnapshotPage,
)


class CursorField(ma.fields.String):
    """A feed position: an int in code, decimal text on the wire."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_cursor(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_cursor(super()._deserialize(value, attr, data, **kwargs))
        except CursorError as exc:
            raise ma.ValidationError(exc.detail) from None


class _ProtocolSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    protocol_version = ma.fields.Integer(
        required=True, validate=ma.validate.Equal(PROTOCOL_VERSION),
        metadata={"description": "sync protocol version; agents refuse one they do not speak"})


class FeedChangeSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    seq = ma.fields.Integer(required=True, metadata={"description": "feed position, strictly increasing"})
    entity_type = ma.fields.String(required=True, metadata={"description": "e.g. product, card, member"})
    entity_id = ma.fields.String(required=True)
    op = ma.fields.String(required=True, validate=ma.validate.OneOf([op.value for op in Op]))
    store = ma.fields.String(required=True, allow_none=True,
                             metadata={"description": "the store it is for; null for every store"})
    payload = ma.fields.Dict(required=True, keys=ma.fields.String())
    at = ma.fields.AwareDateTime(required=True, metadata={"description": "when the server recorded it"})

    @ma.post_load
    def make(self, data, **_kwargs) -> Change:
        return Change(**{**data, "op": Op(data["op"])})


class ChangesPageSchema(_ProtocolSchema):
    cursor = CursorField(required=True, metadata={"description": "the cursor this page follows"})
    items = ma.fields.List(ma.fields.Nested(FeedChangeSchema), required=True)
    next_cursor = CursorField(required=True, metadata={
        "description": "ask from here next; may lie past the last item (other stores' changes)"})
    has_more = ma.fields.Boolean(required=True, metadata={
        "description": "true: ask again at once; false: caught up, poll later"})

    @ma.post_load
    def make(self, data, **_kwargs) -> ChangesPage:
        return ChangesPage(**{**data, "items": tuple(data["items"])})


class SnapshotItemSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    entity_type = ma.fields.String(required=True)
    entity_id = ma.fields.String(required=True)
    seq = ma.fields.Integer(required=True, metadata={"description": "the change this state comes from"})
    payload = ma.fields.Dict(required=True, keys=ma.fields.String())

    @ma.post_load
    def make(self, data, **_kwargs) -> SnapshotItem:
        return SnapshotItem(**data)


class SnapshotPageSchema(_ProtocolSchema):
    cursor = CursorField(required=True, metadata={
        "description": "the snapshot is as of this cursor; continue the change feed from it"})
    items = ma.fields.List(ma.fields.Nested(SnapshotItemSchema), required=True)
    next_page = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "token for the next page of this same snapshot; null on the last page"})

    @ma.post_load
    def make(self, data, **_kwargs) -> SnapshotPage:
        return SnapshotPage(**{**data, "items": tuple(data["items"])})
