"""The marketing page of bundle suggestions and "for you" picks: runs followed as jobs, results shown
in money, and a draft made from a row in one click. The expected figures are worked out by hand in
tests/integration/admin_ui/insights_baskets.py."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from server.models import AuditRecord, Segment
from server.pricing.segments import picked_for
from server.pricing.versions import current_definition, get_promotion
from tests.integration.admin_ui.backoffice import page_token, sign_in
from tests.integration.admin_ui.insights_baskets import seed_baskets

DRAFT_FORM = re.compile(r'<form method="post" action="(/admin/insights/[a-z-]+/draft)"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


@pytest.fixture
def baskets(services, chain) -> str:
    return seed_baskets(services, chain)


def run(services, client, path: str, fields: dict) -> str:
    """Start a run from the page's form, wait for its job, and return the run page."""
    started = client.post(path, data={"csrf_token": page_token(client, "/admin/insights"), **fields})
    assert started.status_code == 302, started.get_data(as_text=True)
    run_id = started.headers["Location"].rsplit("/", 1)[1]
    assert services.jobs.wait(run_id, timeout=60).state == "finished"
    return client.get(started.headers["Location"]).get_data(as_text=True)


def draft_fields(page: str, row: int = 0) -> tuple[str, list[tuple[str, str]]]:
    action, form = DRAFT_FORM.findall(page)[row]
    return action, HIDDEN.findall(form)


def cells(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]


def test_bundle_suggestions_are_ranked_in_money_and_one_click_makes_the_draft(services, client, chain, baskets):
    sign_in(client, "marketing")
    home = client.get("/admin/insights").get_data(as_text=True)
    assert 'href="/admin/insights"' in home and 'Bundles and "for you"' in home  # in the menu
    page = run(services, client, "/admin/insights/bundles",
               {"weeks": "8", "min_together": "5", "limit": "20", "discount": "10"})
    assert "10 member baskets read" in page
    row = cells(page)
    assert row[:8] == ["Crisps CRISPS + Dip DIP", "6", "60.0 %", "85.7 % / 100.0 %", "1.43", "€3.15 saves €0.35",
                       "6", "€2.10"]
    assert len(DRAFT_FORM.findall(page)) == 1  # Cy's WATER + DIP baskets were not read
    action, hidden = draft_fields(page)
    made = client.post(action, data=dict(hidden) | {"sku": [v for k, v in hidden if k == "sku"]})
    assert made.status_code == 302 and made.headers["Location"].startswith("/admin/promotions/")
    promotion_id = uuid.UUID(made.headers["Location"].rsplit("/", 1)[1])
    shown = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Crisps + Dip bundle is saved as a draft." in shown
    with services.db.session() as session:
        record = get_promotion(session, promotion_id)
        definition = current_definition(session, record)
        audit = session.scalars(select(AuditRecord).where(AuditRecord.target == str(promotion_id))).first()
    assert record.state == "draft" and definition["rule"]["kind"] == "bundle"
    assert definition["rule"]["price_minor"] == 315
    assert [c["scope"]["skus"] for c in definition["rule"]["components"]] == [["CRISPS"], ["DIP"]]
    assert audit.actor == "marketing"


def test_for_you_proposals_say_why_and_one_click_drafts_a_clip_offer_for_those_members(
        services, client, chain, baskets):
    sign_in(client, "marketing")
    page = run(services, client, "/admin/insights/for-you",
               {"weeks": "8", "recent_weeks": "2", "min_together": "5", "min_before": "3", "limit": "3"})
    assert "2 profiled members read, 1 with picks" in page
    assert [c for c in cells(page) if c and "% off" not in c] == [
        "Dip DIP", "1", "1 buy what goes with it", "Water WATER", "1", "1 used to buy it and stopped"]
    action, hidden = draft_fields(page, row=1)
    made = client.post(action, data=dict(hidden) | {"percent": "15"})
    assert made.status_code == 302
    with services.db.session() as session:
        record = get_promotion(session, uuid.UUID(made.headers["Location"].rsplit("/", 1)[1]))
        definition = current_definition(session, record)
        segment = session.get(Segment, uuid.UUID(definition["targeting"]["segments"][0]))
        assert (segment.rule, segment.size) == ({"for_you": "WATER"}, 1)
        assert picked_for(session, "WATER") == [uuid.UUID(baskets)]  # Grace, who stopped buying it
    assert record.state == "draft" and definition["label"] == "For you: Water"
    assert definition["rule"] == {**definition["rule"], "kind": "percent_off", "percent_bp": 1500}
    assert definition["targeting"]["clip"] is True


def test_a_run_with_a_setting_out_of_bounds_starts_nothing_and_says_which(services, client, chain):
    sign_in(client, "marketing")
    token = page_token(client, "/admin/insights")
    refused = client.post("/admin/insights/bundles", data={"csrf_token": token, "weeks": "53", "min_together": "5",
                                                           "limit": "", "discount": "ten"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "nothing was started" in page
    assert 'id="b-limit-error">Type a number.<' in page
    assert 'id="b-discount-error">Not a valid integer.<' in page and 'value="ten"' in page
    recent = client.post("/admin/insights/for-you", data={"csrf_token": token, "weeks": "4", "recent_weeks": "6",
                                                          "min_together": "5", "min_before": "3", "limit": "3"})
    assert recent.status_code == 422 and "recent_weeks must be fewer than weeks" in recent.get_data(as_text=True)
    bad_offer = client.post("/admin/insights/for-you/draft", data={"csrf_token": token, "sku": "CRISPS",
                                                                  "percent": "100"})
    assert bad_offer.status_code == 302 and bad_offer.headers["Location"] == "/admin/insights"
    assert "No draft made: percent bp:" in client.get("/admin/insights").get_data(as_text=True)
    unknown = client.post("/admin/insights/bundles/draft", data={"csrf_token": token, "sku": ["CRISPS", "NOPE"],
                                                                 "price_minor": "100"})
    assert unknown.status_code == 302 and "no product NOPE" in client.get("/admin/insights").get_data(as_text=True)


def test_a_run_in_progress_shows_its_bar_and_a_job_of_another_kind_is_not_shown(services, client, chain):
    from admin_ui.views.insights import BUNDLES, JOB_KINDS
    from admin_ui.views.promotion_simulation import JOB_NAME
    from server.jobs import JobState, JobView, Progress

    mining = next(name for name, kind in JOB_KINDS.items() if kind == BUNDLES)
    running, other = "0192a7f0-0000-7000-8000-0000000000c1", "0192a7f0-0000-7000-8000-0000000000c2"
    services.jobs.records.add(JobView(id=running, name=mining, state=JobState.QUEUED, enqueued_at=services.clock()))
    services.jobs.records.update(running, state=JobState.RUNNING, progress=Progress(3_000, 12_500, "baskets read"))
    services.jobs.records.add(JobView(id=other, name=JOB_NAME, state=JobState.RUNNING, enqueued_at=services.clock()))
    sign_in(client, "marketing")
    page = client.get(f"/admin/insights/runs/{running}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page and "Mining baskets…" in page
    assert '<progress id="i-progress" max="12500" value="3000"' in page and "3,000 of 12,500 baskets read" in page
    assert client.get(f"/admin/insights/runs/{other}").status_code == 404
    assert client.get("/admin/insights/runs/no-such-run").status_code == 404
