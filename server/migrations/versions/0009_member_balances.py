"""member balances: each member's balance, debt and open lots, kept in step with the ledger

Look-ups and sales read one row instead of the member's whole ledger (server.membership.balances).
The rows are backfilled here by replaying every member's entries with the same pure rules.

Revision ID: 0009_member_balances
Revises: 0008_adjustment_approvals
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_member_balances"
down_revision = "0008_adjustment_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_balances",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("debt", sa.Integer(), nullable=False),
        sa.Column("lot_shortfall", sa.Integer(), nullable=False),
        sa.Column("lots", sa.JSON(), nullable=False),
        sa.Column("last_key", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_balances_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_balances")),
    )
    _backfill()


def _backfill() -> None:
    # Plain rows and the pure rules (not the ORM models, which later migrations may change), so
    # the kept figures are what post_entries keeps: open lots and the latest entry's replay key.
    from loyalty.entries import Entry, replay_key
    from loyalty.ledger import Ledger

    bind = op.get_bind()
    moment = sa.DateTime(timezone=True)
    entries = sa.table("ledger_entries", sa.column("id", sa.Uuid()), sa.column("member_id", sa.Uuid()),
                       sa.column("kind", sa.String()), sa.column("points", sa.Integer()), sa.column("at", moment),
                       sa.column("expires_at", moment), sa.column("lot_id", sa.Uuid()),
                       sa.column("source_id", sa.String()), sa.column("offline", sa.Boolean()),
                       sa.column("reason", sa.String()), sa.column("actor", sa.String()))
    balances = sa.table("member_balances", sa.column("member_id", sa.Uuid()), sa.column("balance", sa.Integer()),
                        sa.column("debt", sa.Integer()), sa.column("lot_shortfall", sa.Integer()),
                        sa.column("lots", sa.JSON()), sa.column("last_key", sa.JSON()))
    by_member: dict = {}
    for row in bind.execute(sa.select(entries)).mappings():
        by_member.setdefault(row["member_id"], []).append(Entry(
            id=row["id"], account_id=str(row["member_id"]), kind=row["kind"], points=row["points"],
            at=_utc(row["at"]), expires_at=_utc(row["expires_at"]), lot_id=row["lot_id"],
            source_id=row["source_id"], offline=row["offline"], reason=row["reason"], actor=row["actor"]))
    for member_id, member_entries in by_member.items():
        ledger = Ledger(str(member_id), tuple(member_entries))
        state, (at, credit_rank, kind_rank, last_id) = ledger.state, replay_key(ledger.entries[-1])
        lots = [[str(lot.lot_id), lot.credited_at.isoformat(), lot.expires_at and lot.expires_at.isoformat(),
                 lot.points, lot.remaining] for lot in state.open_lots()]
        bind.execute(sa.insert(balances).values(
            member_id=member_id, balance=state.balance, debt=state.debt, lot_shortfall=state.lot_shortfall,
            lots=lots, last_key=[at.isoformat(), credit_rank, kind_rank, str(last_id)]))


def _utc(value):
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)  # SQLite returns naive datetimes; every stored time is UTC


def downgrade() -> None:
    op.drop_table("member_balances")

