"""Report queries and rows (JSON; CSV with ?format=csv)."""

from datetime import date

import marshmallow as ma

from server.schemas.common import StrictSchema, Timestamp
from server.schemas.stores import CODE


class ReportQuerySchema(StrictSchema):
    store = ma.fields.String(load_default=None, validate=CODE)
    since = Timestamp(load_default=None)
    until = Timestamp(load_default=None)
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "csv"]))


class ReconciliationRowSchema(ma.Schema):
    transaction_id = ma.fields.String()
    store = ma.fields.String()
    kind = ma.fields.String()
    till_value = ma.fields.Integer(allow_none=True)
    server_value = ma.fields.Integer(allow_none=True)
    detail = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    terminal = ma.fields.String(metadata={"description": "the terminal that posted the transaction"})


class RejectionRowSchema(ma.Schema):
    item_id = ma.fields.String()
    item_type = ma.fields.String()
    store = ma.fields.String()
    terminal = ma.fields.String()
    reason = ma.fields.String()
    detail = ma.fields.String()
    final = ma.fields.Boolean()
    attempts = ma.fields.Integer()
    last_at = ma.fields.AwareDateTime()


class SyncHealthRowSchema(ma.Schema):
    store = ma.fields.String()
    terminal = ma.fields.String()
    last_seen_at = ma.fields.AwareDateTime(allow_none=True)
    feed_cursor = ma.fields.Integer(allow_none=True)
    feed_head = ma.fields.Integer()
    feed_lag = ma.fields.Integer(allow_none=True, metadata={
        "description": "seqs between the till's cursor and the head: at most the changes it has still to read "
                       "(other stores' changes and compacted ones count too)"})
    feed_read_at = ma.fields.AwareDateTime(allow_none=True)
    journal_waiting = ma.fields.Integer(metadata={"description": "items refused for now, to be retried"})


class ReconciliationReportSchema(ma.Schema):
    exceptions = ma.fields.List(ma.fields.Nested(ReconciliationRowSchema))
    rejected_items = ma.fields.List(ma.fields.Nested(RejectionRowSchema))


class SyncHealthReportSchema(ma.Schema):
    terminals = ma.fields.List(ma.fields.Nested(SyncHealthRowSchema))


# --- sales, points and member reports (read from the roll-ups) --------------------------------

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
MAX_SPAN_DAYS = 3 * 366
FORMAT = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "csv"]))


def day(**kwargs) -> ma.fields.Date:
    """A calendar day from 2000-01-01 to 2099-12-31 (like every Timestamp)."""
    return ma.fields.Date(validate=ma.validate.Range(min=FIRST_DAY, max=LAST_DAY), **kwargs)


class RangeQuerySchema(StrictSchema):
    since = day(required=True, data_key="from", metadata={"description": "first day, inclusive"})
    until = day(required=True, data_key="to", metadata={"description": "last day, inclusive"})
    store = ma.fields.String(load_default=None, validate=CODE)
    format = FORMAT

    @ma.validates_schema
    def _ordered(self, data, **_kwargs):
        if data["until"] < data["since"]:
            raise ma.ValidationError("'to' is before 'from'", "to")
        if (data["until"] - data["since"]).days >= MAX_SPAN_DAYS:
            raise ma.ValidationError(f"a report covers at most {MAX_SPAN_DAYS} days", "to")


SALES_PAGE_DEFAULT, SALES_PAGE_MAX = 1000, 10000


class SalesQuerySchema(RangeQuerySchema):
    period = ma.fields.String(load_default="day", validate=ma.validate.OneOf(["day", "week", "month"]), metadata={
        "description": "a row per store and local day, ISO week (from Monday) or calendar month of local days"})
    limit = ma.fields.Integer(load_default=SALES_PAGE_DEFAULT, validate=ma.validate.Range(min=1, max=SALES_PAGE_MAX),
                              metadata={"description": "rows per page (JSON; the CSV has the whole range)"})
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=512), metadata={
        "description": "the next_cursor of the page before (JSON; the CSV has the whole range)"})


class PointsQuerySchema(RangeQuerySchema):
    period = ma.fields.String(load_default="day", validate=ma.validate.OneOf(["day", "month"]))


class FormatQuerySchema(StrictSchema):
    format = FORMAT


class ChurnQuerySchema(StrictSchema):
    as_of = day(load_default=None, metadata={"description": "judge as of the end of this day (default: now)"})
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    format = FORMAT


def money(description: str = "", **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(metadata={"description": f"{description} in minor units of `currency` (CSV: a "
                                                      "decimal amount, the currency in the column name)"}, **kwargs)


class SalesRowSchema(ma.Schema):
    store = ma.fields.String()
    day = ma.fields.Date(metadata={"description": "the store's local day; with period=week or month the period's "
                                                 "first day (its figures: its days within the range)"})
    baskets = ma.fields.Integer()
    sales_minor = money("sales")
    member_baskets = ma.fields.Integer()
    member_sales_minor = money("members' sales")
    member_share = ma.fields.Float(allow_none=True, metadata={"description": "members' share of sales"})
    average_basket_member_minor = money("average member basket", allow_none=True)
    average_basket_non_member_minor = money("average non-member basket", allow_none=True)
    items = ma.fields.Integer()
    returns = ma.fields.Integer(metadata={"description": "returns and voids"})
    returns_minor = money("refunded")
    net_sales_minor = money("sales less refunds")


class CategoryRowSchema(ma.Schema):
    category = ma.fields.String()
    lines = ma.fields.Integer()
    qty = ma.fields.Integer()
    sales_minor = money("sale lines (before returns)")
    member_sales_minor = money("members' sale lines")
    member_share = ma.fields.Float(allow_none=True)


class PointsRowSchema(ma.Schema):
    period = ma.fields.String(metadata={"description": "YYYY-MM-DD, or YYYY-MM with period=month (UTC)"})
    issued = ma.fields.Integer(metadata={"description": "earned and bonus points"})
    redeemed = ma.fields.Integer()
    expired = ma.fields.Integer()
    adjusted = ma.fields.Integer(metadata={"description": "staff adjustments, net"})
    reversed = ma.fields.Integer(metadata={"description": "returns and voids giving back or taking back, net"})
    entries = ma.fields.Integer()


class LiabilityRowSchema(ma.Schema):
    expiry_month = ma.fields.String(metadata={"description": "YYYY-MM, 'never', or 'debt' (points owed)"})
    points = ma.fields.Integer()
    members = ma.fields.Integer()
    value_minor = money("what the points pay as a tender")


class CohortRowSchema(ma.Schema):
    earn_month = ma.fields.String()
    issued = ma.fields.Integer()
    expired = ma.fields.Integer()
    rate = ma.fields.Float(allow_none=True, metadata={"description": "expired over issued"})
    mature = ma.fields.Boolean(metadata={"description": "every lot of the month has reached its expiry"})


class FlowRowSchema(ma.Schema):
    home_store = ma.fields.String()
    store = ma.fields.String()
    members = ma.fields.Integer()
    visits = ma.fields.Integer()
    sales_minor = money("sales")


class ChurnRowSchema(ma.Schema):
    member_id = ma.fields.String()
    visits = ma.fields.Integer()
    last_visit_at = ma.fields.AwareDateTime()
    usual_interval_days = ma.fields.Float()
    days_since_last_visit = ma.fields.Float()
    overdue_ratio = ma.fields.Float(allow_none=True)
    sales_minor = money("all-time sales")


class _Report(ma.Schema):
    currency = ma.fields.String()


class SalesReportSchema(_Report):
    period = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(SalesRowSchema))
    next_cursor = ma.fields.String(allow_none=True, metadata={
        "description": "pass as cursor for the rows after these; null on the last page"})


class CategoryReportSchema(_Report):
    rows = ma.fields.List(ma.fields.Nested(CategoryRowSchema))


class PointsReportSchema(_Report):
    rows = ma.fields.List(ma.fields.Nested(PointsRowSchema))


class LiabilityReportSchema(_Report):
    rows = ma.fields.List(ma.fields.Nested(LiabilityRowSchema))


class BreakageReportSchema(_Report):
    cohorts = ma.fields.List(ma.fields.Nested(CohortRowSchema))
    mature_rate = ma.fields.Float(allow_none=True)
    outstanding_points = ma.fields.Integer()
    forecast_expiring_points = ma.fields.Integer(allow_none=True)
    forecast_expiring_value_minor = money("value of the points forecast to expire", allow_none=True)


class CrossStoreReportSchema(_Report):
    first_month = ma.fields.String()
    last_month = ma.fields.String()
    active_members = ma.fields.Integer()
    cross_store_members = ma.fields.Integer(metadata={"description": "members who bought in 2 or more stores"})
    cross_store_share = ma.fields.Float(allow_none=True)
    flows = ma.fields.List(ma.fields.Nested(FlowRowSchema))


class TierCountSchema(ma.Schema):
    tier = ma.fields.String()
    members = ma.fields.Integer()


class TierMoveSchema(ma.Schema):
    from_tier = ma.fields.String()
    to_tier = ma.fields.String()
    members = ma.fields.Integer()


class TierReportSchema(ma.Schema):
    tiers = ma.fields.List(ma.fields.Nested(TierCountSchema))
    movements = ma.fields.List(ma.fields.Nested(TierMoveSchema))


class ChurnReportSchema(_Report):
    as_of = ma.fields.AwareDateTime()
    members_at_risk = ma.fields.Integer()
    members = ma.fields.List(ma.fields.Nested(ChurnRowSchema))


class PromotionDayRowSchema(ma.Schema):
    day = ma.fields.Date(metadata={"description": "UTC day"})
    discounted_sales = ma.fields.Integer(metadata={"description": "sales it took money off"})
    discount_minor = money("money off")
    bonus_sales = ma.fields.Integer(metadata={"description": "sales it credited bonus points in"})
    bonus_points = ma.fields.Integer()


class ItemSalesSchema(ma.Schema):
    first_day = ma.fields.Date()
    last_day = ma.fields.Date()
    lines = ma.fields.Integer()
    qty = ma.fields.Integer()
    sales_minor = money("sale lines of the promoted items")


class AudienceGroupSchema(ma.Schema):
    members = ma.fields.Integer()
    spending_members = ma.fields.Integer(metadata={"description": "members who bought in the window"})
    spend_minor = money("their sales over the window")
    spend_per_member_minor = money("mean spend per member of the group", allow_none=True)


class NoticeFiguresSchema(ma.Schema):
    channels = ma.fields.List(ma.fields.String())
    told = ma.fields.Integer(metadata={"description": "members whose notice the mail server or gateway accepted"})
    told_bought = ma.fields.Integer(metadata={"description": "of those, members who bought in the window's days"})
    waiting = ma.fields.Integer(metadata={"description": "notices not sent yet (quiet hours, send rate, retries)"})


class PromotionReportSchema(_Report):
    promotion_id = ma.fields.String()
    label = ma.fields.String()
    version = ma.fields.Integer(metadata={"description": "the current version, whose window and audience count"})
    state = ma.fields.String()
    first_day = ma.fields.Date(metadata={"description": "the window's first UTC day"})
    last_day = ma.fields.Date(metadata={"description": "its last UTC day (today at most)"})
    discounted_sales = ma.fields.Integer()
    discount_minor = money("money off in all")
    bonus_sales = ma.fields.Integer()
    bonus_points = ma.fields.Integer()
    members_reached = ma.fields.Integer(metadata={"description": "members it gave money off or points"})
    days = ma.fields.List(ma.fields.Nested(PromotionDayRowSchema))
    promoted_items_before = ma.fields.Nested(ItemSalesSchema, metadata={
        "description": "the promoted items' sales over as many days just before the window"})
    promoted_items_during = ma.fields.Nested(ItemSalesSchema)
    holdout_bp = ma.fields.Integer()
    treated = ma.fields.Nested(AudienceGroupSchema, allow_none=True, metadata={
        "description": "the audience it applies to (None for an untargeted promotion)"})
    held_out = ma.fields.Nested(AudienceGroupSchema, allow_none=True)
    difference_minor = money("treated less held-out spend per member", allow_none=True)
    ci95_low_minor = money("the difference's 95 % interval, low end", allow_none=True)
    ci95_high_minor = money("the difference's 95 % interval, high end", allow_none=True)
    notice = ma.fields.Nested(NoticeFiguresSchema, allow_none=True, metadata={
        "description": "the notice's figures (None for a promotion without a notice)"})
