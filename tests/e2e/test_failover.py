"""Two `onecard server` instances over one PostgreSQL and one Redis, and a till moving between them.

Scale-out is more server processes sharing only the database and Redis (nonces, jobs): any
instance answers any till. The till is given both instances' URLs (``onecard agent --server A,B``)
rather than a load balancer in front of them: the test then needs no extra service, and the till
itself decides when to move on (``pos_agent.link.http``). Each server is gunicorn as deployed.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from server.db import make_engine
from tests.e2e.checks import assert_server_matches, lines, sell
from tests.support.processes import onecard_env
from tests.support.stack import (
    BREAD,
    COFFEE,
    SECRET,
    WINE,
    AgentProcess,
    Process,
    ServerProcess,
    Stack,
    StaffClient,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def pair(tmp_path, postgres_database):
    """A prepared chain (store S1, till T1), servers A and B, and the till given both URLs."""
    postgres_database.reset()
    root = tmp_path / "failover"
    root.mkdir(parents=True)
    stack = Stack(root, postgres_database.url, stores=("S1",))
    stack.prepare_database()
    env = onecard_env(database_url=postgres_database.url, data_dir=str(root), secret_key=SECRET,
                      redis_url=REDIS_URL, queue_name=f"failover-{uuid.uuid4().hex[:8]}")
    servers = [ServerProcess(env, root, name=f"server-{name}", args=("--workers", "2")) for name in "ab"]
    agent = AgentProcess("S1", "T1", stack.credentials["S1"], None, env, root,
                         server_url=",".join(server.url for server in servers))
    try:
        for server in servers:  # both import at once, then each is waited for
            Process.start(server)
        for server in servers:
            server.wait_ready(lambda s=server: _healthy(s))
        agent.start()
        stack.server, stack.agents = servers[0], {"S1": agent}
        stack.engine, stack.staff = make_engine(postgres_database.url), StaffClient(servers[1].url)
        yield stack, servers, agent
    finally:
        agent.kill()
        for server in servers:
            server.kill()
        if getattr(stack, "engine", None) is not None:
            stack.engine.dispose()


def _healthy(server: ServerProcess) -> bool:
    try:
        return requests.get(f"{server.url}/api/v1/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_a_till_finishes_a_sale_on_the_other_server_when_its_server_dies_mid_sale(pair, model):
    stack, (a, b), agent = pair
    ada, card = stack.staff.enrol("Ada", "S1", points=3000)
    model.open(ada, 3000)
    agent.wait_cached("member", ada)
    sell(model, agent, ada, card, [COFFEE])  # on A, the first URL: 15.00 earns 15

    # Mid-sale: the items scanned, the card looked up and 500 points held on A; then A dies.
    basket = agent.call("POST", "/baskets")
    for product in (WINE, BREAD):
        agent.call("POST", f"/baskets/{basket['id']}/items", {"code": product.barcode})
    agent.call("POST", f"/baskets/{basket['id']}/member", {"card_number": card})
    agent.call("POST", f"/baskets/{basket['id']}/redemption", {"points": 500})
    a.kill()
    agent.call("POST", f"/baskets/{basket['id']}/tenders", {"kind": "cash"})
    done = agent.call("POST", f"/baskets/{basket['id']}/complete")
    expected = model.sale(done["receipt_id"], ada, lines(WINE, BREAD), 500)
    assert (done["mode"], done["total"], done["points"]["to_earn"]) == ("online", expected.total_minor,
                                                                       expected.earned)
    assert agent.status()["mode"] == "online"

    # B dies too: the till sells offline and journals; A comes back and the journal drains there.
    b.kill()
    agent.wait_offline()
    offline = sell(model, agent, ada, card, [BREAD, COFFEE])
    assert offline["mode"] == "offline"
    a.start()
    agent.wait_online()
    counts = agent.wait_drained()
    assert counts["rejected"] == 0, agent.journal("rejected")
    stack.staff = StaffClient(a.url)  # B is down: the staff side asks A
    assert_server_matches(stack, model, ada)  # every sale once: none lost on the way, none doubled
