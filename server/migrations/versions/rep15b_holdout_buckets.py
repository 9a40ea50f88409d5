"""hold-out buckets: each member's bucket for each promotion that holds members out

The promotion report split its audience by taking a sha256 of every member on every request (at
200,000 members, most of its time). The roll-up job now keeps each member's bucket per such
promotion; this creates the table empty: the job's next run fills it, and until then the report
hashes the members that have no row, as before, so its figures never wait for the job.

Revision ID: rep15b_holdout_buckets
Revises: perf16_0001_audit_filters
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "rep15b_holdout_buckets"
down_revision = "perf16_0001_audit_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_holdout_bucket",
        sa.Column("promotion_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("promotion_id", "member_id", name=op.f("pk_rollup_holdout_bucket")),
    )


def downgrade() -> None:
    op.drop_table("rollup_holdout_bucket")
