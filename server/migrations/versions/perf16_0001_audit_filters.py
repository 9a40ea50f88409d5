"""audit filters: the audit log by actor and by target, newest first

The back office's audit page filters by actor or target and orders by time; erasure finds a
member's records by target. Without these PostgreSQL read the whole log (or walked ix_audit_log_at
backwards filtering every row) for each page. tests/integration/admin_ui/test_audit_plans.py EXPLAINs them.

Revision ID: perf16_0001_audit_filters
Revises: reports15_report_indexes
Create Date: 2026-11-30
"""

from alembic import op

revision = "perf16_0001_audit_filters"
down_revision = "reports15_report_indexes"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_audit_log_actor_at", ["actor", "at"]),
    ("ix_audit_log_target_at", ["target", "at"]),
)


def upgrade() -> None:
    for name, columns in INDEXES:
        op.create_index(name, "audit_log", columns, unique=False)


def downgrade() -> None:
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="audit_log")
