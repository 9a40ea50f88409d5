"""Posting sales, returns and voids: the server's figures, idempotency, and exceptions recorded."""

import uuid

from sqlalchemy import select

from server.models import ReconciliationException
from tests.integration.membership.conftest import account, place_hold
from tests.support.tills import line


def _exceptions(services):
    with services.db.session() as session:
        rows = session.scalars(select(ReconciliationException).order_by(ReconciliationException.kind)).all()
        return [(r.kind, r.till_value, r.server_value) for r in rows]


def test_a_sale_earns_one_point_per_euro_paid_excluding_tobacco_floored_per_sale(client, desk, enrol, till):
    member_id, card = enrol()
    lines = [line("1", 1999, category="wine"), line("2", 349, qty=2), line("3", 850, category="tobacco")]
    response = till.sale(lines, card=card, points_earned=23)
    assert response.status_code == 201, response.json
    # 19.99 + 3.49 = 23.48 eligible -> 23 points; the 8.50 of tobacco earns nothing. SKU-n are no
    # products of the server's: they earn on the till's charge at the base rate, and are reported.
    assert response.json["points_earned"] == 23 and response.json["exceptions"] == ["unknown-items"]
    assert account(client, desk, member_id)["balance"] == 23


def test_the_tills_wrong_figure_is_overruled_and_recorded(client, desk, enrol, till, services):
    member_id, card = enrol()
    response = till.sale([line("1", 5000)], card=card, points_earned=500)
    assert response.json["points_earned"] == 50
    assert account(client, desk, member_id)["balance"] == 50
    assert _exceptions(services) == [("points-earned-differs", 500, 50), ("unknown-items", 5000, None)]


def test_a_retried_sale_is_applied_once_and_a_changed_body_under_its_id_is_409(client, desk, enrol, till):
    member_id, card = enrol()
    sale_id = str(uuid.uuid4())
    first = till.sale([line("1", 1234)], card=card, sale_id=sale_id, at=till.clock())
    retry = till.sale([line("1", 1234)], card=card, sale_id=sale_id, at=till.clock())
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json["status"] == "duplicate" and retry.json["points_earned"] == 12
    assert account(client, desk, member_id)["balance"] == 12
    changed = till.sale([line("1", 9999)], card=card, sale_id=sale_id)
    assert changed.status_code == 409
    assert account(client, desk, member_id)["balance"] == 12


def test_gold_members_earn_half_as_much_again(client, desk, enrol, till, services):
    from server.models import Member

    member_id, card = enrol()
    with services.db.session() as session:
        session.get(Member, uuid.UUID(member_id)).tier = "gold"
        session.commit()
    assert till.sale([line("1", 4000)], card=card).json["points_earned"] == 60


def test_tenders_must_add_up_to_the_lines(till, enrol):
    _, card = enrol()
    response = till.sale([line("1", 1000)], card=card, tenders=[{"kind": "cash", "amount_minor": 900}])
    assert response.status_code == 422 and response.json["reason"] == "tenders-do-not-match"


def test_paying_with_points_online_needs_a_hold_the_points_and_respects_the_rules(client, desk, enrol, till):
    member_id, card = enrol(points=1500)
    tenders = [{"kind": "points", "amount_minor": 1000, "points": 1000},
               {"kind": "cash", "amount_minor": 2000}]
    no_hold = till.sale([line("1", 3000)], card=card, tenders=tenders)
    assert no_hold.status_code == 422 and no_hold.json["reason"] == "hold-required"
    hold = place_hold(till, card, 1000)
    paid = till.sale([line("1", 3000)], card=card, tenders=tenders, hold_id=hold)
    assert paid.status_code == 201, paid.json
    # 3000 paid, of which 1000 by points: 20.00 earns 20 points; 1500 - 1000 + 20 = 520.
    assert paid.json["points_redeemed"] == 1000 and paid.json["points_earned"] == 20
    assert account(client, desk, member_id)["balance"] == 520
    reused = till.sale([line("1", 3000)], card=card, tenders=tenders, hold_id=hold)
    assert reused.status_code == 409 and reused.json["hold_status"] == "confirmed"
    too_little_half = [{"kind": "points", "amount_minor": 500, "points": 500}, {"kind": "cash", "amount_minor": 400}]
    hold = place_hold(till, card, 500)
    over_half = till.sale([line("1", 900)], card=card, tenders=too_little_half, hold_id=hold)
    assert over_half.status_code == 422 and over_half.json["reason"] == "redemption-refused"
    half = till.sale([line("1", 1000)], card=card, hold_id=hold,
                     tenders=[{"kind": "points", "amount_minor": 500, "points": 500},
                              {"kind": "cash", "amount_minor": 500}])
    assert half.status_code == 201  # exactly half is allowed
    assert account(client, desk, member_id)["balance"] == 520 - 500 + 5


def test_a_sale_returned_in_three_parts_nets_to_exactly_zero(client, desk, enrol, till):
    member_id, card = enrol(points=2000)
    before = account(client, desk, member_id)["balance"]
    lines = [line("1", 1333, qty=3), line("2", 999, qty=1), line("3", 2468, qty=4)]
    tenders = [{"kind": "points", "amount_minor": 700, "points": 700},
               {"kind": "card", "amount_minor": 1333 + 999 + 2468 - 700}]
    sale = till.sale(lines, card=card, tenders=tenders, hold_id=place_hold(till, card, 700))
    assert sale.status_code == 201, sale.json
    parts = [[{"line_id": "1", "qty": 1}, {"line_id": "3", "qty": 3}],
             [{"line_id": "1", "qty": 2}],
             [{"line_id": "2", "qty": 1}, {"line_id": "3", "qty": 1}]]
    refunds = [till.undo("return", sale.json["transaction_id"], part).json for part in parts]
    assert sum(r["refund_minor"] for r in refunds) == 1333 + 999 + 2468
    assert sum(r["refund_minor"] - r["money_refund_minor"] for r in refunds) == 700
    assert sum(r["points_given_back"] for r in refunds) == 700
    assert sum(r["points_taken_back"] for r in refunds) == sale.json["points_earned"]
    assert account(client, desk, member_id)["balance"] == before
    too_many = till.undo("return", sale.json["transaction_id"], [{"line_id": "2", "qty": 1}])
    assert too_many.status_code == 422 and too_many.json["reason"] == "return-exceeds-sale"


def test_a_void_undoes_what_is_left_after_a_partial_return(client, desk, enrol, till):
    member_id, card = enrol()
    sale = till.sale([line("1", 1000, qty=2), line("2", 2500)], card=card).json
    till.undo("return", sale["transaction_id"], [{"line_id": "1", "qty": 1}])
    void = till.undo("void", sale["transaction_id"])
    assert void.status_code == 201, void.json
    assert void.json["refund_minor"] == 500 + 2500
    assert account(client, desk, member_id)["balance"] == 0


def test_a_return_before_its_sale_is_known_is_rejected_for_a_later_retry(till):
    response = till.undo("return", str(uuid.uuid4()), [{"line_id": "1", "qty": 1}])
    assert response.status_code == 422 and response.json["reason"] == "original-unknown"


def test_an_offline_redemption_may_overdraw_and_later_earnings_repay_the_debt(client, desk, enrol, till, services):
    member_id, card = enrol(points=600)
    client.post(f"/api/v1/members/{member_id}/adjustments", headers=desk,
                json={"id": "take-back-1", "points": -500, "reason": "duplicate welcome bonus"})
    offline = till.sale([line("1", 2000)], card=card, offline=True,
                        tenders=[{"kind": "points", "amount_minor": 600, "points": 600},
                                 {"kind": "cash", "amount_minor": 1400}])
    assert offline.status_code == 201, offline.json
    # 100 left, 600 spent offline: -500, then +14 earned on the 14.00 paid in cash.
    acct = account(client, desk, member_id)
    assert acct["balance"] == 100 - 600 + 14 and acct["debt"] == 486
    assert ("overspend", None, -486) in _exceptions(services)
    till.sale([line("1", 10000)], card=card)
    acct = account(client, desk, member_id)
    assert acct["balance"] == -486 + 100 and acct["debt"] == 386 and acct["available"] == 0


def test_an_unknown_card_still_records_the_sale_without_points(till, services):
    unknown = "2700000001233"
    response = till.sale([line("1", 1500)], card=unknown, offline=True)
    assert response.status_code == 201 and response.json["points_earned"] == 0
    # SKU-1 is no product of the server's either: reported, the sale still stands.
    assert _exceptions(services) == [("unknown-card", None, None), ("unknown-items", 1500, None)]


def test_an_offline_sale_on_a_card_blocked_meanwhile_is_kept_flagged_and_earns_nothing(client, desk, enrol,
                                                                                     till, services):
    member_id, card = enrol(points=1000)
    client.post(f"/api/v1/cards/{card}/state", json={"state": "blocked", "reason": "reported stolen"},
                headers=desk)
    response = till.sale([line("1", 4000)], card=card, offline=True,
                         tenders=[{"kind": "points", "amount_minor": 500, "points": 500},
                                  {"kind": "cash", "amount_minor": 3500}])
    assert response.status_code == 201 and response.json["points_earned"] == 0
    assert ("card-not-active", None, None) in _exceptions(services)
    assert account(client, desk, member_id)["balance"] == 500
    online = till.sale([line("1", 4000)], card=card)
    assert online.status_code == 422 and online.json["reason"] == "card-not-usable"


def test_a_terminal_cannot_post_for_another_store(till, enrol):
    _, card = enrol()
    till.store = "K7"
    response = till.sale([line("1", 100)], card=card)
    assert response.status_code == 403 and response.json["reason"] == "wrong-store"


def _loads_counted(monkeypatch) -> list[dict]:
    """The bodies ``TransactionSchema`` loads from now on (the real schema, only watched)."""
    from server.schemas.transactions import TransactionSchema
    loaded, load = [], TransactionSchema.load

    def watched(schema, data, *args, **kwargs):
        loaded.append(data)
        return load(schema, data, *args, **kwargs)

    monkeypatch.setattr(TransactionSchema, "load", watched)
    return loaded


def test_a_plainly_valid_sale_is_posted_without_the_schema_loading_it(client, desk, enrol, till, monkeypatch):
    member_id, card = enrol()
    loaded = _loads_counted(monkeypatch)
    response = till.sale([line("1", 1999, category="wine")], card=card)
    assert response.status_code == 201, response.json
    assert loaded == [] and account(client, desk, member_id)["balance"] == 19


def test_a_sale_the_plain_check_is_unsure_of_is_loaded_by_the_schema_and_refused_in_its_words(
        client, desk, enrol, till, monkeypatch, services):
    member_id, card = enrol()
    loaded = _loads_counted(monkeypatch)
    response = till.sale([line("1", 1999)], card=card, surprise="a field no sale has")
    assert response.status_code == 400 and len(loaded) == 1
    assert response.json["errors"] == {"surprise": ["Unknown field."]}
    response = till.sale([line("1", 1999)], card=card, points_earned=-5)
    assert response.status_code == 400 and "points_earned" in response.json["errors"] and len(loaded) == 2
    assert account(client, desk, member_id)["balance"] == 0 and _exceptions(services) == []
