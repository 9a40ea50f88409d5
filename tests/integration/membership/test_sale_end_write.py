"""A sale posted online writes its waiting rows and row updates at its end (``batch_work.one_sale``):
on PostgreSQL as one statement kept per shape, or statement by statement where they do not fit it."""

from datetime import UTC, datetime

from sqlalchemy import bindparam, insert, select, update

from server.membership import batch_work
from server.models import ChangeRecord

AT = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TABLE = ChangeRecord.__table__
# Built once, its values given as parameters, as balances.store_kept builds a member's update.
SET_OP = update(TABLE).where(TABLE.c.order_key == bindparam("row_key")).values(op=bindparam("new_op"))


def _row(entity_id: str, **extra) -> dict:
    return {"entity_type": "product", "entity_id": entity_id, "op": "upsert", "payload": {"sku": entity_id},
            "created_at": AT, **extra}


def _existing(session, *entity_ids: str) -> list[int]:
    return [session.scalar(insert(ChangeRecord).values(_row(entity_id)).returning(ChangeRecord.order_key))
            for entity_id in entity_ids]


def _state(session) -> dict[str, tuple]:
    return {row.entity_id: (row.op, row.store_code, row.payload)
            for row in session.execute(select(ChangeRecord.entity_id, ChangeRecord.op, ChangeRecord.store_code,
                                              ChangeRecord.payload))}


def _sale(session, rows: list[dict], updates: list[int]) -> None:
    with batch_work.one_sale(session):
        assert batch_work.insert_later(session, ChangeRecord, rows)
        for key in updates:
            assert batch_work.write_later(session, ("row", key), SET_OP, {"row_key": key, "new_op": "delete"})


def test_a_sales_rows_and_its_update_are_written_at_its_end_and_again_for_the_next_sale(services):
    with services.db.session() as session:
        first, second = _existing(session, "OLD1", "OLD2")
        _sale(session, [_row("A1"), _row("A2")], [first])
        _sale(session, [_row("B1")], [second])  # the same shape again: the kept statement, new values
        session.commit()
        assert _state(session) == {"OLD1": ("delete", None, {"sku": "OLD1"}), "OLD2": ("delete", None, {"sku": "OLD2"}),
                                   "A1": ("upsert", None, {"sku": "A1"}), "A2": ("upsert", None, {"sku": "A2"}),
                                   "B1": ("upsert", None, {"sku": "B1"})}


def test_rows_naming_different_columns_and_two_updates_alike_are_written_one_by_one(services):
    with services.db.session() as session:
        first, second = _existing(session, "OLD1", "OLD2")
        _sale(session, [_row("A1"), _row("A2", store_code="B2")], [first, second])
        session.commit()
        assert _state(session) == {"OLD1": ("delete", None, {"sku": "OLD1"}), "OLD2": ("delete", None, {"sku": "OLD2"}),
                                   "A1": ("upsert", None, {"sku": "A1"}), "A2": ("upsert", "B2", {"sku": "A2"})}

