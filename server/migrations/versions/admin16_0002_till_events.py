"""till events: indexes for the newest events of the chain and of one till (the back office's list)

Without them the unfiltered list sorts every event to show fifty, and a till's list reads every
event of its store.

Revision ID: admin16_0002_till_events
Revises: register17_cashiers
Create Date: 2026-11-30
"""

from alembic import op

revision = "admin16_0002_till_events"
down_revision = "register17_cashiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_till_events_at_id", "till_events", ["at", "id"])
    op.create_index("ix_till_events_till_at", "till_events", ["store_code", "terminal_code", "at"])


def downgrade() -> None:
    op.drop_index("ix_till_events_till_at", table_name="till_events")
    op.drop_index("ix_till_events_at_id", table_name="till_events")
