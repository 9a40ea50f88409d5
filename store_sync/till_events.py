"""What happened at a till that is not a sale: sign-ins, approvals, drawer openings, shifts.

A till writes each event to its journal (item type ``till_event``) in the same local transaction
as what it records; the server keeps every event it accepts (idempotently, by the event's id), and
audits the ones a security review looks for (refused PINs, lock-outs, manager approvals, no-sales).
Shift reports (X mid-shift, Z at close) travel as events too, with their figures.
"""

from __future__ import annotations

from enum import StrEnum

import marshmallow as ma

from store_sync.schemas import Timestamp

CODE = ma.validate.Length(min=1, max=32)
MAX_AMOUNT = 2**31 - 1


class TillEventKind(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_REFUSED = "sign_in_refused"  # a wrong PIN (or a PIN tried while locked out)
    LOCKED_OUT = "locked_out"  # too many wrong PINs: the user may not sign in at this till for a while
    SIGN_OUT = "sign_out"
    APPROVAL = "approval"  # a manager's PIN approved a void or a refund above the limit
    BASKET_VOIDED = "basket_voided"  # an open basket with lines cancelled (approved)
    NO_SALE = "no_sale"  # the cash drawer opened without a sale, with a reason
    SHIFT_OPENED = "shift_opened"
    X_REPORT = "x_report"  # figures of a shift so far
    Z_REPORT = "z_report"  # figures of a closed shift, with the counted cash

    @property
    def audited(self) -> bool:
        """Worth an audit record on the server besides the event itself."""
        return self in (TillEventKind.SIGN_IN_REFUSED, TillEventKind.LOCKED_OUT, TillEventKind.APPROVAL,
                        TillEventKind.BASKET_VOIDED, TillEventKind.NO_SALE, TillEventKind.Z_REPORT)

    @property
    def report(self) -> bool:
        return self in (TillEventKind.X_REPORT, TillEventKind.Z_REPORT)


def _amount(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=-MAX_AMOUNT, max=MAX_AMOUNT), **kwargs)


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ShiftFiguresSchema(_Strict):
    """A shift's figures (minor units, points), per till and cashier, as the till counted them."""

    shift_id = ma.fields.String(required=True, validate=ma.validate.Length(min=8, max=64))
    opened_at = Timestamp(required=True)
    until = Timestamp(required=True, metadata={"description": "the report's time; the close for a Z report"})
    float_minor = _amount(required=True, metadata={"description": "cash put in the drawer at the open"})
    sales_count = _amount(required=True)
    sales_minor = _amount(required=True, metadata={"description": "what the shift's sales came to"})
    refunds_count = _amount(required=True)
    refunds_minor = _amount(required=True, metadata={"description": "money and points value refunded"})
    voids_count = _amount(required=True)
    no_sales = _amount(required=True, metadata={"description": "drawer openings without a sale"})
    tenders = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=16)), values=_amount(),
                             required=True, metadata={"description": "tender -> net taken (sales less refunds)"})
    points_redeemed = _amount(required=True)
    expected_cash_minor = _amount(required=True, metadata={"description": "float + cash taken - cash refunded"})
    counted_cash_minor = _amount(load_default=None, allow_none=True,
                                 metadata={"description": "the cash count at the close (Z only)"})
    difference_minor = _amount(load_default=None, allow_none=True, metadata={"description": "counted - expected"})


class TillEventBodySchema(_Strict):
    """One event at a till, as it travels in the journal."""

    id = ma.fields.String(required=True, validate=ma.validate.Length(min=8, max=64))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in TillEventKind]))
    store = ma.fields.String(required=True, validate=CODE)
    terminal = ma.fields.String(required=True, validate=CODE)
    at = Timestamp(required=True)
    cashier_id = ma.fields.UUID(load_default=None, allow_none=True,
                                metadata={"description": "the staff user it concerns (or who was signed in)"})
    approver_id = ma.fields.UUID(load_default=None, allow_none=True,
                                 metadata={"description": "the manager who approved (approval, basket_voided)"})
    reason = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))
    subject = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=64),
                               metadata={"description": "what was approved or voided: a sale or basket id"})
    amount_minor = _amount(load_default=None, allow_none=True)
    figures = ma.fields.Nested(ShiftFiguresSchema, load_default=None, allow_none=True,
                               metadata={"description": "X and Z reports: the shift's figures"})

    @ma.validates_schema
    def _shape(self, data, **_kwargs):
        kind = TillEventKind(data["kind"])
        if kind.report != (data.get("figures") is not None):
            raise ma.ValidationError("X and Z reports carry figures, other events none", "figures")
        if kind is TillEventKind.NO_SALE and not (data.get("reason") or "").strip():
            raise ma.ValidationError("a no-sale names its reason", "reason")
        if kind is TillEventKind.APPROVAL and data.get("approver_id") is None:
            raise ma.ValidationError("an approval names the approving manager", "approver_id")
