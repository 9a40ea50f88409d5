"""Segments: rules refreshed by the scheduled job follow what members do; lists are uploaded; sizes shown."""

import uuid
from datetime import timedelta

from server.jobs import tasks
from server.jobs.schedule import SCHEDULE
from server.models import Member
from tests.support.factories import login
from tests.support.tills import line


def _segment(client, marketer, name, **body):
    response = client.post("/api/v1/segments", headers=marketer, json={"name": name, **body})
    assert response.status_code == 201, response.json
    return response.json


def test_the_refresh_job_keeps_rule_segments_in_step_with_spending(client, marketer, catalogue, enrol, till, clock):
    _, big = enrol("Big Spender")
    _, small = enrol("Small Spender")
    till.sale([line("1", 4000, category="snacks")], card=big)
    till.sale([line("1", 1500, category="drinks")], card=small)
    spenders = _segment(client, marketer, "Spent over 50", rule={"spent_over": {"amount_minor": 5000, "days": 30}})
    snackers = _segment(client, marketer, "Snack buyers",
                        rule={"bought_category": {"category": "snacks", "days": 7}})
    assert (spenders["size"], snackers["size"]) == (0, 1)
    till.sale([line("1", 2000, category="drinks")], card=big)
    clock.advance(days=8)
    assert tasks.refresh_segments() == {"Snack buyers": 0, "Spent over 50": 1}
    read = client.get(f"/api/v1/segments/{spenders['id']}", headers=login(client, "mia")).json
    assert read["size"] == 1 and read["refreshed_at"].startswith("2026-03-22")
    assert "refresh-segments" in {job.name for job in SCHEDULE}


def test_tier_and_joined_rules_combine_and_a_list_is_uploaded(client, marketer, enrol, clock, services):
    old_gold, _ = enrol("Old Gold", tier="gold")
    with services.db.session() as session:
        session.get(Member, uuid.UUID(old_gold)).created_at = clock() - timedelta(days=40)
        session.commit()
    new_gold, _ = enrol("New Gold", tier="gold")
    enrol("New Basic")
    fresh_gold = _segment(client, marketer, "New gold members",
                          rule={"tiers": ["gold"], "joined_within_days": 30})
    assert fresh_gold["size"] == 1
    listed = _segment(client, marketer, "VIP list", member_ids=[new_gold])
    assert (listed["kind"], listed["size"]) == ("list", 1)
    names = [s["name"] for s in client.get("/api/v1/segments", headers=marketer).json["items"]]
    assert names == ["New gold members", "VIP list"]


def test_a_segment_needs_a_rule_or_a_list(client, marketer):
    response = client.post("/api/v1/segments", headers=marketer, json={"name": "Nothing", "rule": {}})
    assert response.status_code == 400


def test_an_rfm_bucket_holds_the_recent_frequent_big_spenders(client, marketer, catalogue, enrol, till, clock):
    members = {name: enrol(name)[1] for name in ("Daily", "Weekly", "Monthly", "Once", "Never")}
    visits = {"Daily": (20, 3000), "Weekly": (6, 2500), "Monthly": (2, 2000), "Once": (1, 500)}
    for name, (count, paid) in visits.items():
        for _ in range(count):
            till.sale([line("1", paid)], card=members[name])
    clock.advance(days=2)
    marketer = login(client, "mia")  # a fresh token: two days have passed
    best = _segment(client, marketer, "Champions", rule={"rfm": {"days": 90, "frequency": [5, 5], "monetary": [5, 5]}})
    active = _segment(client, marketer, "Active", rule={"rfm": {"frequency": [2, 5]}})
    assert (best["size"], active["size"]) == (1, 4)
    refused = client.post("/api/v1/segments", headers=marketer,
                          json={"name": "Bad", "rule": {"rfm": {"recency": [4, 9]}}})
    assert refused.status_code == 400 and "recency" in str(refused.json["errors"])  # quintiles run 1-5


def test_joining_a_segment_republishes_the_member_for_offline_targeting(client, marketer, enrol, till):
    member_id, _ = enrol("Listed Member")
    segment = _segment(client, marketer, "VIP list", member_ids=[member_id])
    snapshot, cursor = None, "0"
    while True:
        page = till.request("GET", f"/api/v1/sync/changes?cursor={cursor}&limit=200").json
        snapshot = next((c["payload"] for c in reversed(page["items"])
                         if c["entity_type"] == "member" and c["entity_id"] == member_id), snapshot)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert snapshot["segments"] == [segment["id"]]
