"""Simulation on past sales: the page and the API replay posted sales with and without a promotion version,
and a long period runs as a job the page follows. Expected figures are worked out by hand below."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from server.audit import Actor
from server.models import PostedTransaction
from server.pricing import simulation
from server.pricing.products import create_product
from server.pricing.versions import add_version, get_promotion
from server.schemas.promotions import DefinitionSchema
from tests.integration.admin_ui.backoffice import page_token, sign_in
from tests.support.factories import login, seed_member

# CRISPS (snacks) 1.50, WATER (drinks) 1.00; the chain's promotion is 10 % off snacks.


def posted_sale(services, days_ago: float, lines: list[tuple[str, int]], member_id: str | None = None) -> str:
    sale_id = f"sale-{uuid.uuid4().hex[:12]}"
    at = services.clock() - timedelta(days=days_ago)
    body = {"id": sale_id, "kind": "sale", "store": "S001", "terminal": "T1", "at": at.isoformat(),
            "lines": [{"line_id": str(n), "sku": sku, "qty": qty, "paid_minor": 0, "discounts": []}
                      for n, (sku, qty) in enumerate(lines, start=1)]}
    with services.db.session() as session:
        session.add(PostedTransaction(id=sale_id, kind="sale", store_code="S001", terminal_code="T1", at=at,
                                      member_id=uuid.UUID(member_id) if member_id else None, total_minor=0,
                                      body=body, body_hash="0" * 64, outcome={}, received_at=at))
        session.commit()
    return sale_id


@pytest.fixture
def past_sales(services, chain):
    with services.db.session() as session:
        create_product(session, {"sku": "WATER", "name": "Water", "category": "drinks", "base_price_minor": 100,
                                 "tax_class": "standard", "excluded_from_points": False, "active": True},
                       services.clock())
        session.commit()
    other, _ = seed_member(services, 0, "Grace Hopper")
    posted_sale(services, 3, [("CRISPS", 2)], chain.member_id)  # 10 % of 3.00: 0.30
    posted_sale(services, 10, [("CRISPS", 1), ("WATER", 1)])  # anonymous: 0.15
    posted_sale(services, 12, [("WATER", 3)], other)  # no snacks: unchanged
    posted_sale(services, 20, [("CRISPS", 4)], chain.member_id)  # 0.60
    posted_sale(services, 45, [("CRISPS", 2)], other)  # six weeks back: 0.30
    return other


def simulate(services, chain, weeks: int):
    return simulation.simulate(services.db.session, uuid.UUID(chain.promotion_id), 1, weeks, services.clock(),
                               services.program)


def redefine(services, chain, **changes) -> None:
    with services.db.session() as session:
        record = get_promotion(session, uuid.UUID(chain.promotion_id), lock=True)
        definition = DefinitionSchema().load({
            "label": "10% off snacks", "rule": {"kind": "percent_off", "percent_bp": 1000,
                                                "scope": {"categories": ["snacks"]}}, **changes})
        add_version(session, record, definition, services.clock(), Actor.system("test"), services.program)
        session.commit()


def test_four_weeks_replay_counts_the_sales_members_discount_and_top_product(services, chain, past_sales):
    result = simulate(services, chain, 4)
    assert (result.sales, result.member_sales, result.sales_affected) == (4, 3, 3)
    assert (result.discount_minor, result.points, result.members_reached) == (30 + 15 + 60, 0, 1)
    assert [(t.sku, t.discount_minor, t.sales) for t in result.top_lines] == [("CRISPS", 105, 3)]
    eight = simulate(services, chain, 8)
    assert (eight.sales, eight.sales_affected, eight.discount_minor, eight.members_reached) == (5, 4, 135, 2)


def test_targeting_and_usage_limits_apply_in_the_replay_as_at_a_till(services, chain, past_sales):
    redefine(services, chain, targeting={"members_only": True}, usage_limit={"max_uses": 1, "period": "ever"})
    result = simulation.simulate(services.db.session, uuid.UUID(chain.promotion_id), 2, 8, services.clock(),
                                 services.program)
    # Anonymous sale left out; Ada's first sale (20 days ago, 0.60) uses her one use, her later one gets nothing.
    assert (result.sales_affected, result.discount_minor, result.members_reached) == (2, 60 + 30, 2)


def test_the_dates_of_a_version_are_set_aside_but_its_days_are_not(services, chain, past_sales):
    redefine(services, chain, window={"start": "2030-01-01T00:00:00+00:00"})
    assert simulation.simulate(services.db.session, uuid.UUID(chain.promotion_id), 2, 4, services.clock(),
                               services.program).discount_minor == 105
    three_days_ago = (services.clock() - timedelta(days=3)).weekday()  # ten days ago too; twenty is another day
    redefine(services, chain, window={"weekdays": [three_days_ago]})
    assert simulation.simulate(services.db.session, uuid.UUID(chain.promotion_id), 3, 4, services.clock(),
                               services.program).discount_minor == 30 + 15


def test_weeks_beyond_twelve_are_refused(services, chain):
    with pytest.raises(simulation.InvalidSimulation):
        simulate(services, chain, 13)


def test_the_marketing_page_shows_the_result_in_money(client, chain, past_sales):
    sign_in(client, "marketing")
    path = f"/admin/promotions/{chain.promotion_id}/simulation"
    response = client.post(path, data={"csrf_token": page_token(client, path), "weeks": "4"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="r-discount">€1\.05<', page)
    assert re.search(r'id="r-sales">3<small>of 4 sales', page)
    assert "Crisps" in page and "105" not in page.replace("€1.05", "")


def test_a_long_period_runs_as_a_job_that_the_page_and_the_api_follow(services, client, chain, past_sales,
                                                                      monkeypatch):
    monkeypatch.setattr(simulation, "INLINE_SALES", 2)
    sign_in(client, "marketing")
    path = f"/admin/promotions/{chain.promotion_id}/simulation"
    started = client.post(path, data={"csrf_token": page_token(client, path), "weeks": "8"})
    assert started.status_code == 302
    job_id = started.headers["Location"].rsplit("/", 1)[1]
    assert services.jobs.wait(job_id, timeout=30).state == "finished"
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="r-discount">€1\.35<', page)
    headers = login(client, "marketing")
    queued = client.post(f"/api/v1/promotions/{chain.promotion_id}/simulation", json={"weeks": 8}, headers=headers)
    assert queued.status_code == 202 and queued.headers["Location"] == f"/api/v1/jobs/{queued.json['id']}"
    services.jobs.wait(queued.json["id"], timeout=30)
    job = client.get(queued.headers["Location"], headers=headers).json
    assert job["progress"] == {"done": 5, "total": 5, "note": "sales replayed"}
    assert (job["result"]["discount_minor"], job["result"]["sales_affected"]) == (135, 4)


def test_the_api_answers_a_short_period_at_once_and_only_to_marketing(client, chain, past_sales):
    url = f"/api/v1/promotions/{chain.promotion_id}/simulation"
    answer = client.post(url, json={"weeks": 4}, headers=login(client, "marketing"))
    assert answer.status_code == 200
    assert (answer.json["discount_minor"], answer.json["members_reached"], answer.json["version"]) == (105, 1, 1)
    assert client.post(url, json={"weeks": 13}, headers=login(client, "marketing")).status_code == 400
    assert client.post(url, json={"weeks": 4}, headers=login(client, "member-service")).status_code == 403


@pytest.mark.parametrize(("role", "status"), [("marketing", 200), ("admin", 200), ("hq", 403), ("cashier", 403),
                                          ("member_service", 403)])
def test_only_marketing_and_admin_open_the_simulation_page(client, chain, role, status):
    sign_in(client, role)
    assert client.get(f"/admin/promotions/{chain.promotion_id}/simulation").status_code == status


def test_a_running_simulation_shows_its_progress_and_reloads_itself_without_javascript(services, client, chain):
    from admin_ui.views.promotion_simulation import JOB_NAME
    from server.jobs import JobState, JobView, Progress

    services.jobs.records.add(JobView(id="0192a7f0-0000-7000-8000-000000000001", name=JOB_NAME,
                                      state=JobState.QUEUED, enqueued_at=services.clock()))
    services.jobs.records.update("0192a7f0-0000-7000-8000-000000000001", state=JobState.RUNNING,
                                 progress=Progress(1500, 6000, "sales replayed"))
    sign_in(client, "marketing")
    page = client.get(f"/admin/promotions/{chain.promotion_id}/simulation/0192a7f0-0000-7000-8000-000000000001")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in text
    assert '<progress id="s-progress" max="6000" value="1500"' in text and "1,500 of 6,000 sales replayed" in text
    other = client.get(f"/admin/promotions/{chain.promotion_id}/simulation/no-such-job")
    assert other.status_code == 404
