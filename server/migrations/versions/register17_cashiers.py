"""cashiers at the till: staff PINs, the cashier on each transaction, and till events

Revision ID: register17_cashiers
Revises: 0010_promotion_rollups
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "register17_cashiers"
down_revision = "0010_promotion_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pin_hash", sa.String(length=255), nullable=True))
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cashier_id", sa.String(length=36), nullable=True))
    op.create_table(
        "till_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("terminal_code", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cashier_id", sa.Uuid(), nullable=True),
        sa.Column("approver_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_till_events_store_at", "till_events", ["store_code", "at"])
    op.create_index("ix_till_events_kind_at", "till_events", ["kind", "at"])
    op.create_index("ix_till_events_cashier_id", "till_events", ["cashier_id"])


def downgrade() -> None:
    op.drop_table("till_events")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_column("cashier_id")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("pin_hash")
