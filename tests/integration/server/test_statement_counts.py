"""SQL statements per request on the hot paths, with today's numbers as ceilings.

A change that adds a statement to a till's poll, a card look-up, a sale or a quote fails here and
has to raise the ceiling on purpose. Counted: every statement the request's thread sends, the
signature check included (the request-scoped transaction's BEGIN/COMMIT are not statements).
"""

import threading
import uuid

import pytest
from sqlalchemy import event

from server.pricing.products import upsert_products
from server.sync import head_seq, sequence_pending
from tests.integration.membership.conftest import account
from tests.support.factories import login, make_staff, make_terminal
from tests.support.feed import publish
from tests.support.statements import statements
from tests.support.tills import Till, line

pytestmark = pytest.mark.postgres

REDIS_URL = "redis://127.0.0.1:6379/0"
# A card look-up: one statement (the card, its member, the kept figures and the live holds' sum
# together: server.membership.card_lookup).
# A member sale: 9 statements (the transaction row claimed by one INSERT ... ON CONFLICT DO NOTHING
# and updated once at the end; the card and its member read and locked by one statement, which
# reads the member's segments and clipped offers too, for pricing and snapshot; the terminal's
# suspension read with its store, which the pricing then needs no statement for; the products read
# once for re-pricing and pricing; the kept state read with the live holds' sum; the live promotions'
# versions, from whose catalogue the snapshot knows which uses to log; the snapshot; and, in one
# statement at the sale's end (server.membership.batch_work), the kept state's UPDATE, the ledger
# rows with no look-up (the sale's id was just claimed, so none can be stored) and its reconciliation
# exception, here for an item the server does not sell, with its discounts and promotion uses when it
# has some). 14 before the card, member, segments and lock, the suspension and store, the kept state
# and holds were read together and the sale's rows written together; 19 before the claim's look-up
# and savepoint, the kept row's second read and the ledger look-up were cut. Up to two more: each
# process checks for a newer programme version at most once a second
# (server.membership.programme_versions), and entries of the same instant may make the ledger
# replay once. The sale bench.hot_paths posts (4 lines with promotions, a member price, no
# exception) sends 10: its products are priced, so the member's recent uses of limited promotions
# are read once for its usage limits and its snapshot (22 before this change: each promotion
# version its till applied, which of them are capped, and the snapshot's uses were read apart).
# A quote: 5 statements (a quote that redeems no points reads no balance or holds; the live
# promotions' versions and coupon batches that key the catalogue cache are one statement, 7 before;
# the card and its member are one, 6 before), in autocommit: no BEGIN or ROLLBACK either.
# A journal batch is one transaction, applied first without a savepoint per item: 19-20 statements
# (ceiling 21, one more for the programme version check as above) for a batch of one member sale of
# a product the server sells: the signature check, the batch's reads made once for all its items
# (the transactions it holds, refusals on file, the terminal's suspension, its members locked with
# their kept balances, stored entries of its transactions, the store, the products with their tax
# rates, the feed head and the till's taxes at its cursor, segments and clipped offers), its
# transactions claimed in one INSERT that returns their rows (read by a second statement before),
# and at its end the transactions' rows updated in one executemany, its ledger rows, balances and
# the member snapshots (with the holds and offer uses of all its members) written a statement each.
# Each further sale adds 0.2-0.5 (ceiling 1; measured with 20 sales of 10 members): nothing of its
# own but, now and then, the replay of a member whose entries of the same instant sort before the
# kept ones (one read of their stored ledger), and for the batch, one INSERT more for the members
# who had no kept balance yet (the others are updated in one executemany).
# Every other sale without a card: 0.4 per further sale (ceiling 1); 1.4 when the claim's INSERT
# left a None column out of a row, so each run of rows alike went in an INSERT of its own.
# With ONECARD_MEMBER_CACHE=recent a batch reads two more: the last visits of its members to each
# store and which stores hold their snapshot (server.membership.member_cache), for all its members at
# once (22 statements for one sale, 0.3 per further sale; 23 and 1.4 when each member's were read
# apart, three statements a member).
# The same holds when the sales use promotions (20 sales of 10 members, each given a once-a-week
# offer, beside a chain-capped offer none of them gets: 27 statements for a batch of one sale, ceiling
# 28, and 0.3 per further sale): the batch reads once the uses its members had, which of them hold a
# live offer reservation, the store's time zone, and the live promotions' versions, whose catalogue
# gives the definitions of the versions its sales name, which of them are capped and which uses the
# snapshots log; its sales' discounts and uses are written at its end, a statement each. (30 before
# the live catalogue answered those; the code before that sent 33 statements for one such sale and
# 11.4 per further sale.)
CEILINGS = {"poll at head": 0, "full page read before": 0, "card look-up": 1,
            "sale": 11, "quote": 5, "journal batch": 21, "journal sale": 1,
            "journal batch, promotions": 28, "recent member cache": 2, "journal sale, mixed": 1}
JOURNAL_MEMBERS, JOURNAL_PRICE = 10, 450


@pytest.fixture
def database_url(postgres_database):
    """PostgreSQL only: the production engine is the one whose round trips count."""
    postgres_database.reset()
    return postgres_database.url


@pytest.fixture
def member_cache():
    """ONECARD_MEMBER_CACHE: the default, unless a test is parametrized with others."""
    return "all"


@pytest.fixture
def settings_values(settings_values, member_cache):
    """As deployed: PostgreSQL and Redis (replay protection in Redis), in a namespace of its own."""
    return {**settings_values, "redis_url": REDIS_URL, "queue_name": f"counts-{uuid.uuid4().hex[:8]}",
            "member_cache": member_cache}


@pytest.fixture
def till(client, services, clock):
    return Till(client, make_terminal(services, "B2", "T1"), "B2", "T1", clock)


@pytest.fixture
def member(client, services):
    make_staff(services, "sam", "member_service")
    desk = login(client, "sam")
    response = client.post("/api/v1/members", json={"name": "Ada Lovelace"}, headers=desk)
    assert response.status_code == 201, response.json
    return response.json["id"], response.json["card"]["number"], desk


def _count(services, request):
    with statements(services.db.engine) as seen:
        response = request()
    assert response.status_code < 400, response.json
    return len(seen), response


def test_a_till_polling_at_the_head_costs_no_statement(services, till):
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        head = head_seq(session)
    first = till.request("GET", f"/api/v1/sync/changes?cursor={head}")  # warms the watermarks
    assert first.status_code == 200 and int(first.json["next_cursor"]) == head
    count, again = _count(services, lambda: till.request("GET", f"/api/v1/sync/changes?cursor={head}"))
    assert again.json == {**first.json} and count <= CEILINGS["poll at head"]


def test_a_second_tills_read_of_the_same_full_page_costs_no_statement(client, services, till, clock):
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        head = head_seq(session)
    publish(services.db.engine, *[("product", f"P{i}", "upsert", {"sku": f"P{i}"}, "B2") for i in range(3)])
    target = f"/api/v1/sync/changes?cursor={head}&limit=2"
    first = till.request("GET", target)
    assert first.status_code == 200 and first.json["has_more"] is True
    second = Till(client, make_terminal(services, "B2", "T2"), "B2", "T2", clock)
    assert second.request("GET", "/api/v1/sync/changes?cursor=0&limit=1").status_code == 200  # its terminal, read once
    count, again = _count(services, lambda: second.request("GET", target))
    assert again.get_data() == first.get_data() and count <= CEILINGS["full page read before"]


def test_a_card_look_up_stays_within_its_statements(services, till, member):
    _, card, _ = member
    till.request("GET", f"/api/v1/cards/{card}")  # warms the terminal cache, as a busy till has it
    count, response = _count(services, lambda: till.request("GET", f"/api/v1/cards/{card}"))
    assert response.json["card"]["number"] == card and count <= CEILINGS["card look-up"]


def test_a_card_look_up_is_one_round_trip_without_begin_or_rollback(services, till, member):
    """Its one statement runs in autocommit: the transaction's BEGIN and ROLLBACK would be two
    round trips more than the statement itself."""
    _, card, _ = member
    till.request("GET", f"/api/v1/cards/{card}")
    assert _autocommit_modes(services, lambda: till.request("GET", f"/api/v1/cards/{card}")) == [True]


def test_a_quote_reads_in_autocommit_without_begin_or_rollback(services, till, member):
    """A quote writes nothing: its statements commit on their own, two round trips fewer."""
    _, card, _ = member
    body = {"store": "B2", "card_number": card, "lines": [{"sku": "SKU-Q", "qty": 1}]}
    with services.db.session() as session:
        upsert_products(session, [{"sku": "SKU-Q", "name": "Quoted", "category": "pasta", "base_price_minor": 250,
                                   "tax_class": "standard", "excluded_from_points": False, "active": True,
                                   "barcodes": []}], services.clock())
        session.commit()
    till.request("POST", "/api/v1/quotes", body)
    modes = _autocommit_modes(services, lambda: till.request("POST", "/api/v1/quotes", body))
    assert len(modes) >= 4 and set(modes) == {True}


def _autocommit_modes(services, request) -> list[bool]:
    """Whether each statement ``request()`` sends runs on a connection in autocommit."""
    modes = []

    def autocommit(conn, _cursor, _statement, _params, _context, _many):
        modes.append(conn.connection.dbapi_connection.autocommit)

    event.listen(services.db.engine, "before_cursor_execute", autocommit)
    try:
        assert request().status_code == 200
    finally:
        event.remove(services.db.engine, "before_cursor_execute", autocommit)
    return modes


def test_a_member_sale_stays_within_its_statements(client, services, till, member, clock):
    member_id, card, desk = member
    till.sale([line("1", 1999)], card=card)
    # A later sale: entries of the same instant may sort before the kept ones (by id), which
    # makes the ledger replay once, correctly, with one statement more.
    clock.advance(seconds=1)
    count, response = _count(services, lambda: till.sale([line("1", 2500)], card=card))
    assert response.json["points_earned"] == 25 and count <= CEILINGS["sale"]
    assert account(client, desk, member_id)["balance"] == 19 + 25


def test_a_quote_stays_within_its_statements(client, services, till, member):
    _, card, _ = member
    make_staff(services, "mia", "marketing")
    products = [{"sku": f"SKU-{i}", "name": f"Product {i}", "category": "pasta", "base_price_minor": 100 + i}
                for i in range(20)]
    assert client.post("/api/v1/products/bulk", json={"items": products},
                       headers=login(client, "mia")).status_code == 200
    body = {"store": "B2", "card_number": card, "coupons": [],
            "lines": [{"line_id": str(i), "sku": f"SKU-{i}", "qty": 1} for i in range(20)]}
    till.request("POST", "/api/v1/quotes", body)
    count, response = _count(services, lambda: till.request("POST", "/api/v1/quotes", body))
    assert response.json["total"] == sum(100 + i for i in range(20)) and count <= CEILINGS["quote"]


def _journal_sale(till, card, qty, feed_cursor):
    """An offline sale of ``qty`` of a product the server sells, priced at the till's ``feed_cursor``."""
    sale_id, paid = str(uuid.uuid4()), JOURNAL_PRICE * qty
    body = {"id": sale_id, "kind": "sale", "store": till.store, "terminal": till.terminal,
            "at": till.clock().isoformat(), "offline": True, "card_number": card, "feed_cursor": feed_cursor,
            "lines": [line("1", paid, qty=qty, sku="SKU-J")], "tenders": [{"kind": "cash", "amount_minor": paid}]}
    return {"id": sale_id, "type": "transaction", "body": body}


def _journal_batch(till, items):
    return {"protocol_version": 1, "store": till.store, "terminal": till.terminal,
            "items": [{**item, "seq": n} for n, item in enumerate(items, start=1)]}


def _push_counted(services, till, items):
    with statements(services.db.engine) as seen:
        response = till.request("POST", "/api/v1/sync/journal", _journal_batch(till, items))
    assert {r["status"] for r in response.json["results"]} == {"applied"}, response.json
    # The feed's head, which each sale's till catalogue is checked against: read once per batch.
    assert sum("coalesce(max(change_log.seq)" in statement for statement in seen) <= 1
    return len(seen)


def _journal_members(client, services) -> tuple[list[str], int]:
    """The journal product and JOURNAL_MEMBERS members: their cards, and the feed's head after them."""
    make_staff(services, "sam", "member_service")
    make_staff(services, "mia", "marketing")
    product = {"sku": "SKU-J", "name": "Journal product", "category": "pasta", "base_price_minor": JOURNAL_PRICE}
    assert client.post("/api/v1/products/bulk", json={"items": [product]},
                       headers=login(client, "mia")).status_code == 200
    desk = login(client, "sam")
    cards = []
    for n in range(JOURNAL_MEMBERS):
        response = client.post("/api/v1/members", json={"name": f"Member {n}"}, headers=desk)
        cards.append(response.json["card"]["number"])
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        return cards, head_seq(session)  # the till priced its offline sales with the feed read up to here


@pytest.mark.parametrize("member_cache", ["all", "recent"])
def test_a_journal_batch_costs_a_constant_plus_a_few_statements_per_sale(client, services, till, clock, member_cache):
    cards, cursor = _journal_members(client, services)
    _push_counted(services, till, [_journal_sale(till, cards[0], 1, cursor)])  # warms the caches
    clock.advance(seconds=1)
    one = _push_counted(services, till, [_journal_sale(till, cards[0], 2, cursor)])
    clock.advance(seconds=1)
    many = _push_counted(services, till, [_journal_sale(till, card, 1 + n % 3, cursor)
                                          for n, card in enumerate(cards * 2)])
    per_sale = (many - one) / (2 * JOURNAL_MEMBERS - 1)
    print(f"journal: 1 sale {one} statements, {2 * JOURNAL_MEMBERS} sales {many}: {per_sale:.1f} per further sale")
    extra = CEILINGS["recent member cache"] if member_cache == "recent" else 0
    assert one <= CEILINGS["journal batch"] + extra and per_sale <= CEILINGS["journal sale"]


def test_a_journal_batch_mixing_sales_with_and_without_a_card_costs_no_more_per_sale(client, services, till, clock):
    # Sales without a card leave the row's member and points as claimed; a batch of both kinds in
    # turn still claims its rows with one INSERT and writes them back with one UPDATE.
    cards, cursor = _journal_members(client, services)
    _push_counted(services, till, [_journal_sale(till, cards[0], 1, cursor)])  # warms the caches
    clock.advance(seconds=1)
    one = _push_counted(services, till, [_journal_sale(till, cards[0], 2, cursor)])
    clock.advance(seconds=1)
    many = _push_counted(services, till, [_journal_sale(till, card if n % 2 else None, 1 + n % 3, cursor)
                                          for n, card in enumerate(cards * 2)])
    per_sale = (many - one) / (2 * JOURNAL_MEMBERS - 1)
    print(f"journal, every other sale without a card: 1 sale {one} statements, {2 * JOURNAL_MEMBERS} sales "
          f"{many}: {per_sale:.1f} per further sale")
    assert one <= CEILINGS["journal batch"] and per_sale <= CEILINGS["journal sale, mixed"]


def _on(sku):
    return {"skus": [sku], "categories": [], "whole_basket": False}


def _promote(client, marketer, label, rule, **fields):
    response = client.post("/api/v1/promotions", headers=marketer,
                           json={"label": label, "rule": rule, "state": "active", **fields})
    assert response.status_code == 201, response.json
    return response.json


def test_a_journal_batch_of_sales_with_promotions_costs_a_few_statements_per_sale(client, services, till, clock):
    make_staff(services, "sam", "member_service")
    make_staff(services, "mia", "marketing")
    marketer, desk = login(client, "mia"), login(client, "sam")
    products = [{"sku": "SKU-J", "name": "Journal product", "category": "pasta", "base_price_minor": JOURNAL_PRICE},
                {"sku": "SKU-C", "name": "Capped product", "category": "coffee", "base_price_minor": 300}]
    assert client.post("/api/v1/products/bulk", json={"items": products}, headers=marketer).status_code == 200
    weekly = _promote(client, marketer, "1.00 off once a week", {"kind": "amount_off", "amount_minor": 100,
                                                                 "scope": _on("SKU-J")},
                      usage_limit={"max_uses": 1, "period": "week"})
    _promote(client, marketer, "First 5: 0.50 off coffee", {"kind": "amount_off", "amount_minor": 50,
                                                            "scope": _on("SKU-C")},
             chain_cap={"max_uses": 5, "offline_uses": 1})
    cards = [client.post("/api/v1/members", json={"name": f"Member {n}"}, headers=desk).json["card"]["number"]
             for n in range(JOURNAL_MEMBERS)]
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        cursor = head_seq(session)
    discount = [{"promotion_id": weekly["id"], "version": 1, "label": "1.00 off once a week", "amount_minor": 100}]

    def sale(card):  # the till gave the weekly offer: it knew of no use (each member's second is flagged)
        item = _journal_sale(till, card, 1, cursor)
        item["body"]["lines"][0].update(paid_minor=JOURNAL_PRICE - 100, discounts=discount)
        item["body"]["tenders"][0]["amount_minor"] = JOURNAL_PRICE - 100
        return item

    _push_counted(services, till, [sale(cards[0])])  # warms the caches
    clock.advance(days=8)
    one = _push_counted(services, till, [sale(cards[0])])
    clock.advance(days=8)
    many = _push_counted(services, till, [sale(card) for card in cards * 2])
    per_sale = (many - one) / (2 * JOURNAL_MEMBERS - 1)
    print(f"journal with promotions: 1 sale {one} statements, {2 * JOURNAL_MEMBERS} sales {many}: "
          f"{per_sale:.1f} per further sale")
    assert one <= CEILINGS["journal batch, promotions"] and per_sale <= CEILINGS["journal sale"]


def test_a_member_sale_compiles_none_of_its_statements_once_sales_have_run(client, services, till, member, clock):
    """SQLAlchemy compiles a statement once per shape and keeps it, unless it has no cache key: a
    multi-row VALUES had none, and the sale's end write was compiled anew every time."""
    _, card, _ = member
    for price in (1999, 2500):  # the first sales compile what every later one reuses
        till.sale([line("1", price)], card=card)
        clock.advance(seconds=1)
    compiled = _compilations(services, lambda: till.sale([line("1", 1250)], card=card))
    assert compiled == []


def _compilations(services, request) -> list[str]:
    """The statements ``request()`` sends that SQLAlchemy compiled for it (not taken from its cache)."""
    me, fresh = threading.get_ident(), []

    def note(_conn, _cursor, statement, _params, context, _many):
        compiled_now = context.compiled is not None and context.cache_hit != context.dialect.CACHE_HIT
        if threading.get_ident() == me and compiled_now:
            fresh.append(f"{context.cache_hit}: {statement}")

    event.listen(services.db.engine, "before_cursor_execute", note)
    try:
        assert request().status_code < 400
    finally:
        event.remove(services.db.engine, "before_cursor_execute", note)
    return fresh
