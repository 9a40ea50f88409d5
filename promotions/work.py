"""The engine's per-line working state while a basket is being priced (internal)."""

from __future__ import annotations

from promotions.basket import BasketLine
from promotions.catalogue import Promotion
from promotions.discounts import Applied


class LineWork:
    """Mutable scratch for one line during one ``price_basket`` call; never escapes it.

    ``unit`` is the price discounts start from: the unit price after any member price for
    counted goods, the whole line amount for weighed goods (which are priced as one piece).
    """

    __slots__ = (
        "best",
        "consumed",
        "discountable",
        "discounts",
        "grouped",
        "line",
        "member_prices",
        "member_unit",
        "position",
        "stack",
        "total",
        "unit",
    )

    def __init__(self, position: int, line: BasketLine) -> None:
        self.position = position
        self.line = line
        self.member_unit: int | None = None
        self.unit = line.unit_price
        self.discountable: list[Promotion] = []
        self.grouped: dict[str, Promotion] = {}
        self.member_prices: list[Promotion] = []
        self.best: tuple[int, Applied] = (line.unit_price, ())
        self.stack: tuple[int, Applied] = (line.unit_price, ())
        self.consumed = [0, 0]  # units taken by [exclusive, stackable] multi-buys/bundles
        self.discounts: dict[str, list] = {}  # promotion id -> [promotion, amount], in order
        self.total = line.base_amount

    @property
    def units(self) -> int:
        """Units that may join multi-buys and bundles (0 for weighed goods)."""
        return 0 if self.line.weighed else self.line.qty

    def add(self, promotion: Promotion, amount: int) -> None:
        """Record ``amount`` off this line by ``promotion``."""
        if amount <= 0:
            return
        entry = self.discounts.get(promotion.promotion_id)
        if entry is None:
            self.discounts[promotion.promotion_id] = [promotion, amount]
        else:
            entry[1] += amount
        self.total -= amount

    def add_applied(self, applied: Applied, times: int) -> None:
        """Record a per-unit stack of discounts for ``times`` units."""
        for promotion, amount in applied:
            self.add(promotion, amount * times)

    def lower(self, promotion_id: str, amount: int) -> None:
        """Reduce the discount ``promotion_id`` gave this line to ``amount`` (a cap)."""
        entry = self.discounts[promotion_id]
        self.total += entry[1] - amount
        if amount:
            entry[1] = amount
        else:
            del self.discounts[promotion_id]
