"""Errors of the POS agent. Each carries the data a cashier or a front end needs.

``web.problems`` maps every ``AgentError`` to problem+json in one place, by ``status`` and
``slug``; ``LinkDown`` never reaches a cashier: the checkout turns it into offline mode.
"""

from __future__ import annotations


class AgentError(Exception):
    """Base of the agent's errors that a front end may show."""

    status = 400
    slug = "agent-error"
    title = "Request failed"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidRequest(AgentError):
    slug = "invalid-request"
    title = "Invalid request"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or {}


class UnknownBarcode(AgentError):
    status = 404
    slug = "unknown-barcode"
    title = "Unknown barcode"

    def __init__(self, code: str, reason: str = "no product has this barcode or sku") -> None:
        super().__init__(f"{code}: {reason}", code=code)


class UnknownCard(AgentError):
    status = 404
    slug = "unknown-card"
    title = "Unknown card"

    def __init__(self, number: str, reason: str = "no member has this card") -> None:
        super().__init__(f"card {number}: {reason}", card_number=number)


class CardAlreadyIssued(AgentError):
    status = 409
    slug = "card-already-issued"
    title = "Card already issued"

    def __init__(self, number: str) -> None:
        super().__init__(f"card {number} already belongs to a member; hand over a new card", card_number=number)


class CardNotUsable(AgentError):
    status = 409
    slug = "card-not-usable"
    title = "Card cannot be used"

    def __init__(self, number: str, state: str) -> None:
        super().__init__(f"card {number} is {state}", card_number=number, state=state)


class BasketNotFound(AgentError):
    status = 404
    slug = "basket-not-found"
    title = "No such basket"

    def __init__(self, basket_id: str) -> None:
        super().__init__(f"basket {basket_id} is not open", basket_id=basket_id)


class NoOpenBasket(AgentError):
    status = 404
    slug = "no-open-basket"
    title = "No open basket"

    def __init__(self) -> None:
        super().__init__("no basket is open on this till; open one with POST /local/v1/baskets")


class LineNotFound(AgentError):
    status = 404
    slug = "line-not-found"
    title = "No such line"

    def __init__(self, basket_id: str, line_id: str) -> None:
        super().__init__(f"the basket has no line {line_id} (already removed?)", basket_id=basket_id,
                         line_id=line_id)


class BasketStateError(AgentError):
    status = 409
    slug = "basket-state"
    title = "Not possible now"


class RedemptionRefused(AgentError):
    status = 422
    slug = "redemption-refused"
    title = "Points cannot be redeemed"

    def __init__(self, detail: str, available: int | None = None) -> None:
        super().__init__(detail, available=available)


class RewardRefused(AgentError):
    status = 422
    slug = "reward-refused"
    title = "Reward cannot be taken"

    def __init__(self, detail: str, reward_id: str) -> None:
        super().__init__(detail, reward_id=reward_id)


class MemberDataTooOld(RedemptionRefused):
    slug = "member-data-too-old"
    title = "Member data too old to redeem offline"

    def __init__(self, age_hours: float, max_hours: float) -> None:
        super().__init__(f"the till's member data is {age_hours:.1f} h old; offline redemption needs "
                         f"data younger than {max_hours:.0f} h", available=0)


class TillRevoked(RedemptionRefused):
    slug = "till-revoked"
    title = "This till's credential has been revoked"

    def __init__(self) -> None:
        super().__init__("the server revoked this till's credential: no points can be redeemed here; "
                         "sales without points go on", available=0)


class CouponRefused(AgentError):
    """The server would not reserve a coupon of the sale: used up, or held by another till."""

    status = 409
    slug = "coupon-refused"
    title = "Coupon cannot be used"

    def __init__(self, detail: str, code: str | None = None) -> None:
        super().__init__(detail, code=code)


class OfferRefused(AgentError):
    """The server would not reserve a limited offer of the sale: the member has used it up (or another
    till holds the last use), or a chain-capped offer's uses are gone. The sale stops at the lane, as
    for a refused coupon; a capped offer is then left out of the basket's price."""

    status = 409
    slug = "offer-refused"
    title = "Offer used up"

    def __init__(self, detail: str, promotion_id: str | None = None) -> None:
        super().__init__(detail, promotion_id=promotion_id)
        self.promotion_id = promotion_id


class TenderError(AgentError):
    status = 422
    slug = "tender-invalid"
    title = "Tender not accepted"


class SaleNotFound(AgentError):
    status = 404
    slug = "sale-not-found"
    title = "No such sale"

    def __init__(self, sale_id: str, reason: str = "no sale with this receipt id was made at this till") -> None:
        super().__init__(f"{sale_id}: {reason}", sale_id=sale_id)


class ReturnRefused(AgentError):
    status = 422
    slug = "return-refused"
    title = "Return not possible"


class NotReady(AgentError):
    status = 503
    slug = "not-ready"
    title = "Till not ready"


class AccessRefused(AgentError):
    """A request the till's own page or front end would not send (see ``web.access``)."""

    status = 403
    slug = "access-refused"
    title = "Not allowed"


class HostNotAllowed(AccessRefused):
    slug = "host-not-allowed"
    title = "Host not allowed"

    def __init__(self, host: str) -> None:
        super().__init__(f"this till does not answer to the host name {host!r}", host=host)


class ForeignOrigin(AccessRefused):
    slug = "foreign-origin"
    title = "Foreign origin"

    def __init__(self, origin: str) -> None:
        super().__init__(f"requests from {origin!r} are not accepted: only the till's own pages may call it",
                         origin=origin)


class TillKeyMissing(AccessRefused):
    status = 401
    slug = "till-key-missing"
    title = "Till key required"

    def __init__(self, header: str) -> None:
        super().__init__(f"send the till key in {header} with every POST, PUT, PATCH and DELETE", header=header)


class TillKeyWrong(AccessRefused):
    slug = "till-key-wrong"
    title = "Wrong till key"

    def __init__(self, header: str) -> None:
        super().__init__(f"the key in {header} is not this till's key", header=header)


class UnsupportedBody(AccessRefused):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"

    def __init__(self, mimetype: str) -> None:
        super().__init__(f"send the body as application/json, not {mimetype}", mimetype=mimetype)


class LinkDown(Exception):
    """The server did not answer in time, or answered with a server error: go offline."""


class CredentialRevoked(LinkDown):
    """The server refused this till's credential as revoked (401, reason ``revoked``)."""


class ServerBusy(LinkDown):
    """The server answered 429 or 503: it is up but shedding load; ``retry_after`` seconds, if it said."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ServerSlow(LinkDown):
    """The server did not answer within the call's timeout: slow, or perhaps gone."""


class JournalEndpointMissing(Exception):
    """The server has no POST /sync/journal yet (404); the sender posts item by item instead."""


class SignInRequired(AgentError):
    status = 403
    slug = "sign-in-required"
    title = "Sign in first"

    def __init__(self) -> None:
        super().__init__("sign in with your PIN to use this till")


class TillLocked(AgentError):
    status = 403
    slug = "till-locked"
    title = "Till locked"

    def __init__(self, name: str) -> None:
        super().__init__(f"the till is locked: {name} (or a manager) unlocks it with their PIN", cashier=name)


class UnknownStaff(AgentError):
    status = 404
    slug = "unknown-staff"
    title = "Unknown staff member"

    def __init__(self, staff_id: str) -> None:
        super().__init__("this till does not know that staff member (no PIN set, or not synced yet)",
                         staff_id=staff_id)


class PinRefused(AgentError):
    status = 403
    slug = "pin-refused"
    title = "Wrong PIN"

    def __init__(self, name: str, tries_left: int) -> None:
        super().__init__(f"wrong PIN for {name}: {tries_left} {'try' if tries_left == 1 else 'tries'} left "
                         "before this till locks them out", tries_left=tries_left)


class PinLockedOut(AgentError):
    status = 423
    slug = "pin-locked-out"
    title = "Locked out"

    def __init__(self, name: str, until: str) -> None:
        super().__init__(f"too many wrong PINs: {name} cannot use a PIN at this till until {until} UTC; "
                         "another cashier or a manager can sign in meanwhile", until=until)


class ApprovalRequired(AgentError):
    status = 403
    slug = "approval-required"
    title = "Manager approval needed"

    def __init__(self, what: str, amount_minor: int | None) -> None:
        super().__init__(f"a manager must approve {what} with their PIN", action=what, amount_minor=amount_minor)


class NotAnApprover(AgentError):
    status = 403
    slug = "not-an-approver"
    title = "Not a manager"

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is not a manager: a manager or an admin approves this")


class ShiftStateError(AgentError):
    status = 409
    slug = "shift-state"
    title = "Shift"


class SnapshotRefused(LinkDown):
    """The server refused a snapshot page token (400 invalid-cursor): that snapshot is no longer served."""
