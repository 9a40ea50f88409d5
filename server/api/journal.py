"""POST /sync/journal: a till's journal batch, applied in one transaction, answered per item (store_sync.journal)."""

from __future__ import annotations

from flask import g, request

from server.api.blueprint import Blueprint
from server.api.context import TERMINAL_SIGNED, ensure_terminal_scope, services, terminal_required
from server.api.guard import JOURNAL_PATH
from server.exceptions import ServerBusy
from server.membership.journal import apply_batch
from store_sync.journal import PROTOCOL_VERSION, JournalBatchSchema, JournalResultSchema

blp = Blueprint("journal", __name__, url_prefix="/api/v1/sync", description="The journal up from tills")


def admit_batch() -> None:
    """Take one of the process's journal slots for a batch, or answer 503 at once (``server.admission``).

    A ``before_request`` hook ahead of the input guard: the batch is turned away before its body is
    read or its signature checked, so turning one away costs next to nothing.
    """
    if request.method != "POST" or request.path != JOURNAL_PATH:
        return
    slots = services().journal_slots
    if slots is None:
        return
    if not slots.take():
        raise ServerBusy(f"this server is applying {slots.slots} journal batches already; "
                         "send the batch again after Retry-After", slots.retry_after())
    g.journal_slot = slots


def release_slot(_error: BaseException | None = None) -> None:
    """A ``teardown_request`` hook: give back the slot the request took, however it ended."""
    slots = g.pop("journal_slot", None)
    if slots is not None:
        slots.give_back()


@blp.route("/journal", methods=["POST"])
@blp.doc(security=TERMINAL_SIGNED)
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
