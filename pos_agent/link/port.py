"""``ServerLink``: everything the agent asks of the central server, as one small port.

The checkout and the sync loops depend on this Protocol only, so tests can use a fake and the
HTTP adapter stays the one place that knows URLs. Every method raises ``LinkDown`` when the
server cannot be reached in time (the caller then works offline), and its subclass
``CredentialRevoked`` when the server refuses this till's credential as revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from store_sync.feed import ChangesPage, SnapshotPage, SnapshotPageText


@dataclass(frozen=True)
class CardLookup:
    """The server's answer for a card: the card, its member and what they can spend now."""

    card: dict[str, Any]
    member: dict[str, Any]
    account: dict[str, Any]


@dataclass(frozen=True)
class PostResult:
    """One transaction posted directly: the HTTP status and the JSON answer."""

    status: int
    body: dict[str, Any]


class ServerLink(Protocol):
    def health(self) -> bool:
        """True when the server answers its health check."""
        ...

    def look_up_card(self, number: str) -> CardLookup:
        """Raises UnknownCard (404), CardNotUsable, LinkDown."""
        ...

    def place_hold(self, body: dict[str, Any]) -> dict[str, Any]:
        """Raises RedemptionRefused (409/422), LinkDown."""
        ...

    def release_hold(self, hold_id: str) -> None: ...

    def reserve_coupons(self, body: dict[str, Any]) -> dict[str, Any]:
        """Reserve a sale's coupon codes and limited offers; raises CouponRefused or OfferRefused (409
        and the like), LinkDown."""
        ...

    def release_coupons(self, hold_id: str) -> None: ...

    def changes(self, cursor: int, limit: int) -> ChangesPage: ...

    def snapshot(self, page: str | None, limit: int) -> SnapshotPage | SnapshotPageText:
        """A snapshot page, its items decoded or left in checked JSON text; raises SnapshotRefused, LinkDown."""
        ...

    def send_journal(self, batch: dict[str, Any]) -> list[dict[str, Any]]:
        """Per-item results; raises JournalEndpointMissing when the server lacks the endpoint."""
        ...

    def post_transaction(self, body: dict[str, Any]) -> PostResult: ...

    def find_sale(self, sale_id: str) -> dict[str, Any]:
        """A sale of any till of the chain with what was returned of it; SaleNotFound, LinkDown."""
        ...

    def heartbeat(self, store: str, terminal: str, agent_version: str) -> None:
        """Tell the server this till is alive (its last contact in sync-health reports)."""
        ...
