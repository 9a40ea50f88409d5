"""adjustment approvals: staff adjustments above the adjuster's limits wait for a second staff user

A member-service user could add or remove any number of points alone. Each role now has limits
(per adjustment and per 24 hours); above them the adjustment is kept here, pending, until another
staff user approves or rejects it. The index finds a staff user's adjustments of the last 24 hours.

Revision ID: 0008_adjustment_approvals
Revises: 0007_job_watermarks
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_adjustment_approvals"
down_revision = "0007_job_watermarks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adjustment_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("adjustment_id", sa.String(length=64), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("exceeded", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("points <> 0", name=op.f("ck_adjustment_requests_points_not_zero")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_adjustment_requests_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment_requests")),
        sa.UniqueConstraint("member_id", "adjustment_id", name=op.f("uq_adjustment_requests_member_id")),
    )
    op.create_index("ix_adjustment_requests_state", "adjustment_requests", ["state", "requested_at"],
                    unique=False)
    op.create_index("ix_ledger_entries_actor_recorded_at", "ledger_entries", ["actor", "recorded_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_actor_recorded_at", table_name="ledger_entries")
    op.drop_index("ix_adjustment_requests_state", table_name="adjustment_requests")
    op.drop_table("adjustment_requests")
