"""revocation and audit bursts: when a terminal was revoked; one counted audit row per burst

A revoked terminal keeps its row (its sales and audit trail point at it) with ``active`` false and
the moment of revocation. Unauthenticated terminal requests are audited as one row per remote
address, reason and minute, whose ``count`` grows; ``bucket`` names that burst and is unique so
concurrent requests add to the same row.

Revision ID: 0008_revocation_and_audit_bursts
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_revocation_and_audit_bursts"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("bucket", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_bucket"), ["bucket"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_bucket"), type_="unique")
        batch_op.drop_column("bucket")
        batch_op.drop_column("count")
    with op.batch_alter_table("terminals", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
