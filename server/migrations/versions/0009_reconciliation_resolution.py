"""reconciliation resolution: HQ closes an exception with a note, and who and when are kept

Revision ID: 0009_reconciliation_resolution
Revises: 0002_loyalty
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_reconciliation_resolution"
# The table was created in 0002_loyalty and no later revision changes it: this branches from there.
down_revision = "0002_loyalty"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reconciliation_exceptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("resolution_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reconciliation_exceptions", schema=None) as batch_op:
        batch_op.drop_column("resolution_note")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("resolved_at")
