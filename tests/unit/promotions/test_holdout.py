"""Hold-out control groups: a stable hash of the two ids, a split close to the share, and an engine
that gives a held-out member nothing."""

import hashlib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promotions.catalogue import Targeting
from promotions.exceptions import InvalidPromotion
from promotions.holdout import bucket, is_held_out
from promotions.rules import PercentOff
from store_sync.promotion_definitions import to_promotion

from .builders import line, member, price, promo, skus

PROMOTION = "0193a5b2-7c1e-7d40-8a4b-5f6e7d8c9b0a"
MEMBERS = [str(uuid.UUID(int=n * 7_919 + 1)) for n in range(10_000)]


def test_the_bucket_is_the_first_eight_bytes_of_sha256_of_both_ids_mod_ten_thousand():
    # Pinned figures: a till released today and a server upgraded next year must agree on them.
    assert bucket("p-1", "m-1") == 9_495
    digest = hashlib.sha256(b"p-1\x1fm-1").digest()
    assert int.from_bytes(digest[:8], "big") % 10_000 == 9_495
    assert bucket(PROMOTION, MEMBERS[0]) == bucket(PROMOTION, MEMBERS[0])


@settings(max_examples=25, deadline=None)
@given(holdout_bp=st.integers(min_value=100, max_value=5_000), promotion_id=st.uuids().map(str))
def test_the_held_out_share_is_close_to_the_setting(holdout_bp, promotion_id):
    held = sum(is_held_out(promotion_id, m, holdout_bp) for m in MEMBERS)
    share = holdout_bp / 10_000
    spread = (share * (1 - share) / len(MEMBERS)) ** 0.5
    assert abs(held / len(MEMBERS) - share) < 5 * spread  # five standard deviations: 1 in 1.7 million


@given(promotion_id=st.text(max_size=40), member_id=st.text(max_size=40))
def test_every_bucket_is_between_0_and_9999_and_a_zero_share_holds_out_no_one(promotion_id, member_id):
    assert 0 <= bucket(promotion_id, member_id) < 10_000
    assert not is_held_out(promotion_id, member_id, 0)


def test_two_promotions_hold_out_different_members():
    first = {m for m in MEMBERS if is_held_out("spring", m, 5_000)}
    second = {m for m in MEMBERS if is_held_out("summer", m, 5_000)}
    # independent halves overlap on about a quarter of everyone
    assert 2_300 < len(first & second) < 2_700


def test_a_held_out_member_pays_the_full_price_and_a_treated_one_gets_the_discount():
    offer = promo(PROMOTION, PercentOff(2_000, skus("coffee")),
                  targeting=Targeting(members_only=True, holdout_bp=1_000))
    held = next(m for m in MEMBERS if bucket(PROMOTION, m) < 1_000)
    treated = next(m for m in MEMBERS if bucket(PROMOTION, m) >= 1_000)
    assert price([line("coffee", 500)], [offer], member=member(held)).total == 500
    assert price([line("coffee", 500)], [offer], member=member(treated)).total == 400


@pytest.mark.parametrize(("targeting", "field"), [
    (dict(holdout_bp=500), "targeting.holdout_bp"),  # no audience: an anonymous sale would get it
    (dict(members_only=True, holdout_bp=5_001), "targeting.holdout_bp"),
    (dict(tiers=frozenset({"gold"}), holdout_bp=-1), "targeting.holdout_bp"),
])
def test_a_hold_out_needs_an_audience_of_members_and_at_most_half_of_it(targeting, field):
    with pytest.raises(InvalidPromotion) as refused:
        Targeting(**targeting)
    assert refused.value.field == field


def definition(targeting: dict) -> dict:
    return {"label": "20 % off coffee", "priority": 0, "exclusive": False, "stores": [], "usage_limit": None,
            "coupon": None, "window": {"start": None, "end": None, "weekdays": [], "hours": []},
            "rule": {"kind": "percent_off", "percent_bp": 2_000, "after_amounts": False,
                     "scope": {"skus": ["coffee"], "categories": [], "whole_basket": False}},
            "targeting": {"members_only": True, "tiers": [], "segments": [], "member_ids": [], **targeting}}


def test_the_definition_carries_the_share_and_an_older_version_without_it_holds_out_no_one():
    assert to_promotion(PROMOTION, 2, definition({"holdout_bp": 750})).targeting.holdout_bp == 750
    assert to_promotion(PROMOTION, 1, definition({})).targeting.holdout_bp == 0
