"""Promotion definitions and the catalogue of those live for a pricing call.

A ``Promotion`` is one version of a marketing rule: who (targeting), where (store scope), when
(window), how often (usage limit, coupon) and what (its ``rule``). Every field is validated on
construction so a contradictory promotion can never reach a till.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from promotions.exceptions import DuplicatePromotion, InvalidPromotion
from promotions.holdout import check_holdout
from promotions.index import CatalogueIndex
from promotions.rewards import Reward
from promotions.rules import BonusPoints, MemberPrice, Rule
from promotions.windows import Period, Window


@dataclass(frozen=True)
class Targeting:
    """Who may get a promotion. Every non-empty constraint must hold (AND across kinds).

    Attributes:
        members_only: Requires an identified member.
        tiers: Member tier must be one of these.
        segments: Member must be in at least one of these segments.
        member_ids: Member must be on this list (uploaded lists).
        holdout_bp: Share of the audience held out as a control group, in basis points
            (``promotions.holdout``); needs one of the constraints above.
        clip: A personal offer: it applies only to a member who clipped it to their card
            (``Member.clipped``), on top of every constraint above.
    """

    members_only: bool = False
    tiers: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    member_ids: frozenset[str] = frozenset()
    holdout_bp: int = 0
    clip: bool = False

    def __post_init__(self) -> None:
        check_holdout(self.holdout_bp, self.needs_member)

    @property
    def needs_member(self) -> bool:
        """True when an anonymous customer can never qualify."""
        return self.members_only or self.clip or bool(self.tiers or self.segments or self.member_ids)


@dataclass(frozen=True)
class UsageLimit:
    """At most ``max_uses`` sales per member per period get this promotion ("once a week").

    A use is a sale in which the promotion gave a discount or points. Members only.
    """

    max_uses: int
    period: Period = Period.EVER

    def __post_init__(self) -> None:
        if type(self.max_uses) is not int or self.max_uses < 1:
            raise InvalidPromotion("usage_limit.max_uses", "must be a positive int")


@dataclass(frozen=True)
class CouponRule:
    """The promotion applies only when one of ``codes`` is presented.

    Attributes:
        codes: Accepted codes (one shared code, or a generated batch).
        single_use: Each code can be redeemed once, by anyone.
        per_member_limit: Redemptions of a code per member, or None for no limit.
    """

    codes: frozenset[str]
    single_use: bool = False
    per_member_limit: int | None = None

    def __post_init__(self) -> None:
        if not self.codes or any(not code for code in self.codes):
            raise InvalidPromotion("coupon.codes", "a coupon needs at least one non-empty code")
        if self.per_member_limit is not None and self.per_member_limit < 1:
            raise InvalidPromotion("coupon.per_member_limit", "must be a positive int")


@dataclass(frozen=True)
class ChainCap:
    """At most ``max_uses`` sales in the whole chain get this promotion ("the first 1,000 customers").

    A use is a sale in which the promotion gave a discount or points, member or anonymous
    (``promotions.chain_caps`` says when it is exhausted online and offline).

    Attributes:
        max_uses: Sales the chain may give it to.
        offline_uses: Sales one till may give it to while offline, before the server acknowledged
            them (0: never offline).
    """

    max_uses: int
    offline_uses: int = 0

    def __post_init__(self) -> None:
        if type(self.max_uses) is not int or self.max_uses < 1:
            raise InvalidPromotion("chain_cap.max_uses", "must be a positive int")
        if type(self.offline_uses) is not int or not 0 <= self.offline_uses <= self.max_uses:
            raise InvalidPromotion("chain_cap.offline_uses", "must be an int from 0 to max_uses")


def _check_cap(cap: int, rule: Rule) -> None:
    if type(cap) is not int or cap < 1:
        raise InvalidPromotion("max_discount", "a cap is a positive int of minor units")
    if isinstance(rule, (MemberPrice, BonusPoints, Reward)):
        raise InvalidPromotion("max_discount", "only promotions that give money off can be capped")


@dataclass(frozen=True)
class Promotion:
    """One version of a promotion.

    Attributes:
        promotion_id: Stable id across versions.
        version: Version number; the result records it so re-pricing can use the same one.
        label: Short receipt text ("3 for 2 — Snacks").
        rule: What it does (a ``promotions.rules`` kind, or a ``promotions.rewards.Reward``).
        priority: Higher applies first within a stack and wins ties of equal value.
        exclusive: Never combined with another offer of the same level on the same units.
        window: When it is live (store-local weekdays/hours).
        stores: Store ids where it is live; empty means every store.
        targeting: Who may get it.
        usage_limit: Per-member limit, or None.
        coupon: Coupon requirement, or None.
        max_discount: The most this promotion gives off one basket in minor units, or None.
            When its discounts come to more, the cap is spread over the lines by largest
            remainder in proportion to what each line was given (``promotions.caps``).
        chain_cap: Chain-wide usage cap, or None. Anonymous sales count too.
    """

    promotion_id: str
    version: int
    label: str
    rule: Rule | Reward
    priority: int = 0
    exclusive: bool = False
    window: Window = field(default_factory=Window)
    stores: frozenset[str] = frozenset()
    targeting: Targeting = field(default_factory=Targeting)
    usage_limit: UsageLimit | None = None
    coupon: CouponRule | None = None
    max_discount: int | None = None
    chain_cap: ChainCap | None = None

    def __post_init__(self) -> None:
        if not self.promotion_id:
            raise InvalidPromotion("promotion_id", "must not be empty")
        if type(self.version) is not int or self.version < 1:
            raise InvalidPromotion("version", "must be a positive int")
        if not self.label.strip():
            raise InvalidPromotion("label", "a receipt label is required")
        if isinstance(self.rule, MemberPrice) and self.coupon is not None:
            raise InvalidPromotion("coupon", "member prices are not coupon offers")
        if self.max_discount is not None:
            _check_cap(self.max_discount, self.rule)
        if isinstance(self.rule, Reward) and (self.coupon is not None or self.max_discount is not None):
            raise InvalidPromotion("coupon" if self.coupon else "max_discount",
                                   "a reward is taken with points: it has no coupon and no cap")

    @cached_property
    def always_live(self) -> bool:
        """True when no store, window, targeting or limit restricts it (checked once, not per sale)."""
        return not self.stores and self.window == Window() and not self.needs_member and self.chain_cap is None

    @property
    def needs_member(self) -> bool:
        """True when an anonymous sale can never get this promotion."""
        return (self.targeting.needs_member or self.usage_limit is not None
                or isinstance(self.rule, (MemberPrice, Reward)))


class Catalogue:
    """The promotions live for pricing, indexed once so each call looks only at what matches.

    Build it when promotions change (the server per publish, a till per sync page), not per
    basket. Iteration order of the input never matters: everything is keyed by id.
    """

    __slots__ = ("_by_id", "capped", "index")

    def __init__(self, promotions: Iterable[Promotion]) -> None:
        by_id: dict[str, Promotion] = {}
        for promotion in promotions:
            if promotion.promotion_id in by_id:
                raise DuplicatePromotion(promotion.promotion_id)
            by_id[promotion.promotion_id] = promotion
        self._by_id = dict(sorted(by_id.items()))
        self.index = CatalogueIndex(self._by_id.values())
        self.capped = tuple(p for p in self._by_id.values() if p.chain_cap is not None)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def get(self, promotion_id: str) -> Promotion | None:
        """Return the promotion with this id, or None."""
        return self._by_id.get(promotion_id)
