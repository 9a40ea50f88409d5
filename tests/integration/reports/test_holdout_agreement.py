"""A till pricing from its feed and the server quoting hold out the same members of a promotion."""

from datetime import UTC, datetime

from promotions import BasketLine, Catalogue, Member, PricingRequest, Store, price_basket
from promotions.holdout import is_held_out
from store_sync.promotion_definitions import from_payload
from tests.integration.pricing.conftest import scope

SHARE = 5_000  # half the audience, so twenty members surely give both groups


def feed(till) -> dict[tuple[str, str], dict]:
    """The latest payload per entity the till's store sees, read page by page as an agent does."""
    latest, cursor = {}, "0"
    while True:
        page = till.request("GET", f"/api/v1/sync/changes?cursor={cursor}&limit=200").json
        for change in page["items"]:
            latest[(change["entity_type"], change["entity_id"])] = change["payload"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return latest


def at_till(seen: dict, promotion_id: str, member_id: str) -> int:
    """The basket's total as a till prices it from its feed: the promotion and the cached member."""
    chips = seen[("product", "CHIPS")]
    cached = seen[("member", member_id)]
    request = PricingRequest(lines=(BasketLine("1", "CHIPS", chips["base_price_minor"], 2, category="snacks"),),
                             store=Store("B2", "Europe/Berlin"), at=datetime.now(UTC),
                             member=Member(cached["id"], cached["tier"]))
    return price_basket(request, Catalogue([from_payload(seen[("promotion", promotion_id)])])).total


def test_a_till_and_the_server_hold_out_the_same_members(catalogue, promote, enrol, quote, till):
    offer = promote("20 % off snacks, members", {"kind": "percent_off", "percent_bp": 2000,
                                                 "scope": scope(categories=["snacks"])},
                    targeting={"members_only": True, "holdout_bp": SHARE})
    assert offer["definition"]["targeting"]["holdout_bp"] == SHARE
    members = [enrol(f"Member {n}") for n in range(20)]
    seen = feed(till)
    held = {member_id for member_id, _ in members if is_held_out(offer["id"], member_id, SHARE)}
    assert 0 < len(held) < len(members)
    for member_id, card in members:
        expected = 500 if member_id in held else 400  # 2 x 2.50, or 20 % off
        assert quote([{"sku": "CHIPS", "qty": 2}], card=card)["total"] == expected
        assert at_till(seen, offer["id"], member_id) == expected


def test_a_hold_out_beyond_half_or_without_an_audience_is_refused(client, catalogue, marketer):
    rule = {"kind": "percent_off", "percent_bp": 2000, "scope": scope(categories=["snacks"])}
    for targeting, status in (({"members_only": True, "holdout_bp": 5_001}, 422), ({"holdout_bp": 500}, 422),
                              ({"members_only": True, "holdout_bp": 10_001}, 400)):
        answer = client.post("/api/v1/promotions", headers=marketer,
                             json={"label": "Snacks", "rule": rule, "targeting": targeting})
        assert answer.status_code == status, (targeting, answer.json)
        assert answer.mimetype == "application/problem+json"
