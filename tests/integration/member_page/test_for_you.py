"""'For you' offers from seeded baskets of known structure: the job picks complements and lapsed products
for profiled members only, marketing drafts a personal offer for a product's picked members, and the
member sees why on their page, clips it, and a till applies it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.models import ForYouPick, Segment
from server.pricing.segments import picked_for
from tests.integration.member_page.pages import post_form, sign_in
from tests.support.tills import line

PRICES = {"PASTA": 199, "SAUCE": 349, "CHIPS": 250, "COLA": 150}


def _member(client, desk, name: str, email: str, profiling: bool) -> tuple[str, str]:
    answer = client.post("/api/v1/members", headers=desk, json={
        "name": name, "email": email,
        "consents": {"marketing_email": False, "marketing_sms": False, "profiling": profiling}})
    assert answer.status_code == 201, answer.json
    return answer.json["id"], answer.json["card"]["number"]


def _sell(till, card: str, skus: list[str]) -> None:
    answer = till.sale([line(str(n), PRICES[sku], sku=sku) for n, sku in enumerate(skus, 1)], card=card)
    assert answer.status_code == 201, answer.json


def _run(client, services, marketer, **body) -> dict:
    started = client.post("/api/v1/insights/for-you", headers=marketer, json=body)
    assert started.status_code == 202, started.json
    services.jobs.wait(started.json["id"], timeout=60)
    job = client.get(f"/api/v1/jobs/{started.json['id']}", headers=marketer).json
    assert job["state"] == "finished", job
    return job["result"]


def _picks(services, member_id: str) -> list[tuple]:
    with services.db.session() as session:
        return session.execute(select(ForYouPick.sku, ForYouPick.reason, ForYouPick.because_sku, ForYouPick.rank)
                               .where(ForYouPick.member_id == uuid.UUID(member_id)).order_by(ForYouPick.rank)).all()


def test_complements_and_lapsed_products_are_picked_offered_explained_clipped_and_applied(
        app, client, services, clock, catalogue, marketer, desk, till, mailbox):
    ada, ada_card = _member(client, desk, "Ada", "ada@example.org", True)
    bob, bob_card = _member(client, desk, "Bob", "bob@example.org", True)
    dee, dee_card = _member(client, desk, "Dee", "dee@example.org", False)
    now = clock.now
    # Five weeks ago Ada bought cola every week; she stopped (nothing of it in the last two weeks).
    for weeks_ago in (5, 4, 3):
        clock.now = now - timedelta(weeks=weeks_ago)
        _sell(till, ada_card, ["COLA"])
    clock.now = now - timedelta(days=3)
    # Bob's baskets make pasta and sauce a pair: 8 of his 10 pasta baskets hold sauce.
    for n in range(10):
        _sell(till, bob_card, ["PASTA", "SAUCE"] if n < 8 else ["PASTA"])
        _sell(till, bob_card, ["CHIPS"])
    _sell(till, ada_card, ["PASTA"])  # Ada buys pasta, never sauce
    for _ in range(10):  # Dee's baskets would make chips and pasta a pair, but she did not consent
        _sell(till, dee_card, ["PASTA", "CHIPS"])
    clock.now = now

    result = _run(client, services, marketer, weeks=8, recent_weeks=2, min_together=5, min_before=3, limit=3)
    assert result["baskets"] == 3 + 20 + 1 and result["members"] == 2
    assert _picks(services, ada) == [("COLA", "lapsed", None, 1), ("SAUCE", "complement", "PASTA", 2)]
    assert _picks(services, bob) == [] and _picks(services, dee) == []
    assert {p["sku"]: (p["members"], p["lapsed"], p["complement"]) for p in result["proposals"]} == {
        "COLA": (1, 1, 0), "SAUCE": (1, 0, 1)}

    draft = client.post("/api/v1/insights/for-you/draft", headers=marketer, json={"sku": "SAUCE", "percent_bp": 2000})
    assert draft.status_code == 201, draft.json
    targeting = draft.json["definition"]["targeting"]
    assert targeting["clip"] is True and draft.json["state"] == "draft"
    with services.db.session() as session:
        segment = session.get(Segment, uuid.UUID(targeting["segments"][0]))
        assert (segment.rule, segment.size) == ({"for_you": "SAUCE"}, 1)
    published = client.post(f"/api/v1/promotions/{draft.json['id']}/state", headers=marketer,
                            json={"state": "active", "reason": "for you"})
    assert published.status_code == 200, published.json

    sign_in(client, mailbox, "ada@example.org")
    page = client.get("/me/offers").text
    assert "For you: Tomato sauce" in page and "it goes with the Fusilli 500 g you buy" in page
    assert post_form(client, f"/me/offers/{draft.json['id']}/clip", "/me/offers").status_code == 302
    quoted = till.request("POST", "/api/v1/quotes", {"store": "B2", "card_number": ada_card,
                                                     "lines": [{"sku": "SAUCE"}]})
    assert quoted.status_code == 200 and quoted.json["total"] == 279  # 20 % of 3.49 is 0.698: 0.70 off
    assert [d["label"] for d in quoted.json["lines"][0]["discounts"]] == ["For you: Tomato sauce"]

    other = app.test_client()
    sign_in(other, mailbox, "dee@example.org")
    assert "For you: Tomato sauce" not in other.get("/me/offers").text

    # Ada withdraws her consent to profiling: her picks go, and the offer with them, at once.
    post_form(client, "/me/profile", "/me/profile")  # no boxes ticked: every consent off
    assert _picks(services, ada) == []
    assert "For you: Tomato sauce" not in client.get("/me/offers").text
    with services.db.session() as session:
        assert picked_for(session, "SAUCE") == [] and session.get(Segment, segment.id).size == 0


def test_a_run_replaces_the_picks_of_the_last_and_forgets_members_who_withdrew(
        client, services, clock, catalogue, marketer, desk, till):
    ada, ada_card = _member(client, desk, "Ada", "ada@example.org", True)
    now = clock.now
    clock.now = now - timedelta(weeks=3)
    for _ in range(3):
        _sell(till, ada_card, ["COLA"])
    clock.now = now
    _sell(till, ada_card, ["PASTA"])
    _run(client, services, marketer, weeks=8, recent_weeks=2, min_together=5, min_before=3)
    assert _picks(services, ada) == [("COLA", "lapsed", None, 1)]
    answer = client.patch(f"/api/v1/members/{ada}", headers=desk, json={"consents": {"profiling": False}})
    assert answer.status_code == 200, answer.json
    _run(client, services, marketer, weeks=8, recent_weeks=2, min_together=5, min_before=3)
    assert _picks(services, ada) == []


def test_a_for_you_segment_names_a_known_product_and_its_members_are_the_latest_picks(
        client, services, clock, catalogue, marketer, desk, till):
    unknown = client.post("/api/v1/segments", headers=marketer, json={"name": "x", "rule": {"for_you": "NOPE"}})
    assert unknown.status_code == 422 and "NOPE" in str(unknown.json)
    _, ada_card = _member(client, desk, "Ada", "ada@example.org", True)
    now = clock.now
    clock.now = now - timedelta(weeks=3)
    for _ in range(3):
        _sell(till, ada_card, ["COLA"])
    clock.now = now
    made = client.post("/api/v1/segments", headers=marketer, json={"name": "Lapsed cola", "rule": {"for_you": "COLA"}})
    assert made.status_code == 201 and made.json["size"] == 0  # no run yet: nobody picked
    _run(client, services, marketer, weeks=8, recent_weeks=2, min_together=5, min_before=3)
    refreshed = client.post(f"/api/v1/segments/{made.json['id']}/refresh", headers=marketer)
    assert refreshed.status_code == 200 and refreshed.json["size"] == 1, refreshed.json
