"""Rewards bought with points through the API: the catalogue (roles, 422s, audit), quotes, and the
server checking a till's claim when it posts the sale, then reversing it on return."""

import uuid

import pytest
from sqlalchemy import select

from server.models import ReconciliationException
from server.models.audit import AuditRecord
from tests.integration.membership.conftest import account
from tests.integration.pricing.conftest import scope
from tests.support.factories import login, make_staff

FREE_CHIPS = {"reward": "free_product", "points": 300, "sku": "CHIPS"}
COLA_OFF = {"reward": "amount_off", "points": 100, "amount_minor": 50, "scope": scope(skus=["COLA"]),
            "max_per_basket": 2}
VOUCHER = {"reward": "voucher", "points": 500, "amount_minor": 500}


@pytest.fixture
def reward(client, marketer, catalogue):
    def make(label, rule, **fields):
        response = client.post("/api/v1/rewards", headers=marketer,
                               json={"label": label, "rule": rule, "state": "active", **fields})
        assert response.status_code == 201, response.json
        return response.json["id"]

    return make


def _exceptions(services):
    with services.db.session() as session:
        return [(r.kind, r.till_value, r.server_value)
                for r in session.scalars(select(ReconciliationException).order_by(ReconciliationException.kind))]


def test_any_staff_role_reads_the_catalogue_and_only_marketing_or_admin_changes_it(client, services, reward):
    chips = reward("Free chips", FREE_CHIPS)
    make_staff(services, "carl", "cashier")
    cashier = login(client, "carl")
    listed = client.get("/api/v1/rewards", headers=cashier)
    assert listed.status_code == 200
    assert [(r["id"], r["kind"], r["definition"]["rule"]["points"]) for r in listed.json["items"]] == [
        (chips, "reward", 300)]
    refused = client.post("/api/v1/rewards", headers=cashier, json={"label": "x", "rule": VOUCHER})
    assert refused.status_code == 403
    with services.db.session() as session:
        audited = session.scalars(select(AuditRecord).where(AuditRecord.target == chips)).all()
    assert [a.action for a in audited][:1] == ["promotion.version"]


@pytest.mark.parametrize(("rule", "field"), [
    ({"reward": "percent_off", "points": 100, "percent_bp": 1000, "scope": scope(categories=["snacks"]),
      "max_per_basket": 2}, "rule.max_per_basket"),
    ({"reward": "free_product", "points": 100}, "rule.sku"),
    ({"reward": "voucher", "points": 0, "amount_minor": 100}, "rule.points"),
    ({"reward": "amount_off", "points": 100, "amount_minor": 50}, "rule.scope"),
    ({"reward": "free_product", "points": 100, "sku": "NO-SUCH"}, "rule.sku"),
])
def test_a_nonsense_reward_is_a_422_naming_its_field(client, marketer, catalogue, rule, field):
    response = client.post("/api/v1/rewards", headers=marketer, json={"label": "x", "rule": rule})
    assert response.status_code == 422, response.json
    assert field in str(response.json)


def test_a_reward_of_an_unknown_kind_is_a_400(client, marketer, catalogue):
    response = client.post("/api/v1/rewards", headers=marketer,
                           json={"label": "x", "rule": {"reward": "car", "points": 5}})
    assert response.status_code == 400


def test_a_quote_prices_the_rewards_taken_and_what_points_may_still_pay(quote, reward, enrol):
    chips = reward("Free chips", FREE_CHIPS)
    _, card = enrol(points=1000)
    quoted = quote([{"sku": "CHIPS", "qty": 2}, {"sku": "COLA"}], card=card,
                   rewards=[{"reward_id": chips}], points_to_redeem=700)
    assert quoted["total"] == 250 + 150
    assert quoted["reward_points"] == 300
    assert [(r["reward_id"], r["points"], r["discount_minor"]) for r in quoted["rewards"]] == [(chips, 300, 250)]
    # 1000 - 300 = 700 left; points may pay half of 4.00 = 2.00 (200 points), below the 500 minimum.
    assert quoted["points"]["redeemable"] == 0


def _sale_lines(chips_paid=250, cola_paid=100, chips_discount=None, cola_discount=None):
    chips = {"line_id": "1", "sku": "CHIPS", "qty": 2, "paid_minor": chips_paid, "category": "snacks",
             "discounts": [chips_discount] if chips_discount else []}
    cola = {"line_id": "2", "sku": "COLA", "qty": 1, "paid_minor": cola_paid, "category": "drinks",
            "discounts": [cola_discount] if cola_discount else []}
    return [chips, cola]


def _discount(promotion_id, label, amount):
    return {"promotion_id": promotion_id, "version": 1, "label": label, "amount_minor": amount}


def test_an_online_sale_with_rewards_takes_their_points_and_a_return_gives_them_back_in_proportion(
        client, desk, till, reward, enrol, services):
    chips, cola = reward("Free chips", FREE_CHIPS), reward("Cola 0.50 off", COLA_OFF)
    member_id, card = enrol(points=1000)
    lines = _sale_lines(chips_discount=_discount(chips, "Free chips", 250),
                        cola_discount=_discount(cola, "Cola 0.50 off", 50))
    posted = till.sale(lines, card=card, rewards=[{"reward_id": chips, "points": 300},
                                                  {"reward_id": cola, "points": 100}], points_earned=3)
    assert posted.status_code == 201, posted.json
    assert posted.json["reward_points"] == 400 and posted.json["exceptions"] == []
    # 1000 - 400 spent, + 3 earned on 3.50 paid.
    assert account(client, desk, member_id)["balance"] == 603
    # The chips line was 2 units with one freed: returning one chips gives back half the 300.
    back = till.undo("return", posted.json["transaction_id"], [{"line_id": "1", "sku": "CHIPS", "qty": 1}])
    assert back.status_code == 201, back.json
    assert back.json["points_given_back"] == 150
    voided = till.undo("void", posted.json["transaction_id"])
    assert voided.json["points_given_back"] == 250
    assert account(client, desk, member_id)["balance"] == 1000
    assert _exceptions(services) == []


def test_an_online_sale_with_a_forged_or_unaffordable_reward_is_refused(till, reward, enrol):
    chips = reward("Free chips", FREE_CHIPS)
    _, card = enrol(points=1000)
    lines = _sale_lines(chips_discount=_discount(chips, "Free chips", 250))
    cheap = till.sale(lines, card=card, rewards=[{"reward_id": chips, "points": 10}])
    assert cheap.status_code == 422 and cheap.json["reason"] == "reward-refused"
    forged = till.sale(lines, card=card, rewards=[{"reward_id": str(uuid.uuid4()), "points": 300}])
    assert forged.status_code == 422 and forged.json["reason"] == "reward-refused"
    _, poor = enrol(name="Bob Poor", points=200)
    unaffordable = till.sale(lines, card=poor, rewards=[{"reward_id": chips, "points": 300}])
    assert unaffordable.status_code == 422 and unaffordable.json["reason"] == "reward-unaffordable"


def test_an_offline_sale_beyond_the_offline_allowance_keeps_the_points_and_is_flagged(
        client, desk, till, reward, enrol, services):
    voucher = reward("5.00 voucher", dict(VOUCHER, max_per_basket=5))
    member_id, card = enrol(points=5000)
    # Five vouchers (2500 points) on 10.00 of chips: beyond the 2000-point offline allowance.
    five = [{"line_id": "1", "sku": "CHIPS", "qty": 4, "paid_minor": 0, "category": "snacks",
             "discounts": [_discount(voucher, "5.00 voucher", 1000)]}]
    posted = till.sale(five, card=card, offline=True, tenders=[],
                       rewards=[{"reward_id": voucher, "points": 2500, "times": 5}])
    assert posted.status_code == 201, posted.json
    assert posted.json["reward_points"] == 0
    assert _exceptions(services) == [("reward-not-credited", 2500, 0)]
    assert account(client, desk, member_id)["balance"] == 5000
    one = [dict(five[0], paid_minor=500, discounts=[_discount(voucher, "5.00 voucher", 500)])]
    within = till.sale(one, card=card, offline=True, rewards=[{"reward_id": voucher, "points": 500}])
    assert within.status_code == 201 and within.json["reward_points"] == 500
    assert account(client, desk, member_id)["balance"] == 5000 - 500 + 5


def test_a_settled_sale_whose_claim_differs_is_flagged_and_charged_the_servers_figure(
        client, desk, till, reward, enrol, services):
    chips = reward("Free chips", FREE_CHIPS)
    member_id, card = enrol(points=1000)
    lines = _sale_lines(chips_discount=_discount(chips, "Free chips", 250), cola_paid=150)
    posted = till.sale(lines, card=card, offline=True, rewards=[{"reward_id": chips, "points": 30}])
    assert posted.status_code == 201 and posted.json["reward_points"] == 300
    assert _exceptions(services) == [("reward-differs", 30, 300)]
    assert account(client, desk, member_id)["balance"] == 1000 - 300 + 4


def test_a_settled_sale_the_server_cannot_price_takes_no_reward_points_and_is_flagged(
        client, desk, till, reward, enrol, services):
    chips = reward("Free chips", FREE_CHIPS)
    member_id, card = enrol(points=1000)
    unknown = [{"line_id": "1", "sku": "NOT-SOLD-HERE", "qty": 1, "paid_minor": 0,
                "discounts": [_discount(chips, "Free chips", 250)]}]
    posted = till.sale(unknown, card=card, offline=True, tenders=[], rewards=[{"reward_id": chips, "points": 300}])
    assert posted.status_code == 201, posted.json
    assert posted.json["reward_points"] == 0
    assert ("reward-differs", 300, 0) in _exceptions(services)
    assert account(client, desk, member_id)["balance"] == 1000


def test_a_reward_limited_per_member_and_week_is_refused_the_second_time_that_week(till, reward, enrol, clock):
    voucher = reward("1.00 voucher", dict(VOUCHER, amount_minor=100, points=100),
                     usage_limit={"max_uses": 1, "period": "week"})
    _, card = enrol(points=1000)
    lines = [{"line_id": "1", "sku": "COLA", "qty": 1, "paid_minor": 50, "category": "drinks",
              "discounts": [_discount(voucher, "1.00 voucher", 100)]}]
    claim = [{"reward_id": voucher, "points": 100}]
    assert till.sale(lines, card=card, rewards=claim).status_code == 201
    again = till.sale(lines, card=card, rewards=claim)
    assert again.status_code == 422 and "member_limit_reached" in again.json["detail"]
    clock.advance(days=7)
    assert till.sale(lines, card=card, rewards=claim).status_code == 201
