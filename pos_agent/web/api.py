"""/local/v1: the agent's API for any POS front end (shapes follow the server's where they mean the same)."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from pos_agent.exceptions import InvalidRequest, NoOpenBasket, NotReady, SaleNotFound
from pos_agent.store import journal, sales
from pos_agent.store.journal import JournalStatus
from pos_agent.web.amounts import amount_minor
from pos_agent.web.payload import json_body
from pos_agent.web.schemas import (
    ApprovedSchema,
    CouponSchema,
    EnrolmentSchema,
    ItemSchema,
    MemberSchema,
    QuantitySchema,
    RedemptionSchema,
    ReturnSchema,
    RewardSchema,
    TenderSchema,
)

blp = Blueprint("local_api", __name__, url_prefix="/local/v1")


def agent():
    return current_app.extensions["onecard_agent"]


def checkout():
    return agent().checkout


def body(schema):
    return schema().load(json_body())


@blp.get("/status")
def status():
    """The till's state, with the chain's currency (once synced) for front ends to show money in."""
    try:
        program = agent().ref.program()
        currency, exponent = program.currency, program.exponent
    except NotReady:
        currency, exponent = None, None
    return {**agent().status(), "currency": currency, "currency_exponent": exponent}


@blp.post("/members")
def enrol_member():
    data = body(EnrolmentSchema)
    return checkout().enrol(data["name"], data["card_number"], data["phone"], data["email"], data["consents"]), 201


@blp.post("/baskets")
def open_basket():
    return checkout().open_basket(), 201


@blp.get("/baskets/current")
def current_basket():
    """The basket on the register: the newest open one (also after a restart); 404 when none is open."""
    basket_id = checkout().newest_open_basket_id()
    if basket_id is None:
        raise NoOpenBasket()
    return checkout().view(basket_id)


@blp.get("/baskets/<basket_id>")
def get_basket(basket_id):
    return checkout().view(basket_id)


@blp.post("/baskets/<basket_id>/items")
def add_item(basket_id):
    data = body(ItemSchema)
    return checkout().add_item(basket_id, data["code"], data["qty"])


@blp.delete("/baskets/<basket_id>/items/<line_id>")
def remove_item(basket_id, line_id):
    return checkout().remove_line(basket_id, line_id)


@blp.patch("/baskets/<basket_id>/items/<line_id>")
def change_quantity(basket_id, line_id):
    return checkout().change_quantity(basket_id, line_id, body(QuantitySchema)["qty"])


@blp.post("/baskets/<basket_id>/member")
def attach_member(basket_id):
    return checkout().attach_member(basket_id, body(MemberSchema)["card_number"])


@blp.post("/baskets/<basket_id>/coupons")
def apply_coupon(basket_id):
    return checkout().apply_coupon(basket_id, body(CouponSchema)["code"])


@blp.post("/baskets/<basket_id>/redemption")
def redeem(basket_id):
    return checkout().redeem_points(basket_id, body(RedemptionSchema)["points"])


@blp.post("/baskets/<basket_id>/rewards")
def take_reward(basket_id):
    """Take one more of a reward the basket view offers (``rewards.offered``)."""
    return checkout().take_reward(basket_id, body(RewardSchema)["reward_id"])


@blp.delete("/baskets/<basket_id>/rewards/<reward_id>")
def drop_reward(basket_id, reward_id):
    return checkout().drop_reward(basket_id, reward_id)


@blp.get("/baskets/<basket_id>/redeemable")
def redeemable(basket_id):
    """What the basket's member can redeem here now, shown before the cashier types a figure."""
    return checkout().redeemable(basket_id)


@blp.post("/baskets/<basket_id>/tenders")
def tender(basket_id):
    data = body(TenderSchema)
    given = amount_minor(data, "amount_minor", "amount", agent().ref.program().currency, required=False)
    return checkout().add_tender(basket_id, data["kind"], given)


@blp.post("/baskets/<basket_id>/complete")
def complete(basket_id):
    return checkout().complete(basket_id)


@blp.post("/baskets/<basket_id>/cancel")
def cancel(basket_id):
    """Void the basket; one with lines needs a manager's PIN (``approval``) where cashiers sign in."""
    return checkout().cancel(basket_id, body(ApprovedSchema)["approval"])


@blp.post("/baskets/<basket_id>/suspend")
def suspend(basket_id):
    return checkout().suspend(basket_id)


@blp.get("/baskets/suspended")
def suspended():
    """The baskets suspended at this till, oldest first."""
    return {"baskets": checkout().suspended()}


@blp.post("/baskets/<basket_id>/resume")
def resume(basket_id):
    return checkout().resume(basket_id)


@blp.get("/products")
def find_products():
    """Products by name (every word of ``q``) or sku, from the till's cached catalogue."""
    text = request.args.get("q", "").strip()
    if len(text) < 2:
        raise InvalidRequest("type at least 2 letters of the product's name", {"q": ["at least 2 characters"]})
    return {"products": [{"sku": p["sku"], "name": p["name"], "unit_price": p["base_price_minor"],
                          "barcode": next(iter(p.get("barcodes") or ()), None)}
                         for p in agent().ref.find_products(text[:64])]}


@blp.get("/price-check")
def price_check():
    """One unit of ``code`` priced now, for the member of ``basket`` when given; changes nothing."""
    code = request.args.get("code", "").strip()
    if not code or len(code) > 64:
        raise InvalidRequest("scan or type the item's barcode or sku", {"code": ["1 to 64 characters"]})
    return checkout().price_check(code, request.args.get("basket") or None)


@blp.get("/transactions")
def recent_sales():
    """This till's newest sales, for a return without the receipt."""
    return {"sales": agent().returns.recent()}


@blp.get("/transactions/<sale_id>")
def get_sale(sale_id):
    """The sale, what was returned of it, and its lines with the units that may still come back."""
    found = agent().returns.sale(sale_id)
    return {**found, "returnable": agent().returns.returnable(found)}


@blp.post("/transactions/<sale_id>/returns")
def return_lines(sale_id):
    data = body(ReturnSchema)
    return agent().returns.return_lines(sale_id, data["lines"], data["approval"]), 201


@blp.post("/transactions/<sale_id>/void")
def void(sale_id):
    return agent().returns.void(sale_id, body(ApprovedSchema)["approval"]), 201


@blp.get("/receipts/<receipt_id>")
def receipt(receipt_id):
    with agent().db.reading() as conn:
        found = sales.get_receipt(conn, receipt_id)
    if found is None:
        raise SaleNotFound(receipt_id)
    return found


@blp.get("/journal")
def journal_items():
    """Journal items by status (default: rejected, which need someone to look at them)."""
    given = request.args.get("status", JournalStatus.REJECTED.value)
    if given not in set(JournalStatus):
        raise InvalidRequest(f"no journal status {given!r}",
                             {"status": [f"one of {', '.join(s.value for s in JournalStatus)}"]})
    status = JournalStatus(given)
    with agent().db.reading() as conn:
        items = journal.with_status(conn, status)
        counts = journal.counts(conn)
    return {"counts": counts, "items": [{"id": i.id, "seq": i.seq, "type": i.type, "status": i.status,
                                          "attempts": i.attempts, "last_error": i.last_error, "body": i.body}
                                         for i in items]}
