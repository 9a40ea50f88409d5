"""job watermarks: how far each periodic job's last completed run got

The points-expiry job rescanned every lot that was used up before it expired (no expire entry is
ever written for it) on every run; with a watermark it looks only at lots that expired, or were
recorded, since its last run.

Revision ID: 0007_job_watermarks
Revises: 0002_loyalty
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_job_watermarks"
down_revision = "0002_loyalty"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_watermarks",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_watermarks")),
    )
    op.create_index("ix_ledger_entries_expires_at", "ledger_entries", ["expires_at"], unique=False)
    op.create_index("ix_ledger_entries_recorded_at", "ledger_entries", ["recorded_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_recorded_at", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_expires_at", table_name="ledger_entries")
    op.drop_table("job_watermarks")
