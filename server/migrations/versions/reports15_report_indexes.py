"""report indexes: the ranges and store filters the reports' EXPLAIN check found unserved

Tier changes by time (the tiers report's movements), reconciliation exceptions by time, chain-wide
and per store (the reconciliation report), and members' months per store (cross-store for one
store). tests/integration/reports/test_report_plans.py holds the reports' queries to them.

Revision ID: reports15_report_indexes
Revises: 0010_promotion_rollups
Create Date: 2026-11-30
"""

from alembic import op

revision = "reports15_report_indexes"
down_revision = "0010_promotion_rollups"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_tier_changes_at", "tier_changes", ["at"]),
    ("ix_reconciliation_exceptions_created_at", "reconciliation_exceptions", ["created_at"]),
    ("ix_reconciliation_exceptions_store_created_at", "reconciliation_exceptions", ["store_code", "created_at"]),
    ("ix_rollup_member_store_month_store_month", "rollup_member_store_month", ["store_code", "month"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
