"""member balances: open points and first expiry, so a look-up need not decode every open lot

A member with two thousand open lots made a card look-up spend most of its time decoding them.
The two columns answer "available now" directly (server.membership.balances.kept_figures); they
are backfilled here from each row's lots.

Revision ID: 0011_balance_summary
Revises: 0009_member_balances
Create Date: 2026-11-30
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011_balance_summary"
down_revision = "0009_member_balances"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("member_balances") as batch:
        batch.add_column(sa.Column("open_points", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("first_expiry", sa.DateTime(timezone=True), nullable=True))
    _backfill()
    with op.batch_alter_table("member_balances") as batch:
        batch.alter_column("open_points", existing_type=sa.Integer(), nullable=False)


def _backfill() -> None:
    bind = op.get_bind()
    balances = sa.table("member_balances", sa.column("member_id", sa.Uuid()), sa.column("lots", sa.JSON()),
                        sa.column("open_points", sa.Integer()),
                        sa.column("first_expiry", sa.DateTime(timezone=True)))
    rows = bind.execute(sa.select(balances.c.member_id, balances.c.lots)).all()
    for start in range(0, len(rows), _BATCH):
        for member_id, lots in rows[start:start + _BATCH]:
            expiries = [datetime.fromisoformat(lot[2]) for lot in lots if lot[2] is not None]
            first = min(expiries).astimezone(UTC) if expiries else None
            bind.execute(sa.update(balances).where(balances.c.member_id == member_id).values(
                open_points=sum(lot[4] for lot in lots), first_expiry=first))


def downgrade() -> None:
    with op.batch_alter_table("member_balances") as batch:
        batch.drop_column("first_expiry")
        batch.drop_column("open_points")
