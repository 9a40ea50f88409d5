"""Read access to the cached feed data the checkout needs: products, cards, members, rules."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from loyalty.programme import version_in_force
from pos_agent.checkout.program import Program, programme_versions
from pos_agent.exceptions import NotReady
from pos_agent.store import cache
from pos_agent.store.database import Database
from pos_agent.sync.feed_puller import LAST_CAUGHT_UP
from promotions import Catalogue, PromotionError
from store_sync.entities import Entity, ProgramPayload
from store_sync.promotion_definitions import LIVE_STATES, from_payload

log = logging.getLogger(__name__)


class ReferenceData:
    """The cache seen as the checkout's reference data; the promotion catalogue is built once per change."""

    def __init__(self, db: Database, store_code: str) -> None:
        self.db, self.store_code = db, store_code
        self._lock = threading.Lock()
        self._catalogue: tuple[int, Catalogue, frozenset[str]] | None = None
        self._program: tuple | None = None  # (seq, payload, loaded payload, versions, Program per version)

    def _get(self, entity_type: str, entity_id: str) -> dict[str, Any] | None:
        with self.db.reading() as conn:
            return cache.get(conn, entity_type, entity_id)

    def product(self, sku: str) -> dict[str, Any] | None:
        found = self._get(Entity.PRODUCT, sku)
        return found if found and found.get("active", True) else None

    def product_for_code(self, code: str) -> dict[str, Any] | None:
        """A product by one of its barcodes, or by its sku typed at the till."""
        with self.db.reading() as conn:
            sku = cache.sku_for_barcode(conn, code)
        return self.product(sku or code)

    def find_products(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        """Active products whose name holds every word of ``text`` (or whose sku it is), by name."""
        words = text.split()[:5]
        if not words:
            return []
        with self.db.reading() as conn:
            found = cache.search_products(conn, words, limit * 2)  # room for the inactive ones dropped
        return [p for p in found if p.get("active", True)][:limit]

    def card(self, number: str) -> dict[str, Any] | None:
        return self._get(Entity.CARD, number)

    def card_for_chip(self, chip_uid: str) -> str | None:
        """The card number registered to a contactless chip UID, or None."""
        with self.db.reading() as conn:
            return cache.card_for_chip(conn, chip_uid)

    def member(self, member_id: str) -> dict[str, Any] | None:
        return self._get(Entity.MEMBER, member_id)

    def store(self) -> dict[str, Any]:
        return self._get(Entity.STORE, self.store_code) or {"code": self.store_code, "name": self.store_code,
                                                            "timezone": "UTC"}

    def program(self, at: datetime | None = None) -> Program:
        """The loyalty rules in force at ``at`` (a sale's time); with None, the newest version's,
        for what every version shares (the card range, the currency). Versions are checked once
        per change of the entity, not per call."""
        with self.db.reading() as conn:
            seq = cache.max_seq(conn, Entity.PROGRAM)
            kept = self._program if self._program is not None and self._program[0] == seq else None
            raw = None if kept is not None else cache.get(conn, Entity.PROGRAM, "loyalty")
        if kept is None:
            if raw is None:
                raise NotReady("the loyalty rules have not been synced from the server yet")
            loaded = ProgramPayload().load(raw)
            kept = (seq, raw, loaded, programme_versions(loaded), {})
            with self._lock:
                self._program = kept
        _, raw, loaded, versions, built = kept
        if not versions:
            return Program.from_payload(raw)
        chosen = version_in_force(versions, at or max(v.effective_from for v in versions))
        if chosen.number not in built:
            built[chosen.number] = Program.of_version(loaded["currency"], loaded["card_prefix"], chosen,
                                                      self.store().get("timezone") or "UTC")
        return built[chosen.number]

    def caught_up_at(self) -> datetime | None:
        """When the till last had every change the server had published."""
        with self.db.reading() as conn:
            text = cache.get_state(conn, LAST_CAUGHT_UP)
        return None if text is None else datetime.fromisoformat(text)

    def catalogue(self) -> Catalogue:
        return self.catalogue_at()[1]

    def catalogue_at(self) -> tuple[int | None, Catalogue]:
        """The feed cursor and the promotion catalogue as of it, read together: a sale priced with
        this catalogue names this cursor, and the server re-prices it with the same promotions."""
        with self.db.reading() as conn:
            cursor, version = cache.get_cursor(conn), cache.max_seq(conn, Entity.PROMOTION)
            kept = self._catalogue  # the one this read is matched against, whatever other threads do
            payloads = None if kept is not None and kept[0] == version else cache.all_of(conn, Entity.PROMOTION)
        if payloads is None:
            return cursor, kept[1]
        built = (version, Catalogue(_promotions(payloads)), _caps_reached(payloads))
        with self._lock:
            self._catalogue = built
        return cursor, built[1]

    def caps_reached(self) -> frozenset[str]:
        """The chain-capped promotions the feed says have reached their cap (``cap_reached``)."""
        self.catalogue_at()
        return self._catalogue[2]


def _caps_reached(payloads: list[dict[str, Any]]) -> frozenset[str]:
    return frozenset(str(p.get("id")) for p in payloads if p.get("cap_reached"))


def _promotions(payloads: list[dict[str, Any]]) -> list:
    built = []
    for payload in payloads:
        if payload.get("state", "active") not in LIVE_STATES:
            continue
        try:
            built.append(from_payload(payload))
        except (PromotionError, KeyError, ValueError, TypeError) as exc:
            # One bad promotion must not stop the till from selling; it is logged for HQ.
            log.error("promotion %s skipped: %s", payload.get("id"), exc)
    return built
