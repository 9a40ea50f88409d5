"""The pricing engine: one pure function prices a basket against the live promotions.

Import from here; the submodules are the engine's rooms, not its front door::

    from promotions import Catalogue, PricingRequest, price_basket

    result = price_basket(PricingRequest(lines, store, at, member=member), catalogue)

Standard library only, no clock reads, no I/O: the server and every offline till run the same
code on the same data and agree to the cent and the point.
"""

from promotions.basket import (
    BasketLine,
    EarnConfig,
    Member,
    PresentedCoupon,
    PricingRequest,
    Store,
)
from promotions.catalogue import Catalogue, ChainCap, CouponRule, Promotion, Targeting, UsageLimit
from promotions.chain_caps import exhausted_offline, offline_uses_left, online_exhausted
from promotions.coupons import generate_codes
from promotions.eligibility import in_audience
from promotions.engine import may_apply, price_basket
from promotions.exceptions import (
    CouponNotApplicable,
    DuplicatePromotion,
    InvalidBasket,
    InvalidPromotion,
    PromotionError,
)
from promotions.near_miss import NearMiss, near_misses
from promotions.result import (
    AppliedPromotion,
    BonusAward,
    CouponRejection,
    Discount,
    PricedBasket,
    PricedLine,
    RejectedCoupon,
)
from promotions.reward_offers import offered
from promotions.rewards import (
    RefusedReward,
    Reward,
    RewardClaim,
    RewardKind,
    RewardRefusal,
    TakenReward,
    affordable,
)
from promotions.rules import (
    AmountOff,
    BonusPoints,
    Bundle,
    BundleComponent,
    BuyGet,
    MemberPrice,
    MultiBuy,
    PercentOff,
    Rule,
    Scope,
    SpendBasis,
    SpendThreshold,
    ThresholdTier,
)
from promotions.tax import RateTax, Spend, Taxed, returned_tax, tax_lines
from promotions.usage import PromotionUse, count_uses, log_horizon
from promotions.windows import HourRange, Period, Window, usage_period_start

__all__ = [
    "AmountOff",
    "AppliedPromotion",
    "BasketLine",
    "BonusAward",
    "BonusPoints",
    "Bundle",
    "BundleComponent",
    "BuyGet",
    "Catalogue",
    "ChainCap",
    "CouponNotApplicable",
    "CouponRejection",
    "CouponRule",
    "Discount",
    "DuplicatePromotion",
    "EarnConfig",
    "HourRange",
    "InvalidBasket",
    "InvalidPromotion",
    "Member",
    "MemberPrice",
    "MultiBuy",
    "NearMiss",
    "PercentOff",
    "Period",
    "PresentedCoupon",
    "PricedBasket",
    "PricedLine",
    "PricingRequest",
    "Promotion",
    "PromotionError",
    "PromotionUse",
    "RateTax",
    "RefusedReward",
    "RejectedCoupon",
    "Reward",
    "RewardClaim",
    "RewardKind",
    "RewardRefusal",
    "Rule",
    "Scope",
    "Spend",
    "SpendBasis",
    "SpendThreshold",
    "Store",
    "TakenReward",
    "Targeting",
    "Taxed",
    "ThresholdTier",
    "UsageLimit",
    "Window",
    "affordable",
    "count_uses",
    "exhausted_offline",
    "generate_codes",
    "in_audience",
    "log_horizon",
    "may_apply",
    "near_misses",
    "offered",
    "offline_uses_left",
    "online_exhausted",
    "price_basket",
    "returned_tax",
    "tax_lines",
    "usage_period_start",
]
