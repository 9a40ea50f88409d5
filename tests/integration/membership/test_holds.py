"""Online holds: reserve, confirm with a sale, release, lapse — and never overdraw under concurrency."""

import json
import threading
import uuid

import pytest
import requests
from werkzeug.serving import make_server

from server.app import create_app
from server.services import Services
from store_sync.http.client import terminal_session
from tests.integration.membership.conftest import account
from tests.support.concurrency import concurrently
from tests.support.factories import make_terminal
from tests.support.tills import line


def _hold(till, card, points, hold_id=None):
    return till.request("POST", "/api/v1/holds", {"id": hold_id or str(uuid.uuid4()), "card_number": card,
                                                  "points": points, "store": till.store,
                                                  "terminal": till.terminal})


def test_a_hold_reserves_points_until_its_sale_confirms_it(client, desk, enrol, till):
    member_id, card = enrol(points=1200)
    hold = _hold(till, card, 1000)
    assert hold.status_code == 201, hold.json
    assert account(client, desk, member_id)["available"] == 200
    assert _hold(till, card, 500).status_code == 409  # only 200 left to hold
    sale = till.sale([line("1", 2500)], card=card, hold_id=hold.json["id"],
                     tenders=[{"kind": "points", "amount_minor": 1000, "points": 1000},
                              {"kind": "cash", "amount_minor": 1500}])
    assert sale.status_code == 201, sale.json
    acct = account(client, desk, member_id)
    assert acct["balance"] == 1200 - 1000 + 15 and acct["held"] == 0


def test_a_released_or_lapsed_hold_frees_its_points(client, desk, enrol, till, clock):
    member_id, card = enrol(points=1000)
    released = _hold(till, card, 800).json
    assert till.request("POST", f"/api/v1/holds/{released['id']}/release").json["status"] == "released"
    assert account(client, desk, member_id)["available"] == 1000
    _hold(till, card, 800)
    clock.advance(minutes=15, seconds=1)
    assert account(client, desk, member_id)["available"] == 1000


def test_the_same_hold_id_twice_is_one_hold(client, desk, enrol, till):
    member_id, card = enrol(points=1000)
    hold_id = str(uuid.uuid4())
    assert _hold(till, card, 600, hold_id).status_code == 201
    assert _hold(till, card, 600, hold_id).status_code == 201
    assert account(client, desk, member_id)["held"] == 600


@pytest.fixture
def live_postgres_server(postgres_database, tmp_path):
    """The real app over PostgreSQL, served by a threaded HTTP server: requests really run at once."""
    from server.settings import Settings
    from tests.conftest import TEST_SECRET

    postgres_database.reset()
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": postgres_database.url}))
    server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield services, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    services.db.dispose()


def _enrol_with_points(services, points):
    from server.audit import Actor
    from server.membership.members import Enrolment, enrol
    from server.membership.service_desk import adjust_points

    now = services.clock()
    with services.db.session() as session:
        member, card = enrol(session, Enrolment(name="Concurrent Customer"), services.program, now,
                             Actor.system("test"))
        adjust_points(session, member.id, "seed", points, "test balance", services.program, now,
                      Actor.system("test"))
        session.commit()
        return member.id, card.number


@pytest.mark.postgres
def test_concurrent_holds_from_many_tills_never_overdraw_a_balance(live_postgres_server):
    services, url = live_postgres_server
    member_id, card = _enrol_with_points(services, 2300)
    tills = [(terminal_session(make_terminal(services, "B2", f"T{i}"), url), f"T{i}") for i in range(10)]
    calls = [lambda s=s, t=t: s.post(f"{url}/api/v1/holds", json={
        "id": str(uuid.uuid4()), "card_number": card, "points": 500, "store": "B2", "terminal": t})
        for s, t in tills]
    statuses = sorted(r.status_code for r in concurrently(calls))
    assert statuses == [201] * 4 + [409] * 6  # 2300 covers four holds of 500
    with services.db.session() as session:
        from server.membership.accounts import account_summary
        from server.models import Member

        summary = account_summary(session, session.get(Member, member_id), services.program, services.clock())
    assert (summary.held, summary.available, summary.balance) == (2000, 300, 2300)


@pytest.mark.postgres
def test_concurrent_points_payments_each_need_their_own_hold_and_never_overdraw(live_postgres_server):
    services, url = live_postgres_server
    member_id, card = _enrol_with_points(services, 1700)
    tills = [(terminal_session(make_terminal(services, "B2", f"T{i}"), url), f"T{i}") for i in range(8)]
    holds = {}
    for session, terminal in tills[:3]:  # 1700 covers three holds of 500
        placed = session.post(f"{url}/api/v1/holds", json={"id": str(uuid.uuid4()), "card_number": card,
                                                           "points": 500, "store": "B2", "terminal": terminal})
        assert placed.status_code == 201, placed.json()
        holds[terminal] = placed.json()["id"]

    def pay(session: requests.Session, terminal: str):
        body = {"id": str(uuid.uuid4()), "kind": "sale", "store": "B2", "terminal": terminal,
                "at": services.clock().isoformat(), "card_number": card, "lines": [line("1", 1000)],
                "hold_id": holds.get(terminal), "tenders": [{"kind": "points", "amount_minor": 500, "points": 500},
                                                            {"kind": "cash", "amount_minor": 500}]}
        return session.post(f"{url}/api/v1/transactions", data=json.dumps(body),
                            headers={"Content-Type": "application/json"})

    results = concurrently([lambda s=s, t=t: pay(s, t) for s, t in tills])
    assert sorted(r.status_code for r in results) == [201] * 3 + [422] * 5
    assert {r.json()["reason"] for r in results if r.status_code == 422} == {"hold-required"}
    with services.db.session() as session:
        from server.membership.ledger import load_ledger

        state = load_ledger(session, member_id).state
    assert state.balance == 1700 - 3 * 500 + 3 * 5 and state.debt == 0


def test_time_moves_holds_out_of_the_count(client, desk, enrol, till, clock):
    member_id, card = enrol(points=700)
    _hold(till, card, 700)
    clock.advance(minutes=14)
    assert account(client, desk, member_id)["available"] == 0
    clock.advance(minutes=2)
    assert account(client, desk, member_id)["available"] == 700
