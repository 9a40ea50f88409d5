"""Promotion definitions as the API accepts and stores them, one schema per rule kind.

Shape is checked here (400); contradictions (end before start, 120 % off, a bundle of one) are
left to the engine's own validation so there is one rulebook, and come back as 422. Shape
includes size: every number fits a 32-bit integer, and money, points and quantities stay under
the business maxima of server/schemas/common.py, so no rule can overflow a column at sale time.
"""

import marshmallow as ma

from server.schemas.common import (
    INT32_MAX,
    MAX_AMOUNT_MINOR,
    MAX_POINTS,
    MAX_QTY,
    PageQuerySchema,
    StrictSchema,
    Timestamp,
    int32,
)
from server.schemas.stores import CODE

SKU = ma.validate.Length(min=1, max=64)
STATES = ("draft", "scheduled", "active", "paused", "ended")
MAX_COUPON_BATCH = 100_000
HHMM = ma.validate.Regexp(r"^([01]\d|2[0-4]):[0-5]\d$", error="use HH:MM, 00:00 to 24:00")


def _int(maximum: int = INT32_MAX, **kwargs):
    # The lower bound is the engine's to check (a 422 that names the rule), the upper one is ours.
    return int32(maximum=maximum, **kwargs)


def _money(**kwargs):
    return _int(MAX_AMOUNT_MINOR, **kwargs)


def _points(**kwargs):
    return _int(MAX_POINTS, **kwargs)


def _qty(**kwargs):
    return _int(MAX_QTY, **kwargs)


def _strings(validate=None, **kwargs):
    return ma.fields.List(ma.fields.String(validate=validate), load_default=list, **kwargs)


class ScopeSchema(StrictSchema):
    skus = _strings(SKU)
    categories = _strings(SKU)
    whole_basket = ma.fields.Boolean(load_default=False)


class PriceSchema(StrictSchema):
    sku = ma.fields.String(required=True, validate=SKU)
    price_minor = _money(required=True)


class MemberPriceRuleSchema(StrictSchema):
    kind = ma.fields.Constant("member_price")
    prices = ma.fields.List(ma.fields.Nested(PriceSchema), required=True)


class PercentOffRuleSchema(StrictSchema):
    kind = ma.fields.Constant("percent_off")
    percent_bp = _int(required=True, metadata={"description": "basis points: 2000 is 20 %"})
    scope = ma.fields.Nested(ScopeSchema, required=True)
    after_amounts = ma.fields.Boolean(load_default=False)


class AmountOffRuleSchema(StrictSchema):
    kind = ma.fields.Constant("amount_off")
    amount_minor = _money(required=True)
    scope = ma.fields.Nested(ScopeSchema, required=True)


class MultiBuyRuleSchema(StrictSchema):
    kind = ma.fields.Constant("multi_buy")
    buy = _qty(required=True)
    get = _qty(required=True)
    scope = ma.fields.Nested(ScopeSchema, required=True)
    percent_bp = _int(load_default=10_000)
    max_applications = _int(load_default=None, allow_none=True)


class ComponentSchema(StrictSchema):
    scope = ma.fields.Nested(ScopeSchema, required=True)
    qty = _qty(load_default=1)


class BundleRuleSchema(StrictSchema):
    kind = ma.fields.Constant("bundle")
    components = ma.fields.List(ma.fields.Nested(ComponentSchema), required=True)
    price_minor = _money(required=True)
    max_applications = _int(load_default=None, allow_none=True)


class TierSchema(StrictSchema):
    min_spend_minor = _money(required=True)
    amount_off_minor = _money(load_default=0)
    percent_bp = _int(load_default=0)
    bonus_points = _points(load_default=0)


class SpendThresholdRuleSchema(StrictSchema):
    kind = ma.fields.Constant("spend_threshold")
    tiers = ma.fields.List(ma.fields.Nested(TierSchema), required=True)
    basis = ma.fields.String(load_default="gross", validate=ma.validate.OneOf(["gross", "net"]), metadata={
        "description": "whether min_spend_minor counts the basket with its tax (gross) or without (net)"})
    scope = ma.fields.Nested(ScopeSchema, load_default=lambda: {"skus": [], "categories": [], "whole_basket": True},
                             metadata={"description": "the lines counted and discounted; the whole basket by default"})


class BuyGetRuleSchema(StrictSchema):
    kind = ma.fields.Constant("buy_get")
    buy_scope = ma.fields.Nested(ScopeSchema, required=True)
    buy_qty = _qty(required=True)
    get_scope = ma.fields.Nested(ScopeSchema, required=True)
    get_qty = _qty(load_default=1)
    percent_bp = _int(load_default=10_000, metadata={"description": "off each 'get' unit; 10000 is free"})
    max_applications = _int(load_default=None, allow_none=True)


class BonusPointsRuleSchema(StrictSchema):
    kind = ma.fields.Constant("bonus_points")
    scope = ma.fields.Nested(ScopeSchema, required=True)
    extra_bp = _int(1_000_000, load_default=0, metadata={"description": "10000 = one extra times the base rate"})
    fixed_points = _points(load_default=0, metadata={"description": "given once per order when the rule applies"})
    points_per = _points(load_default=0, metadata={"description": "points per per_minor paid on the scope, floored"})
    per_minor = _money(load_default=0, metadata={"description": "1 point per 2.00 is points_per=1, per_minor=200"})
    unit_points = _points(load_default=0, metadata={"description": "points per unit bought in scope"})
    multiplier_bp = _int(1_000_000, load_default=10_000, metadata={
        "description": "scales the rule's own points, not fixed_points: 20000 = 2x"})
    min_order_minor = _money(load_default=0, metadata={"description": "the order must reach this to earn"})
    min_qty = _int(MAX_QTY, load_default=0, metadata={"description": "units bought in scope must reach this"})
    standalone = ma.fields.Boolean(load_default=False, metadata={
        "description": "the rule replaces base earning on its lines instead of adding to it"})


class RewardRuleSchema(StrictSchema):
    kind = ma.fields.Constant("reward")
    reward = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ["free_product", "amount_off", "percent_off", "voucher"]), metadata={"description": (
            "free_product: one unit of sku free per take; amount_off / percent_off: off the products or categories "
            "in scope; voucher: amount_minor off the whole basket")})
    points = _points(required=True, metadata={"description": "what one take costs the member"})
    sku = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    amount_minor = _money(load_default=0)
    percent_bp = _int(load_default=0, metadata={"description": "basis points: 2000 is 20 %"})
    scope = ma.fields.Nested(ScopeSchema, load_default=None, allow_none=True)
    max_per_basket = _int(load_default=1, metadata={"description": "takes per basket (1 to 20)"})


RULE_SCHEMAS = {
    "member_price": MemberPriceRuleSchema,
    "percent_off": PercentOffRuleSchema,
    "amount_off": AmountOffRuleSchema,
    "multi_buy": MultiBuyRuleSchema,
    "buy_get": BuyGetRuleSchema,
    "bundle": BundleRuleSchema,
    "spend_threshold": SpendThresholdRuleSchema,
    "bonus_points": BonusPointsRuleSchema,
    "reward": RewardRuleSchema,
}


class RuleField(ma.fields.Field):
    """A rule of any kind: ``kind`` picks the schema (a plain registry, no dynamic loading)."""

    def __init__(self, **kwargs):
        kinds = ", ".join(RULE_SCHEMAS)
        super().__init__(metadata={"description": f"an object whose 'kind' is one of: {kinds}"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict) or value.get("kind") not in RULE_SCHEMAS:
            raise ma.ValidationError({"kind": [f"must be one of: {', '.join(RULE_SCHEMAS)}"]})
        body = {k: v for k, v in value.items() if k != "kind"}
        return {"kind": value["kind"], **RULE_SCHEMAS[value["kind"]]().load(body)}

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class HoursSchema(StrictSchema):
    start = ma.fields.String(required=True, validate=HHMM)
    end = ma.fields.String(required=True, validate=HHMM)


class WindowSchema(StrictSchema):
    start = Timestamp(load_default=None, allow_none=True)
    end = Timestamp(load_default=None, allow_none=True, metadata={"description": "first instant no longer live"})
    weekdays = ma.fields.List(_int(), load_default=list, metadata={"description": "0 = Monday"})
    hours = ma.fields.List(ma.fields.Nested(HoursSchema), load_default=list,
                           metadata={"description": "store-local wall clock"})


class TargetingSchema(StrictSchema):
    members_only = ma.fields.Boolean(load_default=False)
    tiers = _strings(ma.validate.Length(min=1, max=32))
    segments = ma.fields.List(ma.fields.UUID(), load_default=list)
    member_ids = ma.fields.List(ma.fields.UUID(), load_default=list)
    holdout_bp = _int(10_000, load_default=0, metadata={"description": (
        "share of the targeted audience held out as a control group, in basis points (0-5000; 500 = 5 %); "
        "who is held out is fixed by the member and promotion ids, the same at the server and every till")})
    clip = ma.fields.Boolean(load_default=False, metadata={"description": (
        "a personal offer: shown on the member page of everyone it targets, it applies only to members "
        "who clipped it to their card there")})


class NoticeSchema(StrictSchema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500), metadata={
        "description": "what the message says about the offer; its dates, stores and an unsubscribe link are added"})
    channels = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(["email", "sms"])), required=True,
                              validate=ma.validate.Length(min=1, max=2), metadata={
        "description": "email and/or sms; a member who consented to both gets the e-mail only"})

    @ma.post_load
    def _one_of_each(self, data, **_kwargs):
        data["channels"] = sorted(set(data["channels"]))
        return data


class UsageLimitSchema(StrictSchema):
    max_uses = _int(required=True)
    period = ma.fields.String(load_default="ever", validate=ma.validate.OneOf(["day", "week", "month", "ever"]))


class ChainCapSchema(StrictSchema):
    max_uses = _int(required=True, metadata={"description": "sales in the whole chain that may get it"})
    offline_uses = _int(load_default=0, metadata={
        "description": "sales one till may give it to while offline, before the server acknowledged them"})


class CouponSchema(StrictSchema):
    single_use = ma.fields.Boolean(load_default=False)
    per_member_limit = _int(load_default=None, allow_none=True)
    codes = _strings(ma.validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="1-64 letters, digits, '_' or '-'"),
                     metadata={"description": "shared codes; generated batches are added separately"})


class DefinitionSchema(StrictSchema):
    """One version of a promotion, as stored and returned."""

    label = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    rule = RuleField(required=True)
    priority = _int(load_default=0)
    exclusive = ma.fields.Boolean(load_default=False)
    window = ma.fields.Nested(WindowSchema, load_default=dict)
    stores = _strings(CODE)
    targeting = ma.fields.Nested(TargetingSchema, load_default=dict)
    usage_limit = ma.fields.Nested(UsageLimitSchema, load_default=None, allow_none=True)
    coupon = ma.fields.Nested(CouponSchema, load_default=None, allow_none=True)
    max_discount_minor = _money(load_default=None, allow_none=True, metadata={
        "description": "the most this promotion gives off one basket; spread over its lines by largest remainder"})
    notice = ma.fields.Nested(NoticeSchema, load_default=None, allow_none=True, metadata={"description": (
        "a message to the consenting, not held-out members of a targeted audience when the promotion "
        "is published (once per member)")})
    chain_cap = ma.fields.Nested(ChainCapSchema, load_default=None, allow_none=True, metadata={
        "description": "a chain-wide usage cap ('the first 1,000 customers'), members and anonymous shoppers alike"})

    @ma.pre_load
    def _fill_nested_defaults(self, data, **_kwargs):
        # Nested load_default=dict would skip the nested schema's own defaults; load {} instead.
        if isinstance(data, dict):
            data = {**data}
            for name in ("window", "targeting"):
                data.setdefault(name, {})
        return data


class PromotionCreateSchema(DefinitionSchema):
    state = ma.fields.String(load_default="draft", validate=ma.validate.OneOf(["draft", "active"]),
                             metadata={"description": "draft, or active to publish at once"})


class PromotionSchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    state = ma.fields.String()
    current_version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    definition = ma.fields.Dict(metadata={"description": "the current version's definition"})


class PromotionPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PromotionSchema))
    next_cursor = ma.fields.String(allow_none=True)


class PromotionQuerySchema(PageQuerySchema):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATES))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(RULE_SCHEMAS)))


class VersionSchema(ma.Schema):
    promotion_id = ma.fields.UUID()
    version = ma.fields.Integer()
    definition = ma.fields.Dict()
    created_at = ma.fields.AwareDateTime()
    created_by = ma.fields.String()


class StateChangeSchema(StrictSchema):
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(STATES))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class CouponBatchCreateSchema(StrictSchema):
    prefix = ma.fields.String(load_default="", validate=ma.validate.Regexp(r"^[A-Z0-9-]{0,16}$"))
    count = int32(minimum=1, maximum=MAX_COUPON_BATCH, required=True)


class CouponBatchSchema(ma.Schema):
    id = ma.fields.UUID()
    promotion_id = ma.fields.UUID()
    count = ma.fields.Integer()
    codes = ma.fields.List(ma.fields.String())


class PriceListCreateSchema(StrictSchema):
    """A member price list: sugar over a ``member_price`` promotion (one source of truth)."""

    label = ma.fields.String(load_default="Member price", validate=ma.validate.Length(min=1, max=200))
    prices = ma.fields.List(ma.fields.Nested(PriceSchema), required=True)
    tiers = _strings(ma.validate.Length(min=1, max=32), metadata={"description": "empty: every member"})
    stores = _strings(CODE)
    window = ma.fields.Nested(WindowSchema, load_default=dict)
    priority = _int(load_default=0)
    state = ma.fields.String(load_default="draft", validate=ma.validate.OneOf(["draft", "active"]))

    @ma.pre_load
    def _fill_window(self, data, **_kwargs):
        return {**data, "window": data.get("window", {})} if isinstance(data, dict) else data


class RewardCreateSchema(PromotionCreateSchema):
    """A reward bought with points: a promotion whose rule is a reward (``promotions.rewards``).

    Its per-member limit is ``usage_limit`` (sales per member per period); its per-basket limit is
    ``rule.max_per_basket``.
    """

    rule = ma.fields.Nested(RewardRuleSchema, required=True)


class RewardQuerySchema(PageQuerySchema):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATES))
