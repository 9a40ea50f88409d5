"""report roll-ups: job records for the in-process runner; roll-ups the HQ reports read

Without Redis, jobs now run on a worker thread after the request; the ``jobs`` table keeps each
job's state and progress so any server process can answer ``GET /api/v1/jobs/{id}``.

The HQ reports read roll-ups a job keeps up to date from posted sales and ledger entries (only the
rows recorded since its watermark), never the raw sales: sales by store, local day and member or
not; sale lines by category; ledger entries by day and kind; points issued and expired by earn
month; members' sales by store and month and over all time; members' outstanding lots by expiry
month. The job finds new transactions by ``received_at``, now indexed.

Revision ID: 0009_report_rollups
Revises: 0008_adjustment_approvals
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_report_rollups"
down_revision = "0008_adjustment_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("progress_note", sa.String(length=200), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_enqueued_at", "jobs", ["enqueued_at"], unique=False)
    _rollups()


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger() if big else sa.Integer(), nullable=False)
            for name, big in (n.split(":") if ":" in n else (n, "") for n in names)]


def _rollups() -> None:
    op.create_index("ix_transactions_received_at", "transactions", ["received_at"], unique=False)
    op.create_table(
        "rollup_sales_day",
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        *_counts("sales", "sales_minor:big", "items:big", "returns", "returns_minor:big"),
        sa.PrimaryKeyConstraint("store_code", "day", "member", name=op.f("pk_rollup_sales_day")),
    )
    op.create_index("ix_rollup_sales_day_day", "rollup_sales_day", ["day"], unique=False)
    op.create_table(
        "rollup_category_day",
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        *_counts("lines:big", "qty:big", "amount_minor:big"),
        sa.PrimaryKeyConstraint("store_code", "day", "category", "member", name=op.f("pk_rollup_category_day")),
    )
    op.create_index("ix_rollup_category_day_day", "rollup_category_day", ["day"], unique=False)
    op.create_table(
        "rollup_points_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        *_counts("credited:big", "debited:big", "entries:big"),
        sa.PrimaryKeyConstraint("day", "kind", name=op.f("pk_rollup_points_day")),
    )
    op.create_table(
        "rollup_points_cohort",
        sa.Column("month", sa.Date(), nullable=False),
        *_counts("issued:big", "expired:big"),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_rollup_points_cohort")),
    )
    op.create_table(
        "rollup_member_store_month",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *_counts("visits", "amount_minor:big"),
        sa.PrimaryKeyConstraint("member_id", "store_code", "month", name=op.f("pk_rollup_member_store_month")),
    )
    op.create_index("ix_rollup_member_store_month_month", "rollup_member_store_month", ["month"], unique=False)
    op.create_table(
        "rollup_member_activity",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        *_counts("visits", "amount_minor:big"),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_rollup_member_activity")),
    )
    op.create_index("ix_rollup_member_activity_last_at", "rollup_member_activity", ["last_at"], unique=False)
    op.create_table(
        "rollup_member_lots",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("bucket", sa.String(length=7), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "bucket", name=op.f("pk_rollup_member_lots")),
    )
    op.create_index("ix_rollup_member_lots_bucket", "rollup_member_lots", ["bucket"], unique=False)


ROLLUPS = ("rollup_member_lots", "rollup_member_activity", "rollup_member_store_month", "rollup_points_cohort",
           "rollup_points_day", "rollup_category_day", "rollup_sales_day")


def downgrade() -> None:
    for table in ROLLUPS:
        op.drop_table(table)  # their indexes go with them
    op.drop_index("ix_transactions_received_at", table_name="transactions")
    op.drop_index("ix_jobs_enqueued_at", table_name="jobs")
    op.drop_table("jobs")
