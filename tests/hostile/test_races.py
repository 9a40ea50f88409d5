"""Races answer once, never 500: the same sale undone, or the same id sent, by many requests at once.

Every test drives a real `onecard server` (gunicorn, several worker processes) on PostgreSQL with
real parallel HTTP requests from signed terminal sessions, and repeats the race for several rounds:
one round can miss a race that many rounds catch.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from loyalty.cards import CardNumberScheme
from server.membership.ledger import load_ledger
from server.models import Card, Hold, JournalRejection, Member, PostedTransaction
from server.services import Services
from server.settings import Settings
from store_sync.http.client import terminal_session
from tests.conftest import TEST_SECRET
from tests.support.concurrency import concurrently
from tests.support.factories import make_terminal, seed_member
from tests.support.processes import onecard_env
from tests.support.stack import Process, free_port
from tests.support.tills import line

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

STORE = "R1"
WORKERS = 6  # gunicorn processes: that many requests are inside the database at once
THREADS = 4  # per worker (the default): with a journal slot each, no batch is answered busy
TILLS = 4
PARALLEL = 20  # requests released together in each round
ROUNDS = 8


class Server:
    """`onecard server` as operators run it, plus signed sessions for its tills."""

    def __init__(self, services: Services, url: str) -> None:
        self.services, self.url = services, url
        self.credentials = {f"T{n}": make_terminal(services, STORE, f"T{n}") for n in range(TILLS)}

    def post(self, path: str, body: dict) -> requests.Response:
        """POST ``body`` signed by the till it names, on a connection of its own."""
        terminal = terminal_session(self.credentials[body["terminal"]], self.url)
        return terminal.post(self.url + path, json=body, timeout=60)

    def at_once(self, path: str, bodies: list[dict]) -> list[requests.Response]:
        """POST every body at the same instant; none may be answered with a 5xx."""
        responses = concurrently([lambda body=body: self.post(path, body) for body in bodies])
        failures = [(r.status_code, r.text) for r in responses if r.status_code >= 500]
        assert not failures, failures
        return responses

    def balance(self, member_id: str) -> int:
        with self.services.db.session() as session:
            return load_ledger(session, uuid.UUID(member_id)).state.balance


@pytest.fixture(scope="module")
def server(postgres_database, tmp_path_factory):
    root = tmp_path_factory.mktemp("races")
    postgres_database.reset()
    settings = {"data_dir": str(root), "secret_key": TEST_SECRET, "database_url": postgres_database.url}
    services = Services.build(Settings.from_values(settings))
    port = free_port()
    # A journal slot for every thread: these tests race batches against each other in the
    # database, so none is turned away busy (tests/integration/cli/test_journal_admission.py).
    process = Process("server", ["server", "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
                                 "--threads", str(THREADS), "--journal-slots", str(THREADS)],
                      onecard_env(**settings), root)
    process.start()
    try:
        process.wait_ready(lambda: _healthy(f"http://127.0.0.1:{port}"))
        yield Server(services, f"http://127.0.0.1:{port}")
    finally:
        process.stop()
        services.db.dispose()


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _sale(card: str | None, paid: int, points: int = 0, sale_id: str | None = None) -> dict:
    tenders = [{"kind": "points", "amount_minor": points, "points": points}] if points else []
    tenders.append({"kind": "cash", "amount_minor": paid - points})
    return {"id": sale_id or str(uuid.uuid4()), "kind": "sale", "store": STORE, "terminal": "T0",
            "at": _now(), "card_number": card, "lines": [line("1", paid)], "tenders": tenders}


def _held_sale(server: Server, card: str, paid: int, points: int) -> dict:
    """A member sale paying ``points`` against a hold its till placed first, as online sales must."""
    hold = server.post("/api/v1/holds", {"id": str(uuid.uuid4()), "card_number": card, "points": points,
                                         "store": STORE, "terminal": "T0"})
    assert hold.status_code == 201, hold.text
    return {**_sale(card, paid, points=points), "hold_id": hold.json()["id"]}


def _undo(kind: str, sale_id: str, till: int) -> dict:
    lines = [{"line_id": "1", "qty": 1}] if kind == "return" else []
    return {"id": str(uuid.uuid4()), "kind": kind, "store": STORE, "terminal": f"T{till}", "at": _now(),
            "original_id": sale_id, "lines": lines}


def _undone(server: Server, sale_id: str) -> list[PostedTransaction]:
    with server.services.db.session() as session:
        return list(session.scalars(select(PostedTransaction).where(PostedTransaction.original_id == sale_id)))


def _return_race(server: Server, kind: str, card: str | None) -> list[requests.Response]:
    """A one-unit sale of 20.00 (5.00 of it paid with points when a member bought it), then
    PARALLEL returns or voids of it from the chain's tills at once."""
    sale = server.post("/api/v1/transactions", _held_sale(server, card, 2000, 500) if card else _sale(None, 2000))
    assert sale.status_code == 201, sale.text
    bodies = [_undo(kind, sale.json()["transaction_id"], n % TILLS) for n in range(PARALLEL)]
    responses = server.at_once("/api/v1/transactions", bodies)
    applied = [r.json() for r in responses if r.status_code == 201]
    assert len(applied) == 1, [(r.status_code, r.text) for r in responses]
    assert applied[0]["refund_minor"] == 2000
    undone = _undone(server, sale.json()["transaction_id"])
    assert [row.total_minor for row in undone] == [-2000]  # the money goes back once
    return [r for r in responses if r.status_code != 201]


@pytest.mark.parametrize("kind", ["return", "void"])
def test_a_one_unit_member_sale_undone_by_twenty_tills_at_once_is_refunded_once(server, kind):
    for _ in range(ROUNDS):
        member_id, card = seed_member(server.services, 1000, "Racing Rita")
        refused = _return_race(server, kind, card)
        # 1000 - 500 redeemed + 15 earned on 15.00 cash, then the return gives the 500 back and
        # takes the 15 back: exactly where the member started, whatever the other 19 did.
        assert server.balance(member_id) == 1000
        expected = (422, "return-exceeds-sale") if kind == "return" else (409, "already-voided")
        assert {(r.status_code, r.json().get("reason")) for r in refused} == {expected}


def test_an_anonymous_one_unit_sale_returned_by_twenty_tills_at_once_is_refunded_once(server):
    for _ in range(ROUNDS):
        refused = _return_race(server, "return", None)
        assert {(r.status_code, r.json().get("reason")) for r in refused} == {(422, "return-exceeds-sale")}


def test_a_void_racing_returns_of_the_same_sale_refunds_it_once(server):
    for _ in range(ROUNDS):
        member_id, card = seed_member(server.services, 0, "Voiding Vera")
        sale = server.post("/api/v1/transactions", _sale(card, 2000)).json()
        bodies = [_undo("void" if n % 2 else "return", sale["transaction_id"], n % TILLS) for n in range(PARALLEL)]
        responses = server.at_once("/api/v1/transactions", bodies)
        applied = sorted(body["kind"] for body, r in zip(bodies, responses, strict=True) if r.status_code == 201)
        # The first return or void refunds the sale. After a return, a void finds nothing left to
        # undo and refunds 0; a second void and any later return are refused.
        assert applied in (["return"], ["void"], ["return", "void"]), applied
        assert sum(row.total_minor for row in _undone(server, sale["transaction_id"])) == -2000
        assert server.balance(member_id) == 0


@pytest.mark.parametrize("member", [True, False], ids=["member", "anonymous"])
def test_the_same_sale_posted_twenty_times_at_once_is_applied_once(server, member):
    for _ in range(ROUNDS):
        member_id, card = seed_member(server.services, 1000, "Retrying Rosa") if member else (None, None)
        body = _held_sale(server, card, 2000, 600) if member else _sale(None, 2000)
        responses = server.at_once("/api/v1/transactions", [body] * PARALLEL)
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] * (PARALLEL - 1) + [201], [(r.status_code, r.text) for r in responses]
        first = next(r.json() for r in responses if r.status_code == 201)
        # Every retry gets the first answer: same figures, marked a duplicate.
        assert all(r.json() == {**first, "status": "duplicate"} for r in responses if r.status_code == 200)
        if member:
            assert server.balance(member_id) == 1000 - 600 + 14  # 14.00 paid in cash earns 14
        with server.services.db.session() as session:
            assert session.scalar(select(func.count()).where(PostedTransaction.id == body["id"])) == 1


def test_the_same_sale_id_with_two_bodies_at_once_applies_one_and_refuses_the_other_with_409(server):
    for _ in range(ROUNDS):
        sale_id = str(uuid.uuid4())
        two = [_sale(None, 1000, sale_id=sale_id), _sale(None, 1100, sale_id=sale_id)]
        bodies = [two[n % 2] for n in range(PARALLEL)]
        responses = server.at_once("/api/v1/transactions", bodies)
        codes = sorted(r.status_code for r in responses)
        # One body wins; its nine twins are duplicates, the ten of the other body conflicts.
        assert codes == [200] * (PARALLEL // 2 - 1) + [201] + [409] * (PARALLEL // 2), codes


def test_the_same_hold_placed_twenty_times_at_once_is_one_hold(server):
    for _ in range(ROUNDS):
        member_id, card = seed_member(server.services, 1000, "Holding Hana")
        body = {"id": str(uuid.uuid4()), "card_number": card, "points": 300, "store": STORE, "terminal": "T0"}
        responses = server.at_once("/api/v1/holds", [body] * PARALLEL)
        assert {r.status_code for r in responses} == {201}, [(r.status_code, r.text) for r in responses]
        assert {(r.json()["id"], r.json()["points"], r.json()["status"]) for r in responses} == {
            (body["id"], 300, "held")}
        with server.services.db.session() as session:
            held = session.scalars(select(Hold.points).where(Hold.member_id == uuid.UUID(member_id))).all()
        assert held == [300]


def _batch(items: list[dict]) -> dict:
    return {"protocol_version": 1, "store": STORE, "terminal": "T0",
            "items": [{**item, "seq": n} for n, item in enumerate(items, start=1)]}


def test_the_same_enrolment_sent_in_twenty_journal_batches_at_once_enrols_one_member(server):
    scheme = CardNumberScheme(server.services.settings.card_prefix)
    for _ in range(ROUNDS):
        member_id, number = str(uuid.uuid4()), scheme.number_for(random.randrange(10**9, 10**10))
        item = {"id": member_id, "type": "enrolment", "body": {
            "member_id": member_id, "name": "Offline Olga", "card_number": number, "at": _now()}}
        responses = server.at_once("/api/v1/sync/journal", [_batch([item])] * PARALLEL)
        statuses = sorted(r.json()["results"][0]["status"] for r in responses)
        assert statuses == ["applied"] + ["duplicate"] * (PARALLEL - 1), statuses
        with server.services.db.session() as session:
            cards = session.scalars(select(Card.number).where(Card.member_id == uuid.UUID(member_id))).all()
            assert session.get(Member, uuid.UUID(member_id)).name == "Offline Olga" and cards == [number]


def test_one_card_enrolled_for_twenty_people_at_once_goes_to_one_and_the_others_are_refused(server):
    scheme = CardNumberScheme(server.services.settings.card_prefix)
    for _ in range(ROUNDS):
        number = scheme.number_for(random.randrange(10**9, 10**10))
        ids = [str(uuid.uuid4()) for _ in range(PARALLEL)]
        batches = [_batch([{"id": member_id, "type": "enrolment", "body": {
            "member_id": member_id, "name": f"Person {n}", "card_number": number, "at": _now()}}])
            for n, member_id in enumerate(ids)]
        responses = server.at_once("/api/v1/sync/journal", batches)
        outcomes = sorted((r.json()["results"][0]["status"], r.json()["results"][0].get("reason"))
                          for r in responses)
        assert outcomes == [("applied", None)] + [("rejected", "conflict")] * (PARALLEL - 1), outcomes
        with server.services.db.session() as session:
            holder = session.get(Card, number).member_id
            assert str(holder) in ids
            assert session.scalars(select(Member.id).where(Member.id.in_([uuid.UUID(i) for i in ids]))).all() == [
                holder]


def test_the_same_bad_journal_item_sent_twenty_times_at_once_is_rejected_and_kept_once(server):
    for _ in range(ROUNDS):
        sale = {**_sale(None, 1000), "kind": "return"}  # a return naming no sale: never applicable
        item = {"id": sale["id"], "type": "transaction", "body": {**sale, "offline": True}}
        responses = server.at_once("/api/v1/sync/journal", [_batch([item])] * PARALLEL)
        assert {(r.json()["results"][0]["status"], r.json()["results"][0]["reason"]) for r in responses} == {
            ("rejected", "invalid-body")}
        with server.services.db.session() as session:
            kept = session.scalars(select(JournalRejection).where(JournalRejection.item_id == sale["id"])).all()
        assert [(row.reason, row.attempts) for row in kept] == [("invalid-body", PARALLEL)]


def _capped_offer(server: Server, cap: int) -> str:
    """A product and 1.00 off it for the first ``cap`` sales of the chain; the promotion's id."""
    from server.audit import Actor
    from server.pricing.products import upsert_products
    from server.pricing.versions import canonical, create_promotion
    from server.schemas.promotions import DefinitionSchema

    now, services = server.services.clock(), server.services
    definition = canonical(DefinitionSchema().load({
        "label": f"First {cap}", "rule": {"kind": "amount_off", "amount_minor": 100, "scope": {"skus": ["CAPPED"]}},
        "chain_cap": {"max_uses": cap}}))
    with services.db.session() as session:
        upsert_products(session, [{"sku": "CAPPED", "name": "Capped coffee", "category": "coffee",
                                   "base_price_minor": 500, "tax_class": "standard",
                                   "excluded_from_points": False, "active": True}], now)
        record = create_promotion(session, definition, "active", now, Actor.system("test"), services.program)
        session.commit()
        return str(record.id)


def test_tills_racing_for_a_chain_wide_cap_never_get_more_uses_than_it_allows(server):
    from server.models import CapUse

    for round_ in range(ROUNDS):
        cap = 1 + round_ % 5
        promotion_id = _capped_offer(server, cap)
        holds = [{"id": str(uuid.uuid4()), "capped_promotions": [promotion_id], "store": STORE,
                  "terminal": f"T{n % TILLS}"} for n in range(PARALLEL)]
        reserved = server.at_once("/api/v1/coupon-holds", holds)
        assert sorted(r.status_code for r in reserved) == [201] * cap + [409] * (PARALLEL - cap)
        # Every till posts a sale with the offer at once, none of them having reserved: at most the cap's
        # uses can be left (the reservations above hold them all until they lapse), so all are refused.
        discount = {"promotion_id": promotion_id, "version": 1, "label": f"First {cap}", "amount_minor": 100}
        sales = [{**_sale(None, 400), "terminal": f"T{n % TILLS}",
                  "lines": [{"line_id": "1", "sku": "CAPPED", "qty": 1, "paid_minor": 400, "discounts": [discount]}]}
                 for n in range(PARALLEL)]
        posted = server.at_once("/api/v1/transactions", sales)
        assert {r.status_code for r in posted} == {422}
        # Released, the uses go to the first sales that reach them, and no more.
        for hold, answer in zip(holds, reserved, strict=True):
            if answer.status_code == 201:
                assert server.post(f"/api/v1/coupon-holds/{hold['id']}/release", {"terminal": hold["terminal"]}
                                   ).status_code == 200
        posted = server.at_once("/api/v1/transactions", [{**sale, "id": str(uuid.uuid4())} for sale in sales])
        assert sorted(r.status_code for r in posted) == [201] * cap + [422] * (PARALLEL - cap)
        with server.services.db.session() as session:
            assert session.scalar(select(func.count()).where(CapUse.promotion_id == promotion_id)) == cap


@pytest.fixture
def poisoned(server):
    """Transaction ids whose insert fails inside the database (a trigger raises), as an item that
    meets an unexpected error on the server would; the trigger is gone after the test."""
    ids: list[str] = []
    with server.services.db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE poisoned_ids (id varchar(64) PRIMARY KEY)")
        conn.exec_driver_sql("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF EXISTS (SELECT 1 FROM "
                             "poisoned_ids WHERE id = NEW.id) THEN RAISE EXCEPTION 'poisoned'; END IF; "
                             "RETURN NEW; END $$ LANGUAGE plpgsql")
        conn.exec_driver_sql("CREATE TRIGGER poison BEFORE INSERT ON transactions "
                             "FOR EACH ROW EXECUTE FUNCTION poison()")

    def poison(transaction_id: str) -> str:
        with server.services.db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO poisoned_ids VALUES (%(id)s)", {"id": transaction_id})
        ids.append(transaction_id)
        return transaction_id

    yield poison
    with server.services.db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER poison ON transactions")
        conn.exec_driver_sql("DROP FUNCTION poison()")
        conn.exec_driver_sql("DROP TABLE poisoned_ids")


def _journal_sale(card: str, paid: int, till: str) -> dict:
    sale = {**_sale(card, paid), "terminal": till, "offline": True}
    return {"id": sale["id"], "type": "transaction", "body": sale}


def test_batches_of_many_sales_resent_at_once_apply_each_sale_once_around_a_poisoned_item(server, poisoned):
    """Two tills share four members; each sends a batch of their sales (in opposite member orders,
    so the batches' member locks would cross if taken item by item) three times at once, with a
    return that can never apply and an item the database refuses in the middle of each."""
    members = [seed_member(server.services, 0, f"Batch Member {n}") for n in range(4)]
    batches, expected = [], {member_id: 0 for member_id, _ in members}
    for till, order in (("T1", members), ("T2", list(reversed(members)))):
        sales = [_journal_sale(card, 1000 + 100 * n, till) for n in range(3) for _, card in order]
        for n, (member_id, _) in enumerate(order * 3):
            expected[member_id] += sales[n]["body"]["lines"][0]["paid_minor"] // 100
        never = {**_journal_sale(None, 500, till), "type": "transaction"}
        never["body"] = {**never["body"], "kind": "return"}  # names no sale: rejected for good
        bad = _journal_sale(order[0][1], 700, till)
        poisoned(bad["id"])
        items = [*sales[:5], never, bad, *sales[5:]]
        batches.append(({**_batch(items), "terminal": till}, sales, never, bad))
    bodies = [batch for batch, *_ in batches for _ in range(3)]
    responses = server.at_once("/api/v1/sync/journal", bodies)
    by_item: dict[str, list[tuple[str, str | None]]] = {}
    for response in responses:
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            by_item.setdefault(result["id"], []).append((result["status"], result.get("reason")))
    for _, sales, never, bad in batches:
        for sale in sales:
            assert sorted(status for status, _ in by_item[sale["id"]]) == ["applied", "duplicate", "duplicate"]
        assert by_item[never["id"]] == [("rejected", "invalid-body")] * 3
        assert by_item[bad["id"]] == [("retry", "server-error")] * 3
    assert {member_id: server.balance(member_id) for member_id, _ in members} == expected
    with server.services.db.session() as session:
        sale_ids = [sale["id"] for _, sales, _, _ in batches for sale in sales]
        assert session.scalar(select(func.count()).select_from(PostedTransaction)
                              .where(PostedTransaction.id.in_(sale_ids))) == len(sale_ids)
        kept = session.execute(select(JournalRejection.item_id, JournalRejection.attempts).where(
            JournalRejection.item_id.in_([b[2]["id"] for b in batches] + [b[3]["id"] for b in batches]))).all()
    assert sorted(attempts for _, attempts in kept) == [3, 3, 3, 3]
