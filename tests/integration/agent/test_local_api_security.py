"""The till's local API over real HTTP: closed to other web pages, and a hostile body is never a 500.

What a page from another origin in the till's browser can send: simple POSTs (``text/plain``, forms,
untyped blobs) without custom headers, and, after DNS rebinding, any request under its own host
name. Each is refused before a view runs; the till's own page and front ends (same origin, with
the till key) are served.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server

from pos_agent.web.access import KEY_HEADER, STATE_CHANGING, key_path, load_or_create_key
from pos_agent.web.app import create_app
from tests.support.till_api import TILL_KEY, till_access

KEY = {KEY_HEADER: TILL_KEY}
LAN_HOSTS = "localhost,127.0.0.1,[::1],till-7.shop.lan,192.168.1.20"


class Till:
    """The agent's app served on a real port; requests name any Host they like, as a browser would."""

    def __init__(self, app) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def request(self, method: str, path: str, host: str = "127.0.0.1", **kwargs) -> requests.Response:
        headers = {"Host": f"{host}:{self.port}", **kwargs.pop("headers", {})}
        return requests.request(method, f"http://127.0.0.1:{self.port}{path}", headers=headers, timeout=10,
                                **kwargs)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def till(agent) -> Iterator[Till]:
    served = Till(create_app(agent, till_access()))
    yield served
    served.close()


@pytest.fixture
def lan_till(agent) -> Iterator[Till]:
    served = Till(create_app(agent, till_access(LAN_HOSTS)))
    yield served
    served.close()


def _is_problem(response: requests.Response, status: int, slug: str) -> bool:
    return (response.status_code == status and response.headers["Content-Type"] == "application/problem+json"
            and response.json()["type"].endswith("/" + slug))


def _nothing_happened(agent) -> bool:
    with agent.db.reading() as conn:
        journal = conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
    return agent.checkout.baskets == {} and journal == 0


def _routes(till: Till, methods: frozenset[str]) -> list[tuple[str, str]]:
    """Every (method, path) of the app in ``methods``, path parameters filled with a made-up id."""
    return sorted((method, re.sub(r"<[^>]+>", "0195f0a0-0000-7000-8000-00000000beef", rule.rule))
                  for rule in till.app.url_map.iter_rules() for method in rule.methods & methods)


def _sold(till: Till) -> str:
    basket = till.request("POST", "/local/v1/baskets", headers=KEY).json()["id"]
    till.request("POST", f"/local/v1/baskets/{basket}/items", headers=KEY, json={"code": "BREAD"})
    till.request("POST", f"/local/v1/baskets/{basket}/tenders", headers=KEY, json={"kind": "cash"})
    return till.request("POST", f"/local/v1/baskets/{basket}/complete", headers=KEY).json()["receipt_id"]


# -- other origins ------------------------------------------------------------------------------


def test_a_post_from_a_foreign_origin_is_refused_even_with_the_key_and_opens_no_basket(till, agent):
    response = till.request("POST", "/local/v1/baskets", headers={**KEY, "Origin": "http://evil.example"})
    assert _is_problem(response, 403, "foreign-origin")
    assert _nothing_happened(agent)


def test_a_post_from_the_tills_own_origin_is_served(till):
    response = till.request("POST", "/local/v1/baskets", headers={**KEY, "Origin": f"http://127.0.0.1:{till.port}"})
    assert response.status_code == 201 and response.json()["state"] == "open"


def test_the_origin_must_match_host_and_port_not_just_a_local_name(till, agent):
    for origin in (f"http://localhost:{till.port}", "http://127.0.0.1:9999", f"https://127.0.0.1:{till.port}",
                   "null"):
        response = till.request("POST", "/local/v1/baskets", headers={**KEY, "Origin": origin})
        assert _is_problem(response, 403, "foreign-origin"), origin
    assert _nothing_happened(agent)


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain;charset=UTF-8", '{"code": "BREAD"}'),
    ("application/x-www-form-urlencoded", "code=BREAD"),
    ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="code"\r\n\r\nBREAD\r\n--x--'),
    (None, '{"code": "BREAD"}'),  # fetch() of an untyped Blob sends no Content-Type at all
])
def test_a_body_other_pages_can_send_without_a_preflight_is_refused_as_unsupported(till, agent, content_type, body):
    basket = till.request("POST", "/local/v1/baskets", headers=KEY).json()["id"]
    headers = {**KEY, **({"Content-Type": content_type} if content_type else {})}
    response = till.request("POST", f"/local/v1/baskets/{basket}/items", headers=headers, data=body.encode())
    assert _is_problem(response, 415, "unsupported-media-type")
    assert agent.checkout.view(basket)["lines"] == []


def test_every_state_changing_route_refuses_a_call_without_the_key_or_with_a_wrong_one(till, agent):
    routes = _routes(till, STATE_CHANGING)
    assert ("POST", "/local/v1/baskets") in routes and len(routes) >= 15
    for method, path in routes:
        assert _is_problem(till.request(method, path, json={}), 401, "till-key-missing"), (method, path)
        wrong = till.request(method, path, json={}, headers={KEY_HEADER: TILL_KEY[:-1] + "X"})
        assert _is_problem(wrong, 403, "till-key-wrong"), (method, path)
    assert _nothing_happened(agent)


def test_a_sale_cannot_be_voided_by_a_simple_post_from_another_page(till, agent):
    sale = _sold(till)
    forged = till.request("POST", f"/local/v1/transactions/{sale}/void", data=b"{}",
                          headers={"Content-Type": "text/plain", "Origin": "http://evil.example"})
    assert forged.status_code == 403
    assert till.request("GET", f"/local/v1/transactions/{sale}").json()["voided"] is False


# -- DNS rebinding: every request, GET too, must name a host this till answers to ----------------


@pytest.mark.parametrize("path", ["/local/v1/journal?status=acked", "/local/v1/status", "/", "/static/register.js",
                                  "/local/v1/baskets/current"])
def test_a_request_naming_a_foreign_host_is_refused_before_anything_is_read(till, agent, path):
    _sold(till)
    response = till.request("GET", path, host="evil.example")
    assert _is_problem(response, 403, "host-not-allowed")
    assert TILL_KEY not in response.text and "BREAD" not in response.text


def test_the_default_hosts_are_localhost_and_both_loopback_addresses_on_any_port(till):
    for host in ("localhost", "LOCALHOST", "127.0.0.1", "[::1]"):
        assert till.request("GET", "/local/v1/status", host=host).status_code == 200, host
    assert till.request("GET", "/local/v1/status", host="192.168.1.20").status_code == 403


def test_a_register_on_a_lan_tablet_is_served_under_a_host_from_the_setting(lan_till):
    for host in ("192.168.1.20", "till-7.shop.lan"):
        page = lan_till.request("GET", "/", host=host)
        assert page.status_code == 200 and TILL_KEY in page.text, host
        opened = lan_till.request("POST", "/local/v1/baskets", host=host,
                                  headers={**KEY, "Origin": f"http://{host}:{lan_till.port}"})
        assert opened.status_code == 201, host
    assert _is_problem(lan_till.request("GET", "/local/v1/status", host="evil.example"), 403, "host-not-allowed")


# -- no CORS, and GET changes nothing -------------------------------------------------------------


def test_no_answer_carries_an_access_control_header_not_even_to_a_preflight(till):
    answers = [
        till.request("OPTIONS", "/local/v1/baskets", headers={"Origin": "http://evil.example",
                                                              "Access-Control-Request-Method": "POST",
                                                              "Access-Control-Request-Headers": KEY_HEADER}),
        till.request("OPTIONS", "/local/v1/baskets"),
        till.request("GET", "/local/v1/status", headers={"Origin": f"http://127.0.0.1:{till.port}"}),
        till.request("POST", "/local/v1/baskets", headers=KEY),
        till.request("GET", "/local/v1/status", host="evil.example"),
    ]
    assert answers[0].status_code == 403
    for answer in answers:
        assert not [name for name in answer.headers if name.lower().startswith("access-control-")], answer.headers


def test_no_get_opens_a_basket_or_writes_anything(till, agent):
    assert _is_problem(till.request("GET", "/local/v1/baskets/current"), 404, "no-open-basket")
    routes = _routes(till, frozenset({"GET", "HEAD"}))
    assert ("GET", "/local/v1/baskets/current") in routes
    for method, path in routes:
        assert till.request(method, path).status_code < 500, (method, path)
    assert _nothing_happened(agent)


def test_the_register_page_carries_the_key_and_is_neither_cached_nor_framed(till):
    page = till.request("GET", "/")
    assert f'<meta name="onecard-till-key" content="{TILL_KEY}">' in page.text
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Frame-Options"] == "DENY"


def test_the_key_is_made_once_at_first_start_readable_only_by_the_agents_user(tmp_path):
    path = key_path(tmp_path / "data", "S001", "T1")
    first = load_or_create_key(path)
    assert len(first) >= 32 and load_or_create_key(path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(key_path(tmp_path / "data", "S001", "T2")) != first


# -- hostile bodies: a 4xx problem+json on every route, never a 500 -----------------------------

HOSTILE = {
    "nested 1,000 deep": ('{"code":' * 1000 + '"x"' + "}" * 1000, "nested deeper"),
    "nested 30,000 deep": ("[" * 30_000 + "]" * 30_000, "nested deeper"),
    "a 5,000-digit integer": ('{"points": ' + "7" * 5000 + "}", "integers must lie within"),
    "an integer past 2**53": ('{"points": 9007199254740993}', "integers must lie within"),
    "an integer past SQLite's 64 bits": ('{"amount_minor": -99999999999999999999}', "integers must lie within"),
    "a lone surrogate": ('{"code": "\\ud800"}', "lone UTF-16 surrogate"),
    "a lone surrogate in a key": ('{"\\udfff": 1}', "lone UTF-16 surrogate"),
    "a NUL character": ('{"card_number": "2700\\u00000001"}', "NUL"),
    "NaN": ('{"points": NaN}', "not JSON"),
    "an infinite number": ('{"points": 1e400}', "finite"),
    "not JSON": ('{"code": ', "not valid JSON"),
    "a surrogate encoded as UTF-8 bytes": (b'{"code": "\xed\xa0\x80"}', "lone UTF-16 surrogate"),
    "bytes that are not UTF-8": (b'{"code": "\xff\xfe"}', "not valid JSON"),
    "an array": ("[1, 2]", "JSON object"),
}


@pytest.mark.parametrize("hostile", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_json_body_is_a_400_problem_on_every_state_changing_route(till, agent, hostile):
    body, reason = HOSTILE[hostile]
    for method, path in _routes(till, STATE_CHANGING):
        response = till.request(method, path, headers={**KEY, "Content-Type": "application/json"},
                                data=body if isinstance(body, bytes) else body.encode())
        assert _is_problem(response, 400, "invalid-request"), (method, path, response.text[:200])
        assert reason in response.json()["detail"], (method, path, response.json()["detail"])
    assert _nothing_happened(agent)


def test_figures_the_schemas_allow_but_the_till_cannot_store_are_refused_in_real_fields(till, agent):
    basket = till.request("POST", "/local/v1/baskets", headers=KEY).json()["id"]
    till.request("POST", f"/local/v1/baskets/{basket}/items", headers=KEY, json={"code": "WINE"})
    for path, body in ((f"/baskets/{basket}/redemption", {"points": 10**30}),
                       (f"/baskets/{basket}/tenders", {"kind": "cash", "amount_minor": 2**63}),
                       ("/members", {"name": "Eve\x00", "card_number": "2700000000019"})):
        response = till.request("POST", "/local/v1" + path, headers=KEY, json=body)
        assert _is_problem(response, 400, "invalid-request"), (path, response.text)
    view = agent.checkout.view(basket)
    assert (view["points"]["redeemed"], view["paid"]) == (0, 0)


def test_a_body_over_64_kib_is_refused_as_too_large(till):
    response = till.request("POST", "/local/v1/baskets", headers={**KEY, "Content-Type": "application/json"},
                            data=b'{"code": "' + b"x" * 70_000 + b'"}')
    assert response.status_code == 413 and response.headers["Content-Type"] == "application/problem+json"


def test_a_journal_status_that_does_not_exist_is_a_400_naming_the_ones_that_do(till):
    response = till.request("GET", "/local/v1/journal?status=bogus")
    assert _is_problem(response, 400, "invalid-request")
    assert response.json()["errors"] == {"status": ["one of pending, retry, acked, rejected"]}
