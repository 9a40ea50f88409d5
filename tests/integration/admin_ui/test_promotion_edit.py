"""Editing a draft or paused promotion in the builder makes its next version; the hold-out share is a percentage."""

from __future__ import annotations

import uuid

import pytest
from werkzeug.datastructures import MultiDict

from admin_ui.promotion_form import Money, form_of, read
from server.audit import Actor
from server.models import PromotionRecord, PromotionVersion
from server.pricing.states import change_state
from server.schemas.promotions import DefinitionSchema
from tests.integration.admin_ui.backoffice import page_token, sign_in

EUR = Money("EUR", 2)
DEFINITIONS = [
    {"label": "12.5% off snacks for gold", "rule": {"kind": "percent_off", "percent_bp": 1250,
                                                    "scope": {"categories": ["snacks"], "skus": ["CRISPS"]}},
     "priority": 3, "exclusive": True, "stores": ["S001"],
     "targeting": {"tiers": ["gold"], "holdout_bp": 500, "member_ids": [str(uuid.uuid4())]},
     "window": {"start": "2026-04-01T06:00:00+00:00", "end": "2026-05-01T06:00:00+00:00", "weekdays": [1, 4],
                "hours": [{"start": "17:00", "end": "19:00"}]},
     "usage_limit": {"max_uses": 2, "period": "week"},
     "notice": {"text": "Snacks 12.5 % off for our gold members.", "channels": ["sms", "email"]}},
    {"label": "Crisps 1.20", "rule": {"kind": "member_price", "prices": [{"sku": "CRISPS", "price_minor": 120}]}},
    {"label": "3 for 2", "rule": {"kind": "multi_buy", "buy": 2, "get": 1, "percent_bp": 10000,
                                  "scope": {"categories": ["snacks"]}}},
    {"label": "Meal deal", "rule": {"kind": "bundle", "price_minor": 399, "components": [
        {"qty": 1, "scope": {"skus": ["CRISPS"]}}, {"qty": 2, "scope": {"categories": ["drinks"]}}]}},
    {"label": "Spend 50", "rule": {"kind": "spend_threshold", "tiers": [
        {"min_spend_minor": 5000, "amount_off_minor": 500, "percent_bp": 0, "bonus_points": 100}]},
     "coupon": {"single_use": True, "codes": ["SPRING26"]}},
    {"label": "Double points", "rule": {"kind": "bonus_points", "extra_bp": 10000, "fixed_points": 50,
                                        "scope": {"whole_basket": True}}},
    {"label": "1.00 off", "rule": {"kind": "amount_off", "amount_minor": 100, "scope": {"skus": ["CRISPS"]}}},
    {"label": "First 1,000: 1.00 off", "rule": {"kind": "amount_off", "amount_minor": 100,
                                                "scope": {"skus": ["CRISPS"]}},
     "chain_cap": {"max_uses": 1000, "offline_uses": 3}},
    {"label": "Spend 40 on coffee, 10% off, at most 8.00", "max_discount_minor": 800,
     "rule": {"kind": "spend_threshold", "scope": {"categories": ["coffee"]},
              "tiers": [{"min_spend_minor": 4000, "amount_off_minor": 0, "percent_bp": 1000, "bonus_points": 0}]}},
    {"label": "Coffee and a half-price pastry", "rule": {
        "kind": "buy_get", "buy_scope": {"skus": ["COFFEE"]}, "buy_qty": 2, "get_scope": {"categories": ["pastry"]},
        "get_qty": 1, "percent_bp": 5000}},
    {"label": "Coffee club", "rule": {"kind": "bonus_points", "points_per": 1, "per_minor": 200, "unit_points": 3,
                                      "multiplier_bp": 15000, "min_order_minor": 2000, "min_qty": 2,
                                      "standalone": True, "scope": {"skus": ["COFFEE"]}}},
]


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d["rule"]["kind"])
def test_the_form_of_a_definition_reads_back_as_the_same_definition(definition):
    loaded = DefinitionSchema().load(definition)
    again, errors = read(form_of(DefinitionSchema().dump(loaded), EUR, "Europe/Berlin"), EUR)
    assert errors == {}
    assert DefinitionSchema().dump(DefinitionSchema().load(again)) == DefinitionSchema().dump(loaded)


def test_a_hold_out_above_half_the_audience_is_refused_in_percent():
    form = form_of(DefinitionSchema().dump(DefinitionSchema().load(DEFINITIONS[0])), EUR, "UTC")
    form.setlist("holdout", ["60"])
    assert read(form, EUR)[1] == {"holdout": "Held out: at most 50 % of the audience."}


def edit_page(client, chain) -> str:
    return f"/admin/promotions/{chain.promotion_id}/edit"


def versions(services, chain) -> list[dict]:
    with services.db.session() as session:
        rows = session.query(PromotionVersion).filter_by(promotion_id=uuid.UUID(chain.promotion_id))
        return [v.definition for v in rows.order_by(PromotionVersion.version)]


def test_marketing_edits_a_draft_into_version_two_with_a_hold_out(services, client, chain):
    sign_in(client, "marketing")
    page = client.get(edit_page(client, chain)).get_data(as_text=True)
    assert 'value="10% off snacks"' in page and 'name="percent" value="10"' in page
    assert "Save as version 2" in page
    form = MultiDict({"csrf_token": page_token(client, edit_page(client, chain)), "label": "10% off snacks",
                      "kind": "percent_off", "percent": "10", "scope_categories": "snacks", "members_only": "yes",
                      "holdout": "5", "priority": "0"})
    saved = client.post(edit_page(client, chain), data=form)
    assert saved.status_code == 302
    first, second = versions(services, chain)
    assert (first["targeting"]["holdout_bp"], second["targeting"]["holdout_bp"]) == (0, 500)
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "is saved as version 2" in shown and "5 % of the audience held out" in shown
    assert "targeting.holdout_bp, targeting.members_only" in shown


def test_a_hold_out_without_targeting_is_explained_beside_its_field(services, client, chain):
    sign_in(client, "marketing")
    refused = client.post(edit_page(client, chain), data={
        "csrf_token": page_token(client, edit_page(client, chain)), "label": "10% off snacks", "kind": "percent_off",
        "percent": "10", "scope_categories": "snacks", "holdout": "5"})
    assert refused.status_code == 422
    assert 'id="p-holdout-error"' in refused.get_data(as_text=True)
    assert len(versions(services, chain)) == 1


@pytest.mark.parametrize(("state", "status"), [("active", 409), ("paused", 200), ("ended", 409)])
def test_only_a_draft_or_paused_promotion_is_edited_here(services, client, chain, state, status):
    definition = versions(services, chain)[0]
    with services.db.session() as session:
        record = session.get(PromotionRecord, uuid.UUID(chain.promotion_id))
        for step in {"active": ["active"], "paused": ["active", "paused"], "ended": ["ended"]}[state]:
            change_state(session, record, step, definition, "", services.clock(), Actor.system("test"))
        session.commit()
    sign_in(client, "marketing")
    assert client.get(edit_page(client, chain)).status_code == status


@pytest.mark.parametrize(("role", "status"), [("cashier", 403), ("hq", 403), ("member_service", 403),
                                              ("admin", 200)])
def test_other_roles_cannot_edit_promotions(client, chain, role, status):
    sign_in(client, role)
    assert client.get(edit_page(client, chain)).status_code == status
