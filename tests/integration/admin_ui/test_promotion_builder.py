"""The promotion builder: money and percentages as people write them, refusals beside their fields,
and a preview on a sample basket through the same service as the API."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from server.models import PromotionRecord, PromotionVersion
from tests.integration.admin_ui.backoffice import page_token, sign_in


def build(client, **fields):
    return client.post("/admin/promotions/new", data={"csrf_token": page_token(client), **fields})


def saved(services) -> dict:
    with services.db.session() as session:
        newest = session.scalars(select(PromotionRecord).order_by(PromotionRecord.created_at.desc(),
                                                                   PromotionRecord.id.desc())).first()
        return session.get(PromotionVersion, (newest.id, 1)).definition


def test_a_percent_off_promotion_is_built_as_a_draft_with_its_targeting_and_window(services, client, chain):
    sign_in(client, "marketing")
    response = build(client, label="12.5% off snacks on Tuesday evenings", kind="percent_off", percent="12.5",
                     scope_categories="snacks", tiers="gold", stores="S001", timezone="Europe/Berlin",
                     start="2026-04-01T08:00", weekdays="1", hours_start="17:00", hours_end="19:00", priority="5")
    assert response.status_code == 302
    definition = saved(services)
    assert definition["rule"] == {"kind": "percent_off", "percent_bp": 1250, "after_amounts": False,
                                  "scope": {"skus": [], "categories": ["snacks"], "whole_basket": False}}
    assert definition["window"]["start"] == "2026-04-01T06:00:00+00:00"  # 08:00 in Berlin, summer time
    assert (definition["window"]["weekdays"], definition["window"]["hours"]) == ([1], [{"start": "17:00",
                                                                                         "end": "19:00"}])
    assert (definition["targeting"]["tiers"], definition["stores"], definition["priority"]) == (["gold"], ["S001"], 5)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is saved as a draft (version 1)" in page


def test_money_is_read_as_money_and_a_bad_amount_is_explained_beside_its_field(services, client, chain):
    sign_in(client, "marketing")
    refused = build(client, label="Crisps off", kind="amount_off", amount="0,5O", scope_skus="CRISPS")
    assert refused.status_code == 422
    assert "Amount off: write money as 2.50 (EUR), without other signs." in refused.get_data(as_text=True)
    assert build(client, label="Crisps off", kind="amount_off", amount="0,50", scope_skus="CRISPS").status_code == 302
    assert saved(services)["rule"]["amount_minor"] == 50


def test_the_engines_objection_and_an_unknown_reference_are_shown_in_words(client, chain):
    sign_in(client, "marketing")
    too_much = build(client, label="Too generous", kind="percent_off", percent="120", scope_categories="snacks")
    assert too_much.status_code == 422
    assert 'id="p-percent-error"' in too_much.get_data(as_text=True)
    unknown = build(client, label="Ghost category", kind="percent_off", percent="10", scope_categories="ghosts")
    assert unknown.status_code == 422
    assert "ghosts" in unknown.get_data(as_text=True)
    nameless = build(client, label="", kind="percent_off", percent="10", scope_categories="snacks")
    assert "Name: give the promotion the name customers see" in nameless.get_data(as_text=True)


def test_the_preview_prices_a_sample_basket_line_by_line_with_this_promotion(client, chain):
    sign_in(client, "marketing")
    page = client.get(f"/admin/promotions/{chain.promotion_id}/preview",
                      query_string={"store": "S001", "lines": "CRISPS 3"}).get_data(as_text=True)
    assert "Crisps" in page and "€1.50" in page  # the unit price
    assert "10% off snacks: −€0.45" in page and "this promotion" in page  # 10 % of 4.50
    assert "<strong>€4.05</strong>" in page
    unknown = client.get(f"/admin/promotions/{chain.promotion_id}/preview",
                         query_string={"store": "S001", "lines": "NOPE 1"}).get_data(as_text=True)
    assert "NOPE" in unknown and 'id="v-lines-error"' in unknown


def test_a_notice_is_built_with_its_text_and_channels_and_explained_when_incomplete(services, client, chain):
    sign_in(client, "marketing")
    fields = dict(label="Snacks for gold", kind="percent_off", percent="10", scope_categories="snacks")
    built = client.post("/admin/promotions/new", data=MultiDict({
        "csrf_token": page_token(client), **fields, "tiers": "gold",
        "notice_text": "Snacks 10 % off for you.", "notice_channels": ["email", "sms"]}))
    assert built.status_code == 302
    assert saved(services)["notice"] == {"text": "Snacks 10 % off for you.", "channels": ["email", "sms"]}
    no_channel = build(client, **fields, tiers="gold", notice_text="Snacks 10 % off for you.")
    assert no_channel.status_code == 422 and 'id="p-notice_channels-error"' in no_channel.get_data(as_text=True)
    untargeted = build(client, **fields, notice_text="Snacks for all.", notice_channels="email")
    assert untargeted.status_code == 422
    assert 'id="p-notice_text-error"' in untargeted.get_data(as_text=True)
    assert "A notice goes to a targeted audience of members" in untargeted.get_data(as_text=True)
