"""An independent model of the loyalty figures, written as plain arithmetic from the rules.

Rules (the programme's defaults, basic tier): 1 point per full currency unit paid after the
points tender, floored once per sale; excluded lines (tobacco) earn nothing; 100 points pay 1.00;
a redemption is at least 500 points, in steps of 100, and at most half the basket. An offline sale
on a card blocked meanwhile is kept but earns nothing. A void takes back what the sale earned and
gives back what it redeemed. It never imports the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelSale:
    member: str | None
    total_minor: int
    redeemed: int
    earned: int


@dataclass
class LoyaltyModel:
    balances: dict[str, int] = field(default_factory=dict)
    sales: dict[str, ModelSale] = field(default_factory=dict)
    voids: dict[str, str] = field(default_factory=dict)  # void id -> sale id

    def open(self, member: str, points: int) -> None:
        self.balances[member] = points

    @staticmethod
    def points_value_minor(points: int) -> int:
        assert points % 100 == 0, "points are redeemed in steps of 100"
        return points // 100 * 100

    def earning(self, prices: list[tuple[int, bool]], redeemed: int, *, card_active: bool = True) -> int:
        """Points a sale of lines (price_minor, excluded) paying ``redeemed`` points earns."""
        if not card_active:
            return 0
        total = sum(price for price, _ in prices)
        value = self.points_value_minor(redeemed)
        if redeemed:
            assert redeemed >= 500 and 2 * value <= total, "the model only knows valid redemptions"
            assert not any(excluded for _, excluded in prices), "the model spreads no tender over exclusions"
        eligible = sum(price for price, excluded in prices if not excluded) - value
        return eligible // 100

    def sale(self, sale_id: str, member: str | None, prices: list[tuple[int, bool]], redeemed: int = 0,
             *, card_active: bool = True) -> ModelSale:
        earned = self.earning(prices, redeemed, card_active=card_active) if member else 0
        sale = ModelSale(member, sum(price for price, _ in prices), redeemed, earned)
        assert sale_id not in self.sales
        self.sales[sale_id] = sale
        if member:
            self.balances[member] += earned - redeemed
        return sale

    def void(self, void_id: str, sale_id: str) -> None:
        sale = self.sales[sale_id]
        self.voids[void_id] = sale_id
        if sale.member:
            self.balances[sale.member] += sale.redeemed - sale.earned

    def debt(self, member: str) -> int:
        return max(0, -self.balances[member])

    def available(self, member: str) -> int:
        return max(0, self.balances[member])

    @property
    def transaction_ids(self) -> set[str]:
        return set(self.sales) | set(self.voids)
