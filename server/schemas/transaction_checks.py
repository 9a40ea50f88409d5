"""A plain-Python pass over a transaction body that says "certainly valid" or "ask the schema".

Loading a body with ``TransactionSchema`` costs about as much as re-pricing it, and a journal
batch of 200 sales loads 200 of them only to learn that they are valid: the command is built from
the raw body either way. ``plainly_valid`` checks the same rules as the schema (every field's type
and bounds, unknown fields, the schema's own checks) in plain code and answers True only when the
schema would load the body without an error. Whatever it is unsure of (a UUID field that is set, a
value of an unexpected type, any broken rule) makes it answer False, and the caller then loads the
body with the schema, so a refused body gets the schema's own messages.
``tests/unit/server/test_transaction_checks.py`` holds it to that: whatever it passes, the schema loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.schemas.common import INT32_MAX, MAX_AMOUNT_MINOR, MAX_LINES, MAX_POINTS, MAX_QTY, MAX_QTY_MILLI
from server.schemas.members import CARD_NUMBER
from server.schemas.stores import CODE
from server.schemas.transactions import TransactionSchema
from store_sync.cursor import MAX_CURSOR

Check = Callable[[Any], bool]
_AT = TransactionSchema().fields["at"]  # the schema's own timestamp field: its parsing and range


def _text(low: int, high: int) -> Check:
    return lambda value: type(value) is str and low <= len(value) <= high


def _matching(validator) -> Check:
    return lambda value: type(value) is str and validator.regex.match(value) is not None


def _number(low: int, high: int) -> Check:
    return lambda value: type(value) is int and low <= value <= high  # a bool is no int here, as in the schema


def _one_of(*choices: str) -> Check:
    return lambda value: type(value) is str and value in choices


def _flag(value) -> bool:
    return type(value) is bool


def _timestamp(value) -> bool:
    if type(value) is not str:
        return False
    try:
        _AT.deserialize(value)
    except Exception:  # the schema answers for it
        return False
    return True


def _never(_value) -> bool:
    """A field set to anything but null is left to the schema (UUIDs: rare in a journal's sales)."""
    return False


def _records(fields: dict[str, tuple[bool, bool, Check]], *, most: int | None = None,
             check: Callable[[list], bool] = lambda _records: True) -> Check:
    def records(value) -> bool:
        return (type(value) is list and (most is None or len(value) <= most)
                and all(_record(item, fields) for item in value) and check(value))
    return records


def _record(value, fields: dict[str, tuple[bool, bool, Check]]) -> bool:
    """``fields``: name -> (required, null allowed, check of a value that is not null)."""
    if type(value) is not dict or not value.keys() <= fields.keys():
        return False
    for name, (required, nullable, check) in fields.items():
        if name not in value:
            if required:
                return False
            continue
        field = value[name]
        if field is None:
            if not nullable:
                return False
        elif not check(field):
            return False
    return True


def _one_discount_per_promotion(discounts: list) -> bool:
    return len({d["promotion_id"] for d in discounts}) == len(discounts)


_DISCOUNT = {"promotion_id": (True, False, _text(1, 64)), "version": (True, False, _number(1, INT32_MAX)),
             "label": (True, False, _text(1, 200)), "amount_minor": (True, False, _number(0, MAX_AMOUNT_MINOR)),
             "coupon_code": (False, True, _text(1, 64))}
_LINE = {"line_id": (True, False, _text(1, 32)), "sku": (False, False, _text(0, 64)),
         "qty": (True, False, _number(1, MAX_QTY)), "qty_milli": (False, True, _number(1, MAX_QTY_MILLI)),
         "unit_price_minor": (False, True, _number(0, MAX_AMOUNT_MINOR)),
         "paid_minor": (False, False, _number(0, MAX_AMOUNT_MINOR)),
         "tax_minor": (False, True, _number(0, MAX_AMOUNT_MINOR)), "category": (False, False, _text(0, 64)),
         "excluded": (False, False, _flag),
         "discounts": (False, False, _records(_DISCOUNT, check=_one_discount_per_promotion))}
_TENDER = {"kind": (True, False, _one_of("cash", "card", "points", "voucher")),
           "amount_minor": (True, False, _number(0, MAX_AMOUNT_MINOR)),
           "points": (False, False, _number(0, MAX_POINTS))}
_REWARD = {"reward_id": (True, False, _text(1, 64)), "times": (False, False, _number(1, 20)),
           "points": (True, False, _number(0, MAX_POINTS))}
_TRANSACTION = {
    "id": (True, False, _text(8, 64)), "kind": (True, False, _one_of("sale", "return", "void")),
    "store": (True, False, _matching(CODE)), "terminal": (True, False, _matching(CODE)),
    "at": (True, False, _timestamp), "offline": (False, False, _flag),
    "card_number": (False, True, _matching(CARD_NUMBER)),
    "lines": (False, False, _records(_LINE, most=MAX_LINES)),
    "tenders": (False, False, _records(_TENDER, most=MAX_LINES)),
    "hold_id": (False, True, _never), "coupon_hold_id": (False, True, _never),
    "original_id": (False, True, _text(8, 64)),
    "points_earned": (False, True, _number(0, MAX_POINTS)), "points_redeemed": (False, True, _number(0, MAX_POINTS)),
    "coupons": (False, False, lambda value: type(value) is list and len(value) <= MAX_LINES
                and all(_text(1, 64)(code) for code in value)),
    "cashier_id": (False, True, _never), "approved_by": (False, True, _never),
    "feed_cursor": (False, True, _number(0, MAX_CURSOR)),
    "programme_version": (False, True, _number(1, INT32_MAX)),
    "rewards": (False, False, _records(_REWARD, most=MAX_LINES)),
}


def plainly_valid(body: Any) -> bool:
    """True only if ``TransactionSchema().load(body)`` would load ``body`` without an error."""
    return _record(body, _TRANSACTION) and _shape(body)


def _shape(body: dict) -> bool:
    """The schema's ``_shape`` checks, on a body whose fields have passed."""
    kind, lines, tenders = body["kind"], body.get("lines", []), body.get("tenders", [])
    rewards = body.get("rewards", [])
    if kind != "sale" and (rewards or not body.get("original_id")):
        return False
    if kind == "sale" and not lines:
        return False
    if len({line["line_id"] for line in lines}) != len(lines):
        return False
    if sum(line.get("paid_minor", 0) for line in lines) > INT32_MAX:
        return False
    if sum(tender["amount_minor"] for tender in tenders) > INT32_MAX:
        return False
    if len({reward["reward_id"] for reward in rewards}) != len(rewards):
        return False
    return all((tender["kind"] == "points") == (tender.get("points", 0) > 0) for tender in tenders)
