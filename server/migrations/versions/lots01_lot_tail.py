"""member balances: a short tail of open lots, so a sale that earns need not rewrite every open lot

A member who earns every week and never spends has hundreds of open lots; each sale decoded,
re-encoded and rewrote them all. Lots a sale forms now go to ``lot_tail`` (a few at most), and
``lots`` is written only when the tail is full or an entry changes older lots
(server.membership.balances). Existing rows start with an empty tail.

Revision ID: lots01_lot_tail
Revises: 0011_balance_summary
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "lots01_lot_tail"
down_revision = "0011_balance_summary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member_balances") as batch:
        batch.add_column(sa.Column("lot_tail", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    # Fold each tail into its row's lots first (the lots are the open lots only together), in the
    # first-expiring-first order the code before this kept them in (UTC ISO times sort as text).
    bind = op.get_bind()
    balances = sa.table("member_balances", sa.column("member_id", sa.Uuid()), sa.column("lots", sa.JSON()),
                        sa.column("lot_tail", sa.JSON()))
    rows = bind.execute(sa.select(balances.c.member_id, balances.c.lots, balances.c.lot_tail)).all()
    for member_id, lots, tail in rows:
        folded = sorted([*lots, *tail], key=lambda lot: (lot[2] is None, lot[2] or lot[1], lot[1], lot[0]))
        if folded != lots:
            bind.execute(sa.update(balances).where(balances.c.member_id == member_id).values(lots=folded))
    with op.batch_alter_table("member_balances") as batch:
        batch.drop_column("lot_tail")
