"""The till's count of its offline uses of chain-capped offers: unacknowledged offline sales only."""

from datetime import UTC, datetime, timedelta

from pos_agent.store import journal, sales
from pos_agent.store.database import Database
from pos_agent.store.journal import JournalStatus

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _sale(conn, sale_id: str, capped: set[str], offline: bool) -> None:
    journal.append(conn, sale_id, "transaction", {"id": sale_id}, T0)
    sales.record_cap_uses(conn, sale_id, capped, T0, offline)


def test_offline_sales_count_until_the_server_acknowledges_them_and_online_ones_never(tmp_path):
    db = Database(tmp_path / "till.sqlite3")
    with db.transaction() as conn:
        _sale(conn, "s1", {"coffee", "tea"}, offline=True)
        _sale(conn, "s2", {"coffee"}, offline=True)
        _sale(conn, "s3", {"coffee"}, offline=False)  # reserved at the server: counted there
    with db.reading() as conn:
        assert sales.offline_cap_uses(conn) == {"coffee": 2, "tea": 1}
        assert sales.cap_uses_of(conn, "s1") == {"coffee", "tea"}
    with db.transaction() as conn:
        journal.mark(conn, "s1", JournalStatus.ACKED, None, T0)
    with db.reading() as conn:
        assert sales.offline_cap_uses(conn) == {"coffee": 1}
    with db.transaction() as conn:
        assert journal.prune_acked(conn, T0 + timedelta(days=8)) == 1
    with db.reading() as conn:
        assert sales.cap_uses_of(conn, "s1") == set() and sales.cap_uses_of(conn, "s2") == {"coffee"}
        assert sales.offline_cap_uses(conn) == {"coffee": 1}
