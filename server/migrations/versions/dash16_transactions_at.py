"""transactions by time: the simulation on past sales reads a period's sales in (at, id) order

Each page of 500 sales it replays was found by a scan of the whole transactions table (no index
led with ``at``), so a period's cost grew with the table times its pages. This index serves both
the period's count and each page from where the last ended.

Revision ID: dash16_transactions_at
Revises: dash16_chain_day
Create Date: 2026-11-30
"""

from alembic import op

revision = "dash16_transactions_at"
down_revision = "dash16_chain_day"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_transactions_at_id", "transactions", ["at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_transactions_at_id", table_name="transactions")
