"""offer holds: an online till reserves a sale's per-member limited promotions before it completes

A promotion limited to N uses per member could be used N times at each of several online tills at
once. A till now reserves the limited promotions of a sale with its coupons (one reservation id);
while a reservation lives it counts as one of the member's uses. The index finds a member's live
reservations of a promotion.

Revision ID: fix11_offer_holds
Revises: 0009_coupon_holds
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "fix11_offer_holds"
down_revision = "0009_coupon_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offer_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("promotion_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("terminal_code", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_offer_holds_member_id_members")),
        sa.PrimaryKeyConstraint("id", "promotion_id", name=op.f("pk_offer_holds")),
    )
    op.create_index("ix_offer_holds_member_promotion_status", "offer_holds", ["member_id", "promotion_id", "status"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_offer_holds_member_promotion_status", table_name="offer_holds")
    op.drop_table("offer_holds")
