"""The down half of store sync: a change log that writers append to and terminals read in order.

Writers call ``record_change`` inside their own transaction; ``sequence_pending`` numbers committed
changes in one serialized step; ``read_changes`` (or ``read_changes_json``) and ``snapshot`` (or
``snapshot_json``) serve them to a store; ``compaction.compact_member_changes`` deletes member
snapshots that newer changes superseded.
"""

from server.sync.feed import ChangesPageText, head_seq, read_changes, read_changes_json
from server.sync.positions import record_snapshot
from server.sync.recorder import record_change, record_changes
from server.sync.sequencer import sequence_pending
from server.sync.snapshot import snapshot, snapshot_json

__all__ = ["ChangesPageText", "head_seq", "read_changes", "read_changes_json", "record_change", "record_changes",
           "record_snapshot", "sequence_pending", "snapshot", "snapshot_json"]
