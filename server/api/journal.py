"""POST /sync/journal: a till's journal batch, applied in one transaction, answered per item (store_sync.journal)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from server.api.blueprint import Blueprint
from server.api.context import TERMINAL_SIGNED, ensure_terminal_scope, services, terminal_required
from server.exceptions import ServerBusy
from server.membership.journal import apply_batch
from store_sync.journal import PROTOCOL_VERSION, JournalBatchSchema, JournalResultSchema

blp = Blueprint("journal", __name__, url_prefix="/api/v1/sync", description="The journal up from tills")


def admitted(view: Callable) -> Callable:
    """Apply the batch in one of the process's journal slots, or answer 503 at once (``server.admission``):
    before the signature is checked or the body read, so turning a batch away costs next to nothing."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        slots = services().journal_slots
        if slots is None:
            return view(*args, **kwargs)
        if not slots.take():
            raise ServerBusy(f"this server is applying {slots.slots} journal batches already; "
                             "send the batch again after Retry-After", slots.retry_after())
        try:
            return view(*args, **kwargs)
        finally:
            slots.give_back()
    return wrapper


@blp.route("/journal", methods=["POST"])
@blp.doc(security=TERMINAL_SIGNED)
@admitted
@terminal_required
@blp.arguments(JournalBatchSchema)
@blp.response(200, JournalResultSchema)
def push_journal(batch):
    """Apply each item once; answer applied, duplicate, retry or rejected per item, in order.

    Acknowledge (mark sent) only applied and duplicate items; resend retry items later; keep
    rejected ones for the cashier's supervisor. Re-sending a whole batch is always safe.
    """
    ensure_terminal_scope(batch["store"], batch["terminal"])
    svc = services()
    # The batch is one transaction on its own session; the request holds none (SQLite allows one writer).
    results = apply_batch(svc.db.session, batch, batch["store"], batch["terminal"], svc.program, svc.clock())
    return {"protocol_version": PROTOCOL_VERSION, "results": results}
