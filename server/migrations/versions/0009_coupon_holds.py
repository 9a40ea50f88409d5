"""coupon holds: an online till reserves a sale's limited coupons before the sale completes

A single-use coupon was accepted by several online tills at once and only reported when their
sales arrived. A till now reserves the codes first; a second till is refused while the
reservation lives or once the code is used. The index finds a code's live reservations.

Revision ID: 0009_coupon_holds
Revises: 0006_promotion_uses (coupon codes; a branch of its own, see server.dbmigrate)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_coupon_holds"
down_revision = "0006_promotion_uses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupon_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("terminal_code", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code"], ["coupon_codes.code"], name=op.f("fk_coupon_holds_code_coupon_codes")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_coupon_holds_member_id_members")),
        sa.PrimaryKeyConstraint("id", "code", name=op.f("pk_coupon_holds")),
    )
    op.create_index("ix_coupon_holds_code_status", "coupon_holds", ["code", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_coupon_holds_code_status", table_name="coupon_holds")
    op.drop_table("coupon_holds")
