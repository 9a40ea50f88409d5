"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from server.models.adjustments import AdjustmentRequest
from server.models.audit import AuditRecord
from server.models.balances import MemberBalance
from server.models.base import Base
from server.models.changes import ChangeRecord, FeedPosition
from server.models.jobs import JobRecord, JobWatermark
from server.models.journal import JournalRejection
from server.models.member_side import ClippedOffer, ForYouPick, SignInCode
from server.models.members import Card, Hold, LedgerEntry, Member, TierChange
from server.models.outbox import MemberMessage, PromotionNotice
from server.models.partners import Partner, PartnerConsentCode, PartnerKey, PartnerTransaction
from server.models.products import Product, ProductBarcode, TaxClass
from server.models.programme import ProgrammeVersionRecord
from server.models.promotions import (
    CapHold,
    CapUse,
    CouponBatch,
    CouponCode,
    CouponHold,
    CouponRedemption,
    OfferHold,
    PromotionRecord,
    PromotionUseRecord,
    PromotionVersion,
    SaleDiscount,
)
from server.models.rollups import (
    CategoryDay,
    ChainCategoryDay,
    ChainDay,
    HoldoutBucket,
    MemberActivity,
    MemberDay,
    MemberLots,
    MemberStoreMonth,
    PointsCohort,
    PointsDay,
    ProductDay,
    PromotionDay,
    PromotionMember,
    SalesDay,
)
from server.models.security import RequestCount, TerminalNonce
from server.models.segments import Segment, SegmentMember
from server.models.simulations import SimulationRun
from server.models.staff import LoginFailure, StaffUser
from server.models.stores import Store, Terminal
from server.models.till_events import TillEvent
from server.models.transactions import PostedTransaction, ReconciliationException

__all__ = [
    "AdjustmentRequest",
    "AuditRecord",
    "Base",
    "CapHold",
    "CapUse",
    "Card",
    "CategoryDay",
    "ChainCategoryDay",
    "ChainDay",
    "ChangeRecord",
    "ClippedOffer",
    "CouponBatch",
    "CouponCode",
    "CouponHold",
    "CouponRedemption",
    "FeedPosition",
    "ForYouPick",
    "Hold",
    "HoldoutBucket",
    "JobRecord",
    "JobWatermark",
    "JournalRejection",
    "LedgerEntry",
    "LoginFailure",
    "Member",
    "MemberActivity",
    "MemberBalance",
    "MemberDay",
    "MemberLots",
    "MemberMessage",
    "MemberStoreMonth",
    "OfferHold",
    "Partner",
    "PartnerConsentCode",
    "PartnerKey",
    "PartnerTransaction",
    "PointsCohort",
    "PointsDay",
    "PostedTransaction",
    "Product",
    "ProductBarcode",
    "ProductDay",
    "ProgrammeVersionRecord",
    "PromotionDay",
    "PromotionMember",
    "PromotionNotice",
    "PromotionRecord",
    "PromotionUseRecord",
    "PromotionVersion",
    "ReconciliationException",
    "RequestCount",
    "SaleDiscount",
    "SalesDay",
    "Segment",
    "SegmentMember",
    "SignInCode",
    "SimulationRun",
    "StaffUser",
    "Store",
    "TaxClass",
    "Terminal",
    "TerminalNonce",
    "TierChange",
    "TillEvent",
]
