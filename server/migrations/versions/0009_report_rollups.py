"""report roll-ups: job records for the in-process runner; roll-ups the HQ reports read

Without Redis, jobs now run on a worker thread after the request; the ``jobs`` table keeps each
job's state and progress so any server process can answer ``GET /api/v1/jobs/{id}``.

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


def downgrade() -> None:
    op.drop_index("ix_jobs_enqueued_at", table_name="jobs")
    op.drop_table("jobs")
