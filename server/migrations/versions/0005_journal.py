"""journal: rejected journal items

Revision ID: 0005_journal
Revises: 0002_loyalty
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_journal"
down_revision = "0002_loyalty"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_rejections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("terminal_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_rejections")),
        sa.UniqueConstraint("item_id", name="uq_journal_rejections_item_id"),
    )
    with op.batch_alter_table("journal_rejections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_rejections_store_code"), ["store_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("journal_rejections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_rejections_store_code"))
    op.drop_table("journal_rejections")
