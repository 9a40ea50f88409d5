"""The members' points while the generator writes: lots taken first-expiring first, and the expiries
after the last day, as the expiry job would write them, and the balances kept after them."""

from __future__ import annotations

from datetime import datetime

from loyalty.expiry import expire_due
from loyalty.ledger import Ledger, replay
from server.demo.bulk import BATCH, COLUMNS, Writer
from server.demo.chain import Chain
from server.membership.balances import KeptLedger, kept_columns


def available(chain: Chain, member_id: str, at: datetime) -> int:
    return sum(lot[1] for lot in chain.lots.get(member_id, ()) if lot[0] is None or lot[0] > at)


def take(chain: Chain, member_id: str, at: datetime, points: int) -> None:
    """First-expiring first, from the lots alive at ``at`` (as loyalty.ledger replays a redemption)."""
    for lot in sorted((lot for lot in chain.lots[member_id] if lot[0] is None or lot[0] > at),
                      key=lambda lot: (lot[0] is None, lot[0])):
        taken = min(lot[1], points)
        lot[1], points = lot[1] - taken, points - taken
        if not points:
            return


def write_expiries(chain: Chain, end: datetime, out: Writer, progress) -> int:
    """Every lot past its expiry at ``end``, expired as the expiry job does, from the replayed ledger,
    and each member's kept balance and open lots after them (what ``post_entries`` would keep)."""
    expired = 0
    for n, (member_id, entries) in enumerate(chain.entries.items(), 1):
        expiries = expire_due(replay(member_id, entries), end)
        for e in expiries:
            out.add("ledger_entries", e.id, member_id, e.kind.value, e.points, e.at, e.expires_at, e.lot_id,
                    e.source_id, e.offline, e.reason, e.actor, e.at)
        expired += len(expiries)
        if entries:  # a member whose sales earned nothing has no entries, so no kept row
            kept = kept_columns(KeptLedger.of(Ledger(member_id, (*entries, *expiries))))
            out.add("member_balances", member_id, *(kept[name] for name in COLUMNS["member_balances"][1:]))
        if len(out.rows["ledger_entries"]) >= BATCH * 4:
            out.flush()
        if n % 1000 == 0 or n == len(chain.entries):
            progress("expiries", n, len(chain.entries))
    out.flush()
    return expired
