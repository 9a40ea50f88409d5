"""The rewards page: the catalogue listed in words, and a reward added through the same services as
the API (its schema and the engine's checks, beside the field they are about)."""

from __future__ import annotations

from sqlalchemy import select

from server.models import PromotionRecord, PromotionVersion
from tests.integration.admin_ui.backoffice import page_token, sign_in


def add(client, **fields):
    return client.post("/admin/rewards", data={"csrf_token": page_token(client), "max_per_basket": "1",
                                               "state": "active", **fields})


def test_a_free_product_and_a_voucher_are_added_live_and_listed_in_words(services, client, chain):
    sign_in(client, "marketing")
    assert add(client, label="Free crisps", reward="free_product", points="300", sku="CRISPS",
               max_uses="1", period="week").status_code == 302
    assert add(client, label="Five off", reward="voucher", points="500", amount="5.00").status_code == 302
    with services.db.session() as session:
        rows = session.execute(select(PromotionRecord.state, PromotionVersion.definition).join(
            PromotionVersion, PromotionVersion.promotion_id == PromotionRecord.id)
            .where(PromotionRecord.kind == "reward")).all()
    definitions = {d["label"]: (state, d["rule"], d["usage_limit"]) for state, d in rows}
    assert definitions["Free crisps"] == ("active", {"kind": "reward", "reward": "free_product", "points": 300,
                                                     "sku": "CRISPS", "amount_minor": 0, "percent_bp": 0,
                                                     "scope": None, "max_per_basket": 1},
                                          {"max_uses": 1, "period": "week"})
    assert definitions["Five off"][1]["amount_minor"] == 500
    page = client.get("/admin/rewards").get_data(as_text=True)
    assert "CRISPS free" in page and "€5.00 off the basket" in page and "1 per week" in page


def test_nonsense_is_refused_beside_its_field_and_nothing_is_saved(services, client, chain):
    sign_in(client, "marketing")
    twice = add(client, label="20% off snacks", reward="percent_off", points="400", percent="20",
                categories="snacks", max_per_basket="2")
    assert twice.status_code == 422
    assert 'id="r-max_per_basket-error"' in twice.get_data(as_text=True)  # the engine's objection, beside it
    no_amount = add(client, label="Crisps off", reward="amount_off", points="100", amount="lots", skus="CRISPS")
    assert no_amount.status_code == 422 and 'id="r-amount-error"' in no_amount.get_data(as_text=True)
    with services.db.session() as session:
        assert session.scalars(select(PromotionRecord).where(PromotionRecord.kind == "reward")).all() == []


def test_a_reward_shows_on_its_promotion_page_and_is_not_opened_in_the_promotion_builder(services, client, chain):
    sign_in(client, "marketing")
    assert add(client, label="Free crisps", reward="free_product", points="300", sku="CRISPS",
               state="draft").status_code == 302
    with services.db.session() as session:
        reward_id = session.scalar(select(PromotionRecord.id).where(PromotionRecord.kind == "reward"))
    page = client.get(f"/admin/promotions/{reward_id}")
    assert page.status_code == 200 and "Free crisps" in page.get_data(as_text=True)
    assert "Edit (saved as version" not in page.get_data(as_text=True)
    assert client.get(f"/admin/promotions/{reward_id}/edit").status_code == 409
