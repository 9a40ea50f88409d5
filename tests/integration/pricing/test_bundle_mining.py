"""Bundle suggestions mined from members' baskets through the API: only profiled members' sales,
voided sales left out, the window respected; a suggestion becomes a draft bundle promotion."""

from __future__ import annotations

from datetime import timedelta

from tests.support.factories import login, make_staff
from tests.support.tills import line


def _member(client, desk, name: str, profiling: bool) -> str:
    answer = client.post("/api/v1/members", headers=desk, json={
        "name": name, "consents": {"marketing_email": False, "marketing_sms": False, "profiling": profiling}})
    assert answer.status_code == 201, answer.json
    return answer.json["card"]["number"]


def _sell(till, card: str | None, skus: list[str]) -> str:
    prices = {"PASTA": 199, "SAUCE": 349, "CHIPS": 250, "COLA": 150}
    answer = till.sale([line(str(n), prices[sku], sku=sku) for n, sku in enumerate(skus, 1)], card=card)
    assert answer.status_code == 201, answer.json
    return answer.json["transaction_id"]


def test_the_pairs_profiled_members_buy_together_are_suggested_and_become_a_draft(
        client, services, clock, catalogue, marketer, desk, till):
    ada, bob = _member(client, desk, "Ada", True), _member(client, desk, "Bob", True)
    cy = _member(client, desk, "Cy", False)
    old = clock.now
    clock.now = old - timedelta(weeks=10)  # before the mined window: not counted
    for _ in range(6):
        _sell(till, ada, ["PASTA", "SAUCE"])
    clock.now = old
    for n in range(12):
        _sell(till, ada if n % 2 else bob, ["PASTA", "SAUCE", "COLA"] if n % 3 == 0 else ["PASTA", "SAUCE"])
        _sell(till, bob, ["CHIPS"] if n % 2 else ["COLA"])
    voided = _sell(till, ada, ["PASTA", "SAUCE"])
    assert till.undo("void", voided).status_code == 201
    for _ in range(8):  # strong pairs, but nobody here consented to profiling
        _sell(till, cy, ["CHIPS", "COLA"])
        _sell(till, None, ["CHIPS", "COLA"])

    started = client.post("/api/v1/insights/bundle-suggestions", headers=marketer,
                          json={"weeks": 4, "min_together": 5, "discount_bp": 1000})
    assert started.status_code == 202, started.json
    services.jobs.wait(started.json["id"], timeout=60)
    job = client.get(f"/api/v1/jobs/{started.json['id']}", headers=marketer).json
    assert job["state"] == "finished", job
    result = job["result"]
    assert result["baskets"] == 24  # Ada's and Bob's 24 sales in the window; the voided one left out
    assert [s["skus"] for s in result["suggestions"]] == [["PASTA", "SAUCE"]]
    pasta_sauce = result["suggestions"][0]
    assert pasta_sauce["together"] == 12 and pasta_sauce["names"] == ["Fusilli 500 g", "Tomato sauce"]
    assert pasta_sauce["lift"] == 2.0 and pasta_sauce["confidence"] == [1.0, 1.0]
    assert (pasta_sauce["price_minor"], pasta_sauce["saving_per_use_minor"]) == (493, 55)
    assert pasta_sauce["projected_cost_minor"] == 55 * 12

    draft = client.post("/api/v1/insights/bundle-suggestions/draft", headers=marketer,
                        json={"skus": pasta_sauce["skus"], "price_minor": pasta_sauce["price_minor"]})
    assert draft.status_code == 201, draft.json
    assert draft.json["state"] == "draft"
    rule = draft.json["definition"]["rule"]
    assert rule["kind"] == "bundle" and rule["price_minor"] == 493
    assert [c["scope"]["skus"] for c in rule["components"]] == [["PASTA"], ["SAUCE"]]
    assert draft.json["definition"]["label"] == "Fusilli 500 g + Tomato sauce bundle"


def test_mining_is_for_marketing_and_a_draft_of_unknown_products_is_refused(client, services, catalogue,
                                                                            marketer):
    make_staff(services, "cash", "cashier")
    cashier = login(client, "cash")
    assert client.post("/api/v1/insights/bundle-suggestions", headers=cashier, json={}).status_code == 403
    unknown = client.post("/api/v1/insights/bundle-suggestions/draft", headers=marketer,
                          json={"skus": ["PASTA", "NOPE"], "price_minor": 100})
    assert unknown.status_code == 422 and "NOPE" in unknown.json["detail"]
    twice = client.post("/api/v1/insights/bundle-suggestions/draft", headers=marketer,
                        json={"skus": ["PASTA", "PASTA"], "price_minor": 100})
    assert twice.status_code == 400, twice.json
    bad = client.post("/api/v1/insights/bundle-suggestions", headers=marketer, json={"weeks": 53})
    assert bad.status_code == 400
