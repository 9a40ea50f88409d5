"""terminal suspension: when an admin suspended a terminal (its points tender is not credited)

A suspended terminal still signs in, syncs and posts its sales; while ``suspended_at`` is set the
server places no hold for it and credits none of the points its sales tender (see
``server.terminals``). Resuming clears it.

Revision ID: fix11_terminal_suspension
Revises: 0008_revocation_and_audit_bursts
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "fix11_terminal_suspension"
down_revision = "0008_revocation_and_audit_bursts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terminals", schema=None) as batch_op:
        batch_op.drop_column("suspended_at")
