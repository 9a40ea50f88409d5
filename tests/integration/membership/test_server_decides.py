"""The server decides what it can know: a till's prices, categories, flags, points values and times
are checked against the server's own, and the server's figures are what count."""

import json
import math
import threading
import uuid
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.serving import make_server

from server.audit import Actor
from server.models import LedgerEntry, ReconciliationException
from server.terminals import get_store, resume_terminal, suspend_terminal
from store_sync.http.client import terminal_session
from tests.integration.membership.conftest import account, place_hold
from tests.support.concurrency import concurrently
from tests.support.factories import login, make_staff, make_terminal, seed_member
from tests.support.tills import Till

PRODUCTS = [
    {"sku": "BREAD", "name": "Bread roll", "category": "bakery", "base_price_minor": 100},
    {"sku": "WINE", "name": "Red wine", "category": "wine", "base_price_minor": 1000},
    {"sku": "GIFT", "name": "Gift card 20", "category": "gifts", "base_price_minor": 2000,
     "excluded_from_points": True},
    {"sku": "CIGS", "name": "Cigarettes", "category": "tobacco", "base_price_minor": 800},
]


@pytest.fixture
def catalogue(client, services, till):
    make_staff(services, "mia", "marketing")
    marketer = login(client, "mia")
    response = client.post("/api/v1/products/bulk", json={"items": PRODUCTS}, headers=marketer)
    assert response.status_code == 200, response.json
    return marketer


def sold(line_id: str, sku: str, paid_minor: int, qty: int = 1, **extra) -> dict:
    """A line as a till posts it, with the till's own figure for what it charged."""
    return {"line_id": line_id, "sku": sku, "qty": qty, "paid_minor": paid_minor, **extra}


def points_and_cash(points: int, points_minor: int, cash_minor: int) -> list[dict]:
    return [{"kind": "points", "amount_minor": points_minor, "points": points},
            {"kind": "cash", "amount_minor": cash_minor}]


def flags(services, sale_id: str) -> dict[str, tuple]:
    with services.db.session() as session:
        rows = session.scalars(select(ReconciliationException)
                               .where(ReconciliationException.transaction_id == sale_id)).all()
        return {row.kind: (row.till_value, row.server_value, row.detail) for row in rows}


def journal(till, body: dict) -> dict:
    """Send a sale through the till's journal (a completed sale: the customer has left)."""
    body = {"kind": "sale", "store": till.store, "terminal": till.terminal, "at": till.clock().isoformat(), **body}
    batch = {"protocol_version": 1, "store": till.store, "terminal": till.terminal,
             "items": [{"id": body["id"], "seq": 1, "type": "transaction", "body": body}]}
    response = till.request("POST", "/api/v1/sync/journal", batch)
    assert response.status_code == 200, response.json
    return response.json["results"][0]


# -- 1. what a sale earns is the server's -------------------------------------------------------


def test_a_one_euro_roll_posted_as_a_hundred_euros_earns_one_point_and_is_flagged(client, desk, enrol, catalogue,
                                                                                   till, services):
    member_id, card = enrol()
    sale = till.sale([sold("1", "BREAD", 10000)], card=card)
    assert sale.status_code == 201, sale.json
    assert sale.json["points_earned"] == 1 and account(client, desk, member_id)["balance"] == 1
    assert flags(services, sale.json["transaction_id"])["price-differs"][:2] == (10000, 100)


def test_a_product_excluded_from_points_earns_none_when_the_line_omits_the_flag(client, desk, enrol, catalogue,
                                                                                 till):
    _, card = enrol()
    sale = till.sale([sold("1", "GIFT", 2000, category="gifts"), sold("2", "WINE", 1000)], card=card)
    assert sale.json["points_earned"] == 10 and sale.json["exceptions"] == []  # the wine's 10 alone


def test_tobacco_sent_with_an_empty_category_earns_nothing(client, desk, enrol, catalogue, till):
    _, card = enrol()
    sale = till.sale([sold("1", "CIGS", 800, category="")], card=card)
    assert sale.json["points_earned"] == 0


def test_an_offline_sale_charged_above_the_servers_price_earns_on_the_servers(client, desk, enrol, catalogue,
                                                                              till, services):
    member_id, card = enrol()
    sale = till.sale([sold("1", "WINE", 5000, qty=1)], card=card, offline=True, points_earned=50)
    assert sale.status_code == 201
    assert sale.json["points_earned"] == 10 and account(client, desk, member_id)["balance"] == 10
    found = flags(services, sale.json["transaction_id"])
    assert found["price-differs"][:2] == (5000, 1000) and found["points-earned-differs"][:2] == (50, 10)


def test_a_product_the_server_never_had_earns_on_the_tills_charge_up_to_a_hundred_euros(
        client, desk, enrol, catalogue, till, services):
    member_id, card = enrol()
    small = till.sale([sold("1", "MYSTERY", 1250), sold("2", "BREAD", 100)], card=card)
    assert small.json["points_earned"] == 13 and small.json["exceptions"] == ["unknown-items"]
    big = till.sale([sold("1", "MYSTERY", 60000), sold("2", "GHOST", 40000, excluded=True)], card=card)
    # 600.00 and an excluded 400.00 are scaled down to 100.00 in all (60.00 and 40.00): 60 points.
    assert big.json["points_earned"] == 60
    assert account(client, desk, member_id)["balance"] == 73


# -- 2. what points paid is the server's; an offline till gets what an honest one could ----------


def test_points_worth_five_euros_counted_as_ten_are_credited_at_five(client, desk, enrol, catalogue, till,
                                                                    services):
    member_id, card = enrol(points=1000)
    body = {"id": str(uuid.uuid4()), "card_number": card, "offline": True,
            "lines": [sold("1", "WINE", 2000, qty=2)], "tenders": points_and_cash(500, 1000, 1000)}
    result = journal(till, body)
    assert result["status"] == "applied", result
    outcome = result["outcome"]
    # 500 points pay 5.00: 15.00 of the 20.00 earn points.
    assert (outcome["points_redeemed"], outcome["points_tender_minor"], outcome["points_earned"]) == (500, 500, 15)
    assert account(client, desk, member_id)["balance"] == 1000 - 500 + 15
    assert flags(services, body["id"])["points-value-differs"][:2] == (1000, 500)


def test_points_paying_the_whole_basket_are_credited_only_up_to_half_of_it(client, desk, enrol, catalogue, till,
                                                                           services):
    member_id, card = enrol(points=2000)
    body = {"id": str(uuid.uuid4()), "card_number": card, "offline": True,
            "lines": [sold("1", "WINE", 2000, qty=2)], "tenders": points_and_cash(2000, 2000, 0)}
    outcome = journal(till, body)["outcome"]
    assert (outcome["points_redeemed"], outcome["points_tender_minor"]) == (1000, 1000)
    assert account(client, desk, member_id)["balance"] == 2000 - 1000 + 10
    till_value, server_value, detail = flags(services, body["id"])["redemption-not-credited"]
    assert (till_value, server_value) == (2000, 1000) and "terminal B2/T1" in detail


def test_an_offline_body_redeeming_a_million_points_gets_the_offline_cap_once_per_window(
        client, desk, enrol, catalogue, till, services, clock):
    member_id, card = enrol(points=600)
    basket = [sold("1", "WINE", 100000, qty=100)]  # 1,000.00: half of it is far above the cap
    first = till.sale(basket, card=card, offline=True, tenders=points_and_cash(1_000_000, 10000, 90000))
    assert first.status_code == 201
    assert first.json["points_redeemed"] == 2000  # the programme's offline cap, not a million
    assert flags(services, first.json["transaction_id"])["redemption-not-credited"][:2] == (1_000_000, 2000)
    # 600 + 980 earned on the 980.00 not paid by points - 2000: a debt of 420, reported as overspend.
    assert account(client, desk, member_id)["balance"] == -420
    clock.advance(hours=1)
    second = till.sale(basket, card=card, offline=True, tenders=points_and_cash(500, 500, 99500))
    assert second.json["points_redeemed"] == 0  # this terminal used its allowance for the member today
    clock.advance(hours=24)
    third = till.sale(basket, card=card, offline=True, tenders=points_and_cash(500, 500, 99500))
    assert third.json["points_redeemed"] == 500
    report = client.get("/api/v1/reports/reconciliation?store=B2", headers=_hq(client, services)).json
    assert {(row["kind"], row["terminal"]) for row in report["exceptions"]
            if row["kind"] == "redemption-not-credited"} == {("redemption-not-credited", "T1")}


def _hq(client, services):
    make_staff(services, "hanna", "hq")
    return login(client, "hanna")


def test_an_online_sale_redeeming_without_a_hold_is_refused_and_a_completed_one_is_held_to_the_allowance(
        client, desk, enrol, catalogue, till, services):
    member_id, card = enrol(points=5000)
    tenders = points_and_cash(3000, 3000, 7000)
    refused = till.sale([sold("1", "WINE", 10000, qty=10)], card=card, tenders=tenders)
    assert refused.status_code == 422 and refused.json["reason"] == "hold-required"
    body = {"id": str(uuid.uuid4()), "card_number": card, "offline": False,
            "lines": [sold("1", "WINE", 10000, qty=10)], "tenders": tenders}
    outcome = journal(till, body)["outcome"]
    assert outcome["points_redeemed"] == 2000
    assert set(flags(services, body["id"])) == {"redemption-without-hold", "redemption-not-credited",
                                                "points-value-differs"}
    held = {"id": str(uuid.uuid4()), "card_number": card, "offline": False, "hold_id": place_hold(till, card, 3000),
            "lines": [sold("1", "WINE", 10000, qty=10)], "tenders": tenders}
    assert journal(till, held)["outcome"]["points_redeemed"] == 3000
    assert flags(services, held["id"]) == {}
    assert account(client, desk, member_id)["balance"] == 5000 - 2000 + 80 - 3000 + 70


# -- 3. times ------------------------------------------------------------------------------------


def test_a_sale_dated_in_the_year_2999_is_refused_online_and_applied_at_the_servers_time_offline(
        client, desk, enrol, catalogue, till, services, clock):
    member_id, card = enrol()
    future = clock().replace(year=2099)  # the API refuses times past 2099 outright
    online = till.sale([sold("1", "WINE", 1000)], card=card, at=future)
    assert online.status_code == 422 and online.json["reason"] == "sale-in-the-future"
    offline = till.sale([sold("1", "WINE", 1000)], card=card, at=future, offline=True)
    assert offline.status_code == 201 and "sale-time-in-future" in offline.json["exceptions"]
    with services.db.session() as session:
        earned = session.scalar(select(LedgerEntry).where(LedgerEntry.source_id == offline.json["transaction_id"]))
    assert earned.at == clock() and earned.expires_at.year == clock().year + 1
    assert account(client, desk, member_id)["balance"] == 10


def test_a_few_minutes_of_clock_drift_is_fine_and_a_sale_after_a_long_outage_is_kept_and_flagged(
        enrol, catalogue, till, clock):
    _, card = enrol()
    drift = till.sale([sold("1", "WINE", 1000)], card=card, at=clock() + timedelta(minutes=4))
    assert drift.status_code == 201 and drift.json["exceptions"] == []
    late = till.sale([sold("1", "WINE", 1000)], card=card, at=clock() - timedelta(days=3), offline=True)
    assert late.status_code == 201 and late.json["exceptions"] == ["sale-time-old"]
    assert late.json["points_earned"] == 10


# -- 4. coupons are reserved before an online sale completes -------------------------------------


@pytest.fixture
def coupon(client, catalogue):
    promotion = client.post("/api/v1/promotions", headers=catalogue, json={
        "label": "2.00 off with your coupon", "rule": {"kind": "amount_off", "amount_minor": 200,
                                                       "scope": {"whole_basket": True}},
        "coupon": {"single_use": True}, "state": "active"})
    assert promotion.status_code == 201, promotion.json
    batch = client.post(f"/api/v1/promotions/{promotion.json['id']}/coupons", headers=catalogue,
                        json={"prefix": "ONCE-", "count": 1})
    assert batch.status_code == 201, batch.json
    return promotion.json, batch.json["codes"][0]


def _reserve(till, code, hold_id=None):
    return till.request("POST", "/api/v1/coupon-holds", {"id": hold_id or str(uuid.uuid4()), "codes": [code],
                                                         "store": till.store, "terminal": till.terminal})


def _coupon_lines(promotion, code):
    return [sold("1", "WINE", 800, discounts=[{"promotion_id": promotion["id"], "version": 1, "label": "coupon",
                                                "amount_minor": 200, "coupon_code": code}])]


def test_a_single_use_coupon_held_by_one_till_is_refused_to_a_till_in_another_store(client, services, coupon,
                                                                                    till, clock):
    promotion, code = coupon
    other = Till(client, make_terminal(services, "C3", "T7"), "C3", "T7", clock)
    held = _reserve(till, code)
    assert held.status_code == 201 and held.json["status"] == "held"
    assert _reserve(till, code, held.json["id"]).status_code == 201  # a retry gets the same hold
    refused = _reserve(other, code)
    assert refused.status_code == 409 and refused.json["reason"] == "coupon-held-elsewhere"
    skipped = other.sale(_coupon_lines(promotion, code), coupons=[code])  # posting without reserving
    assert skipped.status_code == 422 and skipped.json["reason"] == "coupon-held-elsewhere"
    used = till.sale(_coupon_lines(promotion, code), coupons=[code], coupon_hold_id=held.json["id"])
    assert used.status_code == 201 and used.json["exceptions"] == []
    after = _reserve(other, code)
    assert after.status_code == 409 and after.json["reason"] == "coupon-already-used"
    offline = other.sale(_coupon_lines(promotion, code), coupons=[code], offline=True)
    assert offline.status_code == 201 and "coupon-already-used" in offline.json["exceptions"]


def test_a_released_or_lapsed_coupon_hold_frees_the_code(client, services, coupon, till, clock):
    _, code = coupon
    other = Till(client, make_terminal(services, "C3", "T7"), "C3", "T7", clock)
    held = _reserve(till, code).json
    released = till.request("POST", f"/api/v1/coupon-holds/{held['id']}/release")
    assert released.status_code == 200 and released.json["status"] == "released"
    again = _reserve(other, code)
    assert again.status_code == 201
    clock.advance(minutes=16)  # a hold lives 15 minutes
    assert _reserve(till, code).status_code == 201


# -- no body a till can send earns or redeems more than the server's rules allow -----------------
#
# An independent statement of the rules, from the catalogue above and the programme's defaults
# (1 point per 1.00, 100 points pay 1.00, at least 500, at most half the basket, offline cap 2000
# per member, terminal and day; lines the server cannot price earn on at most 100.00 per sale).

PRICES = {p["sku"]: p["base_price_minor"] for p in PRODUCTS}
EARNS = {"BREAD": True, "WINE": True, "GIFT": False, "CIGS": False}  # GIFT excluded, CIGS tobacco
UNKNOWN_CAP, OFFLINE_CAP, STEP, MINIMUM = 10_000, 2_000, 100, 500

line_bodies = st.builds(
    lambda sku, qty, paid, category, excluded: {"sku": sku, "qty": qty, "paid_minor": paid,
                                                "category": category, "excluded": excluded},
    st.sampled_from(["BREAD", "WINE", "GIFT", "CIGS", "MYSTERY", ""]), st.integers(1, 5),
    st.integers(0, 200_000), st.sampled_from(["", "tobacco", "wine", "gifts"]), st.booleans())
sale_bodies = st.fixed_dictionaries({
    "lines": st.lists(line_bodies, min_size=1, max_size=4),
    "points": st.sampled_from([0, 300, 500, 600, 1000, 2000, 2500, 10_000, 1_000_000]),
    "points_minor": st.sampled_from([None, 0, 1, 500, 5000, 100_000]),  # None: the honest value
    "matching_tenders": st.booleans(),
    "offline": st.booleans(),
    "through_journal": st.booleans(),
    "with_hold": st.booleans(),
    "minutes": st.sampled_from([-4 * 24 * 60, -60, 0, 4, 10, 365 * 24 * 60]),
    "balance": st.sampled_from([0, 600, 5000]),
    "suspended": st.booleans(),  # an admin has suspended the till: it may redeem nothing
})


def the_rules_allow(body: dict) -> tuple[int, int, int]:
    """(fewest, most) points the lines earn before the points tender's share is taken off, and the
    most points a sale may be credited as redeemed; from the lines alone, not the code under test."""
    lines = body["lines"]
    known = [ln for ln in lines if ln["sku"] in PRICES]
    unknown = [ln for ln in lines if ln["sku"] not in PRICES]
    charged = sum(ln["paid_minor"] for ln in unknown)
    earning_unknown = sum(ln["paid_minor"] for ln in unknown if not ln["excluded"] and ln["category"] != "tobacco")
    # Above the cap, the unknown lines' charges are scaled down to it together, each by a whole cent.
    scaled = Fraction(earning_unknown * UNKNOWN_CAP, charged) if charged > UNKNOWN_CAP else Fraction(earning_unknown)
    earning = sum(PRICES[ln["sku"]] * ln["qty"] for ln in known if EARNS[ln["sku"]])
    fewest, most = (earning + math.floor(scaled) - len(unknown)) // 100, (earning + math.ceil(scaled)) // 100
    basket = min(sum(PRICES[ln["sku"]] * ln["qty"] for ln in known) + min(charged, UNKNOWN_CAP),
                 sum(ln["paid_minor"] for ln in lines))
    limit = body["points"] if body["with_hold"] else min(body["points"], OFFLINE_CAP)
    redeemable = min(limit - limit % STEP, (basket // 2) - (basket // 2) % STEP)
    return fewest, most, redeemable if redeemable >= MINIMUM and not body["suspended"] else 0


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=sale_bodies)
def test_no_body_a_till_can_send_earns_or_redeems_more_than_the_rules_allow(
        body, client, desk, services, catalogue, till, clock):
    if body["suspended"]:
        _suspension(services, suspend_terminal)
        try:
            _no_more_than_the_rules_allow(body, client, desk, services, till, clock)
        finally:
            _suspension(services, resume_terminal)  # the till outlives the example
    else:
        _no_more_than_the_rules_allow(body, client, desk, services, till, clock)


def _suspension(services, change) -> None:
    with services.db.session() as session:
        change(session, get_store(session, "B2"), "T1", services.clock(), Actor.system("test"))
        session.commit()


def _no_more_than_the_rules_allow(body, client, desk, services, till, clock):
    member_id, card = seed_member(services, body["balance"], "Hypothesis Member")
    lines = [{"line_id": str(n), **ln} for n, ln in enumerate(body["lines"], start=1)]
    total = sum(ln["paid_minor"] for ln in lines)
    points = body["points"]
    points_minor = points if body["points_minor"] is None else body["points_minor"]
    tenders = [{"kind": "points", "amount_minor": min(points_minor, total), "points": points}] if points else []
    cash = total - sum(t["amount_minor"] for t in tenders) if body["matching_tenders"] else 1
    tenders.append({"kind": "cash", "amount_minor": cash})
    hold_id = None
    if body["with_hold"] and points:
        placed = till.request("POST", "/api/v1/holds", {"id": str(uuid.uuid4()), "card_number": card,
                                                        "points": points, "store": till.store,
                                                        "terminal": till.terminal})
        hold_id = placed.json["id"] if placed.status_code == 201 else None
    sale = {"id": str(uuid.uuid4()), "card_number": card, "offline": body["offline"], "lines": lines,
            "tenders": tenders, "hold_id": hold_id, "at": (clock() + timedelta(minutes=body["minutes"])).isoformat()}
    if body["through_journal"]:
        result = journal(till, sale)
        assert result["status"] == "applied", result  # a completed sale is never refused
        outcome = result["outcome"]
    else:
        response = till.sale(lines, card=card, offline=body["offline"], tenders=tenders, hold_id=hold_id,
                             sale_id=sale["id"], at=clock() + timedelta(minutes=body["minutes"]))
        if body["offline"]:
            assert response.status_code == 201, response.json  # neither is a sale the till says it made offline
        if response.status_code != 201:
            event(f"refused online: {response.json.get('reason')}")
            assert response.status_code in (409, 422) and account(client, desk, member_id)["balance"] == body["balance"]
            return
        outcome = response.json
    fewest, most, most_redeemed = the_rules_allow({**body, "with_hold": hold_id is not None})
    redeemed, value = outcome["points_redeemed"], outcome["points_tender_minor"]
    event(f"credited {'some' if redeemed else 'no'} points, of {points} tendered")
    assert redeemed <= most_redeemed and value == redeemed  # 100 points pay 1.00: a point is a cent
    # The points tender's share comes off what earns: at most its value, spread by whole cents.
    assert fewest - value // 100 - 1 <= outcome["points_earned"] <= most
    assert account(client, desk, member_id)["balance"] == body["balance"] - redeemed + outcome["points_earned"]


@pytest.fixture
def live_postgres_server(postgres_database, tmp_path):
    """The real app over PostgreSQL behind a threaded HTTP server: requests really run at once."""
    from server.app import create_app
    from server.services import Services
    from server.settings import Settings
    from tests.conftest import TEST_SECRET

    postgres_database.reset()
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": postgres_database.url}))
    app = create_app(services=services)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield services, app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    services.db.dispose()


@pytest.mark.postgres
def test_tills_in_six_stores_racing_to_reserve_one_single_use_coupon_leave_one_holder(live_postgres_server):
    services, app, url = live_postgres_server
    client = app.test_client()
    make_staff(services, "mia", "marketing")
    marketer = login(client, "mia")
    client.post("/api/v1/products/bulk", json={"items": PRODUCTS}, headers=marketer)
    promotion = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "Coupon: 2.00 off", "state": "active", "coupon": {"single_use": True},
        "rule": {"kind": "amount_off", "amount_minor": 200, "scope": {"whole_basket": True}}}).json
    codes = client.post(f"/api/v1/promotions/{promotion['id']}/coupons", headers=marketer,
                        json={"count": 10}).json["codes"]
    tills = [(terminal_session(make_terminal(services, f"S{i}", "T1"), url), f"S{i}") for i in range(6)]

    def reserve(session, store, code):
        body = {"id": str(uuid.uuid4()), "codes": [code], "store": store, "terminal": "T1"}
        return session.post(f"{url}/api/v1/coupon-holds", data=json.dumps(body),
                            headers={"Content-Type": "application/json"})

    for code in codes:  # ten rounds, one fresh code each
        answers = concurrently([lambda s=s, t=t, c=code: reserve(s, t, c) for s, t in tills])
        assert sorted(r.status_code for r in answers) == [201] + [409] * 5
        assert {r.json()["reason"] for r in answers if r.status_code == 409} == {"coupon-held-elsewhere"}
