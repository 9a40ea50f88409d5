"""A fake ``ServerLink`` (our own port) for checkout tests: a feed in memory, cards, holds, a journal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pos_agent.exceptions import LinkDown, RedemptionRefused, SnapshotRefused, UnknownCard
from pos_agent.link.port import CardLookup, PostResult
from store_sync.feed import Change, ChangesPage, Op, SnapshotItem, SnapshotPage

AT = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


class FakeServerLink:
    def __init__(self) -> None:
        self.feed: list[Change] = []
        self.cards: dict[str, CardLookup] = {}
        self.down = False
        self.holds: dict[str, dict[str, Any]] = {}
        self.coupon_holds: dict[str, dict[str, Any]] = {}
        self.batches: list[dict[str, Any]] = []
        self.answer = lambda item: {"id": item["id"], "status": "applied"}
        self.heartbeats: list[tuple[str, str, str]] = []
        self.snapshot_tokens: list[str | None] = []  # the page tokens asked for, in order
        self.snapshot_pages_left: int | None = None  # serve so many snapshot pages, then drop the link
        self.refused_tokens: set[str] = set()  # page tokens answered as the server answers a stale one

    def publish(self, entity_type: str, entity_id: str, op: str, payload: dict | None, store=None) -> None:
        self.feed.append(Change(len(self.feed) + 1, entity_type, entity_id, Op(op), payload or {}, AT, store))

    def _up(self) -> None:
        if self.down:
            raise LinkDown("connection refused")

    def health(self) -> bool:
        return not self.down

    def look_up_card(self, number: str) -> CardLookup:
        self._up()
        if number not in self.cards:
            raise UnknownCard(number)
        return self.cards[number]

    def place_hold(self, body: dict[str, Any]) -> dict[str, Any]:
        self._up()
        available = self.cards[body["card_number"]].account["available"]
        if body["points"] > available:
            raise RedemptionRefused(f"only {available} points available")
        self.holds[body["id"]] = body
        return {**body, "status": "held"}

    def release_hold(self, hold_id: str) -> None:
        self._up()
        self.holds.pop(hold_id, None)

    def reserve_coupons(self, body: dict[str, Any]) -> dict[str, Any]:
        self._up()
        self.coupon_holds[body["id"]] = body
        return {"id": body["id"], "codes": body["codes"], "status": "held"}

    def release_coupons(self, hold_id: str) -> None:
        self._up()
        self.coupon_holds.pop(hold_id, None)

    def changes(self, cursor: int, limit: int) -> ChangesPage:
        self._up()
        after = [c for c in self.feed if c.seq > cursor]
        items = tuple(after[:limit])
        next_cursor = items[-1].seq if items else cursor
        return ChangesPage(cursor, items, next_cursor, has_more=len(after) > limit)

    def snapshot(self, page: str | None, limit: int) -> SnapshotPage:
        """Pages of the state as of the first page's cursor, in key order, as the server serves them;
        a token is "<cursor>:<entities already served>"."""
        self.snapshot_tokens.append(page)
        self._up()
        if self.snapshot_pages_left is not None:
            if self.snapshot_pages_left == 0:
                raise LinkDown("connection reset")
            self.snapshot_pages_left -= 1
        if page is not None and page in self.refused_tokens:
            raise SnapshotRefused("snapshot page refused: the page token is not one this server issued")
        as_of, start = (len(self.feed), 0) if page is None else map(int, page.split(":"))
        latest: dict[tuple[str, str], Change] = {}
        for change in self.feed[:as_of]:
            latest[(change.entity_type, change.entity_id)] = change
        keys = sorted(latest)[start:start + limit]
        items = tuple(SnapshotItem(c.entity_type, c.entity_id, c.seq, c.payload)
                      for c in (latest[key] for key in keys) if c.op is Op.UPSERT)
        following = f"{as_of}:{start + limit}" if start + limit < len(latest) else None
        return SnapshotPage(as_of, items, following)

    def send_journal(self, batch: dict[str, Any]) -> list[dict[str, Any]]:
        self._up()
        self.batches.append(batch)
        return [self.answer(item) for item in batch["items"]]

    def post_transaction(self, body: dict[str, Any]) -> PostResult:
        raise AssertionError("the fake has the batch endpoint")

    def find_sale(self, sale_id: str) -> dict[str, Any]:
        self._up()
        from pos_agent.exceptions import SaleNotFound

        raise SaleNotFound(sale_id, "the fake server keeps no sales")

    def heartbeat(self, store: str, terminal: str, agent_version: str) -> None:
        self._up()
        self.heartbeats.append((store, terminal, agent_version))
