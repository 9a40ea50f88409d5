"""The promotion report against figures computed from the raw sales in plain Python: what it gave,
the promoted items before and during, and treated against held-out spend per member."""

import hashlib
import math
import statistics
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from server.reports.rollups import run_rollups
from tests.integration.pricing.conftest import scope
from tests.integration.reports.model import raw_members, raw_transactions
from tests.support.factories import login, make_staff

START = datetime(2025, 6, 2, tzinfo=UTC)  # a Monday; the promotion runs for a week
END = START + timedelta(days=7)
SHARE = 3_000


def held_out(promotion_id: str, member_id: str) -> bool:
    digest = hashlib.sha256(f"{promotion_id}\x1f{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < SHARE


class Desk:
    """Staff calls at whatever time the test has moved the clock to: a token is reused only while
    the clock stays within its lifetime (8 hours) after the login."""

    def __init__(self, client, services) -> None:
        self.client, self.clock, self.tokens = client, services.clock, {}
        for name, role in (("sam", "member_service"), ("hanna", "hq")):  # mia (marketing): the catalogue fixture
            make_staff(services, name, role)

    def call(self, method: str, path: str, user: str = "mia", **kwargs):
        headers, since = self.tokens.get(user, (None, None))
        if since is None or not timedelta(0) <= self.clock() - since < timedelta(hours=7):
            headers, since = login(self.client, user), self.clock()
            self.tokens[user] = headers, since
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def promote(self, **definition) -> dict:
        answer = self.call("POST", "/api/v1/promotions", json={"state": "active", **definition})
        assert answer.status_code == 201, answer.json
        return answer.json

    def enrol(self, name: str) -> tuple[str, str]:
        answer = self.call("POST", "/api/v1/members", "sam", json={"name": name})
        assert answer.status_code == 201, answer.json
        return answer.json["id"], answer.json["card"]["number"]

    def quote(self, lines: list[dict], card: str | None) -> dict:
        answer = self.call("POST", "/api/v1/quotes", json={"store": "B2", "lines": lines, "card_number": card})
        assert answer.status_code == 200, answer.json
        return answer.json


def sell(till, desk, clock, at: datetime, lines: list[dict], card: str | None = None) -> None:
    clock.now = at
    priced = desk.quote(lines, card)["lines"]
    sold = [{k: ln[k] for k in ("line_id", "sku", "qty", "category", "discounts")} | {"paid_minor": ln["total"]}
            for ln in priced]
    answer = till.sale(sold, card=card)
    assert answer.status_code == 201, answer.json


def test_the_promotion_report_matches_the_raw_sales(client, services, clock, catalogue, till):
    desk = Desk(client, services)
    clock.now = START - timedelta(days=10)
    offer = desk.promote(label="20 % off snacks, members", rule={"kind": "percent_off", "percent_bp": 2000,
                                                                 "scope": scope(categories=["snacks"])},
                         targeting={"members_only": True, "holdout_bp": SHARE},
                         window={"start": START.isoformat(), "end": END.isoformat()})
    pid = offer["id"]
    members = [desk.enrol(f"Member {n}") for n in range(24)]
    for n, (_, card) in enumerate(members[:12]):  # the week before: chips and cola
        sell(till, desk, clock, START - timedelta(days=1 + n % 7, hours=-10), [{"sku": "CHIPS", "qty": 1 + n % 2}],
             card)
    sell(till, desk, clock, START - timedelta(days=2, hours=-15), [{"sku": "COLA", "qty": 3}])  # anonymous
    for n, (_, card) in enumerate(members):  # the week of the offer: three in four members come, some twice
        for visit in range(n % 4 if n % 4 != 3 else 0):
            sell(till, desk, clock, START + timedelta(days=visit * 2 + n % 2, hours=9 + n % 8),
                 [{"sku": "CHIPS", "qty": 1 + (n + visit) % 3}, {"sku": "COLA", "qty": 1 + n % 5}], card)
    sell(till, desk, clock, START + timedelta(days=3, hours=12), [{"sku": "CHIPS", "qty": 2}])  # anonymous
    clock.now = END + timedelta(days=1)
    run_rollups()

    answer = desk.call("GET", f"/api/v1/reports/promotions/{pid}", "hanna")
    assert answer.status_code == 200, answer.json
    report = answer.json

    sales = [t for t in raw_transactions(services) if t["kind"] == "sale"]
    given = [(t, sum(d["amount_minor"] for ln in t["lines"] for d in ln.get("discounts", [])
                     if d["promotion_id"] == pid)) for t in sales]
    given = [(t, amount) for t, amount in given if amount]
    assert report["discounted_sales"] == len(given) > 0
    assert report["discount_minor"] == sum(amount for _, amount in given)
    assert report["members_reached"] == len({t["member_id"] for t, _ in given})
    assert all(t["member"] for t, _ in given)  # anonymous baskets never get a members' offer

    def items(first, last):
        lines = [ln for t in sales if first <= t["at"].date() <= last for ln in t["lines"]
                 if ln["category"] == "snacks"]
        return [len(lines), sum(ln["qty"] for ln in lines), sum(ln["paid_minor"] for ln in lines)]

    week = (START.date(), (END - timedelta(days=1)).date())
    before = report["promoted_items_before"]
    assert (before["first_day"], before["last_day"]) == ("2025-05-26", "2025-06-01")
    assert [before["lines"], before["qty"], before["sales_minor"]] == items(START.date() - timedelta(days=7),
                                                                            START.date() - timedelta(days=1))
    during = report["promoted_items_during"]
    assert [during["lines"], during["qty"], during["sales_minor"]] == items(*week)

    spend = {str(m.id): 0 for m in raw_members(services)}
    for t in sales:
        if t["member"] and week[0] <= t["at"].date() <= week[1]:
            spend[str(t["member_id"])] += t["total"]
    groups = {True: [x for m, x in spend.items() if held_out(pid, m)],
              False: [x for m, x in spend.items() if not held_out(pid, m)]}
    assert len(groups[True]) >= 2 and len(groups[False]) >= 2
    for name, group in (("held_out", groups[True]), ("treated", groups[False])):
        assert report[name]["members"] == len(group)
        assert report[name]["spend_minor"] == sum(group)
        assert report[name]["spending_members"] == sum(1 for x in group if x)
    difference = Fraction(sum(groups[False]), len(groups[False])) - Fraction(sum(groups[True]), len(groups[True]))
    assert report["difference_minor"] == math.floor(difference + Fraction(1, 2))
    margin = 1.959964 * math.sqrt(statistics.variance(groups[False]) / len(groups[False])
                                  + statistics.variance(groups[True]) / len(groups[True]))
    assert abs(report["ci95_low_minor"] - (difference - Fraction(margin))) <= 1
    assert abs(report["ci95_high_minor"] - (difference + Fraction(margin))) <= 1
    assert report["treated"]["spend_per_member_minor"] - report["held_out"]["spend_per_member_minor"] in (
        report["difference_minor"] - 1, report["difference_minor"], report["difference_minor"] + 1)


def test_the_promotion_report_is_for_hq_marketing_and_admin(client, services, catalogue, promote, marketer):
    offer = promote("10 % off cola", {"kind": "percent_off", "percent_bp": 1000, "scope": scope(["COLA"])})
    run_rollups()
    answer = client.get(f"/api/v1/reports/promotions/{offer['id']}", headers=marketer)
    assert answer.status_code == 200, answer.json
    assert answer.json["treated"] is None and answer.json["difference_minor"] is None  # no audience to compare
    make_staff(services, "sam", "member_service")
    refused = client.get(f"/api/v1/reports/promotions/{offer['id']}", headers=login(client, "sam"))
    assert refused.status_code == 403
    missing = client.get("/api/v1/reports/promotions/00000000-0000-7000-8000-000000000000", headers=marketer)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    csv = client.get(f"/api/v1/reports/promotions/{offer['id']}?format=csv", headers=marketer)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
