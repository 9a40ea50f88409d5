"""marshmallow schemas of the sync protocol: the server dumps with them, agents load with them.

Loading returns the dataclasses of ``store_sync.feed``. Unknown fields are ignored on load, so a
server may add fields without breaking older agents; a different ``protocol_version`` is refused.

Also the bounded field types every message uses (the server's API schemas too, through
``server.schemas.common``): integers that fit the 32-bit columns they land in, and timestamps in
a sane range, so that no value can overflow a column or date arithmetic further down.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime

import marshmallow as ma

from loyalty.members import Consents
from store_sync.cursor import format_cursor, parse_cursor
from store_sync.exceptions import CursorError
from store_sync.feed import (
    PROTOCOL_VERSION,
    Change,
    ChangesPage,
    Op,
    SnapshotItem,
    SnapshotPage,
    SnapshotPageText,
)

INT32_MAX = 2**31 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_IN_RANGE = ma.validate.Range(min=EARLIEST, max=LATEST, max_inclusive=False,
                              error="must be from 2000-01-01 to before 2100-01-01 (UTC)")


class Timestamp(ma.fields.AwareDateTime):
    """An RFC 3339 time with offset, from 2000 to 2099: date arithmetic on it cannot overflow."""

    def __init__(self, **kwargs) -> None:
        metadata = dict(kwargs.pop("metadata", None) or {})
        description = metadata.get("description")
        metadata["description"] = ((description + "; " if description else "") +
                                   "from 2000-01-01 to before 2100-01-01 (UTC)")
        super().__init__(validate=_IN_RANGE, metadata=metadata, **kwargs)


def int32(*, minimum: int = -INT32_MAX - 1, maximum: int = INT32_MAX, **kwargs) -> ma.fields.Integer:
    """A JSON integer (never a float or a numeric string) within ``minimum``..``maximum``.

    The bounds default to a 32-bit column's and may only narrow them.
    """
    if minimum < -INT32_MAX - 1 or maximum > INT32_MAX:
        raise ValueError("an int32 field fits a 32-bit column")
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=minimum, max=maximum), **kwargs)


# A member's consents by name, as loyalty.members.Consents has them; an unknown name is refused.
ConsentsSchema = ma.Schema.from_dict({field.name: ma.fields.Boolean() for field in dataclass_fields(Consents)},
                                     name="ConsentsSchema")


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


class _SnapshotItems(ma.fields.List):
    """A snapshot page's items: dumped and documented as a list of ``SnapshotItemSchema``, loaded by
    plain type checks of the same fields (an object with a string entity_type and entity_id, a JSON
    integer seq and an object payload; other keys ignored) at a small part of the schema's cost:
    a page may hold thousands of items, and the schema took ~200 µs an item (on a busy 2-core machine).
    The HTTP link checks pages in their text instead (``load_snapshot_page_text``), and loads with
    this only a page that check refused, for its messages."""

    def _deserialize(self, value, attr, data, **kwargs) -> list[SnapshotItem]:
        if not isinstance(value, list):
            raise ma.ValidationError("Not a valid list.")
        items, errors = [], {}
        for n, item in enumerate(value):
            problems = _snapshot_item_problems(item)
            if problems:
                errors[n] = problems
            else:
                items.append(SnapshotItem(item["entity_type"], item["entity_id"], item["seq"], item["payload"]))
        if errors:
            raise ma.ValidationError(errors)
        return items


_SNAPSHOT_ITEM_TYPES = (("entity_type", str, "Not a valid string."), ("entity_id", str, "Not a valid string."),
                        ("seq", int, "Not a valid integer."), ("payload", dict, "Not a valid mapping type."))


def _snapshot_item_problems(item) -> dict[str, list[str]] | list[str]:
    if not isinstance(item, dict):
        return ["Invalid input type."]
    problems = {}
    for key, kind, message in _SNAPSHOT_ITEM_TYPES:
        if key not in item:
            problems[key] = ["Missing data for required field."]
        elif not isinstance(item[key], kind) or isinstance(item[key], bool):
            problems[key] = [message]
    return problems


class SnapshotPageSchema(_ProtocolSchema):
    cursor = CursorField(required=True, metadata={
        "description": "the snapshot is as of this cursor; continue the change feed from it"})
    items = _SnapshotItems(ma.fields.Nested(SnapshotItemSchema), required=True)
    next_page = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "token for the next page of this same snapshot; null on the last page"})

    @ma.post_load
    def make(self, data, **_kwargs) -> SnapshotPage:
        return SnapshotPage(**{**data, "items": tuple(data["items"])})


def snapshot_page_json(cursor: int, next_page: str | None, items: Iterable[tuple[str, str, int, str]]) -> str:
    """A snapshot page as ``SnapshotPageSchema`` dumps it, written from payloads already in JSON text.

    ``items`` are (entity_type, entity_id, seq, payload as a JSON object's text). The server keeps
    payloads as JSON text: copying them into the page, rather than decoding each one to dump it
    again, is most of the cost of serving a chain's members to a new till.
    """
    head = SnapshotPageSchema(exclude=("items",)).dump(SnapshotPage(cursor=cursor, items=(), next_page=next_page))
    body = ",".join(f'{{"entity_type":{json.dumps(entity_type)},"entity_id":{json.dumps(entity_id)},'
                    f'"seq":{int(seq)},"payload":{payload}}}' for entity_type, entity_id, seq, payload in items)
    return f'{json.dumps(head)[:-1]},"items":[{body}]}}'


def changes_page_json(cursor: int, next_cursor: int, has_more: bool,
                      items: Iterable[tuple[int, str, str, str, str, datetime, str | None]]) -> str:
    """A changes page as ``ChangesPageSchema`` dumps it, written from payloads already in JSON text.

    ``items`` are (seq, entity_type, entity_id, op, payload as a JSON object's text, at, store).
    As for snapshot pages, the stored payload text is copied into the page rather than decoded
    and dumped again through the schema.
    """
    head = ChangesPageSchema(exclude=("items",)).dump(
        ChangesPage(cursor=cursor, items=(), next_cursor=next_cursor, has_more=has_more))
    body = ",".join(f'{{"seq":{int(seq)},"entity_type":{json.dumps(entity_type)},"entity_id":{json.dumps(entity_id)},'
                    f'"op":{json.dumps(op)},"store":{json.dumps(store)},"payload":{payload},'
                    f'"at":"{at.isoformat()}"}}' for seq, entity_type, entity_id, op, payload, at, store in items)
    return f'{json.dumps(head)[:-1]},"items":[{body}]}}'


_HEAD = ("protocol_version", "cursor", "next_page")
_ITEM_JSON_TYPES = (("entity_type", "text"), ("entity_id", "text"), ("seq", "integer"), ("payload", "object"))
# One pass of SQLite's JSON reader over the page: the head's fields (their JSON types, to tell a
# missing field from a null one), whether items is an array, how many items are not of the shape
# _SnapshotItems checks (an object with a string entity_type and entity_id, a JSON integer seq
# and an object payload), and the items' entity types.
_HEAD_PATHS = ", ".join(f"'$.{key}'" for key in _HEAD)
_CHECK_PAGE = (
    "SELECT json_type(:page, '$.items') IS 'array', "
    "json_array(" + ", ".join(f"json_type(:page, '$.{key}')" for key in _HEAD) + "), "
    f"json_extract(:page, {_HEAD_PATHS}), "
    "(SELECT count(*) FROM json_each(:page, '$.items') AS item WHERE item.type IS NOT 'object' "
    + "".join(f"OR json_type(item.value, '$.{key}') IS NOT '{kind}' " for key, kind in _ITEM_JSON_TYPES) + "), "
    "(SELECT json_group_array(DISTINCT json_extract(item.value, '$.entity_type')) "
    "FROM json_each(:page, '$.items') AS item WHERE item.type = 'object')")


def load_snapshot_page_text(text: str) -> SnapshotPageText:
    """Check a snapshot page's JSON text as ``SnapshotPageSchema`` would load it, without decoding its items.

    The check runs in SQLite's JSON reader (which lets other threads run meanwhile); a page it
    refuses is loaded by the schema, whose ``ValidationError`` says what is wrong.

    Raises:
        ValueError: the text is not JSON.
        marshmallow.ValidationError: the page is not a snapshot page this agent reads.
    """
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        try:
            if not conn.execute("SELECT json_valid(?)", (text,)).fetchone()[0]:
                raise ValueError("not JSON")
            items_ok, kinds, values, bad_items, types = conn.execute(_CHECK_PAGE, {"page": text}).fetchone()
        except sqlite3.Error as exc:  # malformed JSON within (json_valid let it pass)
            raise ValueError(str(exc)) from None
    if not items_ok or bad_items:
        SnapshotPageSchema().load(json.loads(text))  # raises with the fields at fault
        raise ma.ValidationError({"items": ["Not a valid list of snapshot items."]})  # never: both refuse alike
    head = {key: value for key, kind, value in zip(_HEAD, json.loads(kinds), json.loads(values), strict=True)
            if kind is not None}
    loaded = SnapshotPageSchema().load({**head, "items": []})  # the head's fields as the schema reads them
    return SnapshotPageText(cursor=loaded.cursor, next_page=loaded.next_page, text=text,
                            entity_types=frozenset(json.loads(types)))
