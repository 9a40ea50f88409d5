"""The live catalogue: built once per set of live promotion versions, cached in the process.

Pricing reads the live promotions on every quote but builds (and indexes) them only when that
set changes: the cache key is the live (promotion id, version) pairs plus the coupon batches.
A sale posted online, or a journal batch, reads that key once (``batch_work.read_once``): what it
asks later of the live promotions (their usage limits and chain caps, the definition of a version
its till applied) is answered from the catalogue's definitions, without a statement.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import String, cast, literal, select, union_all
from sqlalchemy.orm import Session

from promotions import Catalogue, Period, Promotion
from server.membership import batch_work
from server.models import CouponBatch, CouponCode, PromotionRecord, PromotionVersion
from server.pricing.definitions import has_real_codes, to_promotion
from server.pricing.exceptions import InvalidDefinition
from server.pricing.states import LIVE

log = logging.getLogger(__name__)

Key = tuple[str, frozenset, frozenset]


@dataclass(frozen=True)
class LiveCatalogue:
    """A built catalogue and what quotes need to know about it without scanning it."""

    catalogue: Catalogue
    key: Key
    limited: tuple[tuple[str, Period], ...]  # promotions with a per-member usage limit
    # Every live promotion's current version and its stored definition, by id (those left out of
    # the catalogue too: a coupon promotion without codes, an invalid definition). A version never
    # changes once stored, so a (promotion, version) found here is that version's definition.
    definitions: Mapping[str, tuple[int, dict]] = field(default_factory=dict, compare=False)

    @cached_property
    def logged(self) -> dict[str, Period]:
        """The usage limit's period of each live promotion with one (of ``definitions``): a member's
        uses of these are kept in their snapshot (``server.pricing.use_log``)."""
        return {pid: Period(definition["usage_limit"]["period"])
                for pid, (_, definition) in self.definitions.items() if definition.get("usage_limit")}


class CatalogueCache:
    """Catalogues by key, the few most recent kept; one build at a time per process."""

    def __init__(self, keep: int = 4) -> None:
        self._keep = keep
        self._built: OrderedDict[Key, LiveCatalogue] = OrderedDict()
        self._lock = threading.Lock()

    def live(self, session: Session) -> LiveCatalogue:
        key = batch_work.read_once(session, _KEY_READ, lambda: live_key(session))
        with self._lock:
            found = self._built.get(key)
            if found is None:
                found = build(session)
                self._built[found.key] = found
                while len(self._built) > self._keep:
                    self._built.popitem(last=False)
                # A 10k-promotion catalogue is hundreds of thousands of long-lived objects; left
                # in the young generations, every full collection rescans them mid-sale (100-600 ms).
                gc.freeze()
            self._built.move_to_end(found.key)
            return found

    def clear(self) -> None:
        with self._lock:
            self._built.clear()


CATALOGUES = CatalogueCache()
_KEY_READ = "live promotions' versions"


def live_definitions(session: Session) -> Mapping[str, tuple[int, dict]]:
    """Each live promotion's current version and definition, by id, from the live catalogue (see
    the module docstring: no statement once its key is read)."""
    return CATALOGUES.live(session).definitions


def database_of(session: Session) -> str:
    """The session's database, as part of a cache key (one process may serve several)."""
    return session.get_bind().url.render_as_string(hide_password=True)


def live_key(session: Session) -> Key:
    """The live promotions' versions and their coupon batches, read in one statement: every sale
    and quote asks, so a second query would be a round trip on each. The ids come as the
    database's text (a key is only compared with keys of the same database): making a UUID of
    each of a thousand ids, and text of it again, took longer than the statement itself."""
    rows = session.execute(_LIVE_KEY).all()
    return (database_of(session), frozenset((id_, v) for id_, v, what in rows if what == _VERSION),
            frozenset(id_ for id_, _, what in rows if what == _BATCH))


_VERSION, _BATCH = "version", "batch"
# Built once: every sale and quote sends it, and a statement built anew costs its construction and
# its cache key each time (SQLAlchemy memoizes the key on the statement object).
_LIVE_KEY = union_all(
    select(cast(PromotionRecord.id, String), PromotionRecord.current_version, literal(_VERSION).label("what"))
    .where(PromotionRecord.state.in_(LIVE)),
    select(cast(CouponBatch.id, String), literal(0), literal(_BATCH))
    .join(PromotionRecord, PromotionRecord.id == CouponBatch.promotion_id)
    .where(PromotionRecord.state.in_(LIVE)))


def build(session: Session, extra: Promotion | None = None) -> LiveCatalogue:
    """Build from the live versions (plus ``extra`` replacing its own id, for previews)."""
    key = live_key(session)
    rows = session.execute(select(PromotionVersion.promotion_id, PromotionVersion.version,
                                  PromotionVersion.definition)
                           .join(PromotionRecord, (PromotionRecord.id == PromotionVersion.promotion_id)
                                 & (PromotionRecord.current_version == PromotionVersion.version))
                           .where(PromotionRecord.state.in_(LIVE))).all()
    codes = _codes(session, [pid for pid, _, definition in rows if definition["coupon"]])
    built = [p for p in (checked_promotion(pid, v, d, codes.get(str(pid), ())) for pid, v, d in rows)
             if p is not None]
    if extra is not None:
        built = [p for p in built if p.promotion_id != extra.promotion_id] + [extra]
    # The key is taken before the rows: if an edit lands in between, this catalogue is filed under
    # the older key and the next quote simply builds again.
    return assemble(built, key, {str(pid): (v, d) for pid, v, d in rows})


def assemble(built: list[Promotion], key: Key,
             definitions: Mapping[str, tuple[int, dict]] | None = None) -> LiveCatalogue:
    """The catalogue of ``built`` (coupon promotions without generated codes left out)."""
    live = [p for p in built if has_real_codes(p)]
    limited = tuple(sorted((p.promotion_id, p.usage_limit.period) for p in live if p.usage_limit))
    return LiveCatalogue(Catalogue(live), key, limited, definitions or {})


def _codes(session: Session, promotion_ids: list) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if promotion_ids:
        for pid, code in session.execute(select(CouponCode.promotion_id, CouponCode.code)
                                         .where(CouponCode.promotion_id.in_(promotion_ids))):
            found.setdefault(str(pid), []).append(code)
    return found


def checked_promotion(pid, version: int, definition: dict, codes: Iterable[str]) -> Promotion | None:
    """The engine's promotion, or None (logged) for a stored definition that no longer validates."""
    try:
        return to_promotion(str(pid), version, definition, codes)
    except InvalidDefinition as exc:  # validated when stored; only a hand-edited row gets here
        log.error("promotion %s version %d is invalid and left out: %s", pid, version, exc.detail)
        return None
