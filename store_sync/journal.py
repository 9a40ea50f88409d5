"""The journal going up: what a till sends (batches of items) and what the server answers per item.

Protocol (POST /api/v1/sync/journal, signed):

* An agent writes each sale, return, void, enrolment and till event (sign-in, approval, no-sale,
  shift report) to its local journal in the same SQLite
  transaction that completes it, then pushes pending items in journal order, in batches.
* The server applies each item idempotently by its id and answers per item:
  ``applied`` or ``duplicate`` (acknowledged: the agent marks it sent),
  ``retry`` (not yet applicable, e.g. a return whose sale has not arrived: keep and resend later),
  ``rejected`` (never applicable: keep, report, never drop silently).
* Nothing leaves the agent's journal before an acknowledgement; at-least-once delivery plus
  idempotent apply gives exactly-once effect.
* Each item is checked on its own: an item that is not valid is answered ``rejected`` with the
  reason ``invalid-item`` and the field messages, and the rest of its batch is applied. Only an
  item without a usable ``id`` (nothing to answer it by) makes the whole batch a 400.
* A sale's body carries ``feed_cursor``, the till's change-feed cursor when it priced the sale
  (optional: bodies from older agents have none). The till's promotions were then exactly the
  feed's changes for its store up to that cursor, so the server re-prices an offline sale with them.
"""

from __future__ import annotations

from enum import StrEnum

import marshmallow as ma

from store_sync.schemas import ConsentsSchema, Timestamp
from store_sync.text import scrubbed, unsafe_text_in

PROTOCOL_VERSION = 1
MAX_BATCH = 200
MAX_SEQ = 2**63 - 1  # a SQLite rowid
ITEM_ID = ma.validate.Length(min=8, max=64)


class ItemType(StrEnum):
    TRANSACTION = "transaction"  # body: store_sync.transactions.TillTransaction.to_dict(), as POSTed to /transactions
    ENROLMENT = "enrolment"  # body: EnrolmentBodySchema
    TILL_EVENT = "till_event"  # body: store_sync.till_events.TillEventBodySchema


class ItemStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    REJECTED = "rejected"

    @property
    def acknowledged(self) -> bool:
        return self in (ItemStatus.APPLIED, ItemStatus.DUPLICATE)


class EnrolmentBodySchema(ma.Schema):
    """A member enrolled at a till (possibly offline): the till made the member id."""

    class Meta:
        unknown = ma.RAISE

    member_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    phone = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    email = ma.fields.String(load_default=None, validate=ma.validate.Length(max=254))
    card_number = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^\d{13}$"),
                                   metadata={"description": "the pre-printed card handed over"})
    consents = ma.fields.Nested(ConsentsSchema, load_default=dict)
    at = Timestamp(required=True)
    cashier_id = ma.fields.UUID(load_default=None, metadata={"description": "the staff user signed in at the till"})


class JournalItemSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    id = ma.fields.String(required=True, validate=ITEM_ID,
                          metadata={"description": "the item's id; for a transaction, the transaction id"})
    seq = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_SEQ),
                            metadata={"description": "the till's journal position"})
    type = ma.fields.String(required=True, validate=ma.validate.OneOf([t.value for t in ItemType]))
    body = ma.fields.Dict(required=True, keys=ma.fields.String())

    @ma.validates("body")
    def _storable(self, body: dict, **_kwargs) -> None:
        problem = unsafe_text_in(body)
        if problem:
            raise ma.ValidationError(f"a text in the body {problem}")


class JournalItemsField(ma.fields.List):
    """The items of a batch, each loaded on its own.

    An item that does not load is kept as ``{"id", "type", "body", "errors"}`` (type and body as
    far as they are usable) so that it can be answered ``rejected``; the others load as usual.
    """

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return [self._item(position, raw, **kwargs) for position, raw in enumerate(value)]

    def _item(self, position: int, raw, **kwargs) -> dict:
        plain = _plain_item(raw)
        if plain is not None:
            return plain
        try:
            return self.inner.deserialize(raw, **kwargs)
        except ma.ValidationError as exc:
            item_id = raw.get("id") if isinstance(raw, dict) else None
            if not (isinstance(item_id, str) and ITEM_ID.min <= len(item_id) <= ITEM_ID.max):
                raise ma.ValidationError({position: exc.messages}) from None
            kind, body = raw.get("type"), raw.get("body")
            return {"id": item_id, "type": kind if kind in {t.value for t in ItemType} else "unknown",
                    "body": scrubbed(body) if isinstance(body, dict) else {}, "errors": exc.messages}


_ITEM_FIELDS = frozenset({"id", "seq", "type", "body"})
_ITEM_TYPES = frozenset(t.value for t in ItemType)


def _plain_item(raw) -> dict | None:
    """The item as ``JournalItemSchema`` loads it, when plain checks of the same rules find it valid
    (a batch holds up to 200); None when they do not, and the schema then answers for it."""
    if type(raw) is not dict or raw.keys() != _ITEM_FIELDS:
        return None
    item_id, seq, kind, body = raw["id"], raw["seq"], raw["type"], raw["body"]
    if not (type(item_id) is str and ITEM_ID.min <= len(item_id) <= ITEM_ID.max
            and type(seq) is int and 1 <= seq <= MAX_SEQ and type(kind) is str and kind in _ITEM_TYPES
            and type(body) is dict and all(type(key) is str for key in body) and unsafe_text_in(body) is None):
        return None
    return {"id": item_id, "seq": seq, "type": kind, "body": dict(body)}


class JournalBatchSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    protocol_version = ma.fields.Integer(required=True, validate=ma.validate.Equal(PROTOCOL_VERSION))
    store = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    terminal = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    items = JournalItemsField(ma.fields.Nested(JournalItemSchema), required=True,
                              validate=ma.validate.Length(min=1, max=MAX_BATCH))


class ItemResultSchema(ma.Schema):
    id = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in ItemStatus]))
    reason = ma.fields.String(allow_none=True, load_default=None)
    detail = ma.fields.String(allow_none=True, load_default=None)
    outcome = ma.fields.Dict(allow_none=True, load_default=None)


class JournalResultSchema(ma.Schema):
    protocol_version = ma.fields.Integer(required=True)
    results = ma.fields.List(ma.fields.Nested(ItemResultSchema), required=True)
