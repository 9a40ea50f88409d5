"""member outbox: notices of limited specials, one row per member and promotion

Revision ID: notices18_0001_outbox
Revises: member18_0012_partners
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "notices18_0001_outbox"
down_revision = "member18_0012_partners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promotion_notices",
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["promotion_id"], ["promotions.id"],
                                name=op.f("fk_promotion_notices_promotion_id_promotions")),
        sa.PrimaryKeyConstraint("promotion_id", name=op.f("pk_promotion_notices")),
    )
    op.create_table(
        "member_messages",
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_messages_member_id_members")),
        sa.ForeignKeyConstraint(["promotion_id"], ["promotions.id"],
                                name=op.f("fk_member_messages_promotion_id_promotions")),
        sa.PrimaryKeyConstraint("promotion_id", "member_id", name=op.f("pk_member_messages")),
        sa.UniqueConstraint("id", name=op.f("uq_member_messages_id")),
    )
    op.create_index("ix_member_messages_status_due", "member_messages", ["status", "due_at"], unique=False)
    op.create_index("ix_member_messages_member", "member_messages", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_member_messages_member", table_name="member_messages")
    op.drop_index("ix_member_messages_status_due", table_name="member_messages")
    op.drop_table("member_messages")
    op.drop_table("promotion_notices")
