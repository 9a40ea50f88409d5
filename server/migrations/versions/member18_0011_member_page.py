"""member page: offers clipped to a member's card, one-time sign-in codes (kept hashed)

Revision ID: member18_0011_member_page
Revises: 0010_promotion_rollups
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "member18_0011_member_page"
down_revision = "0010_promotion_rollups"
branch_labels = None
depends_on = "0004_pricing"  # the promotions table the clipped offers point at


def upgrade() -> None:
    op.create_table(
        "clipped_offers",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("clipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_clipped_offers_member_id_members")),
        sa.ForeignKeyConstraint(["promotion_id"], ["promotions.id"],
                                name=op.f("fk_clipped_offers_promotion_id_promotions")),
        sa.PrimaryKeyConstraint("member_id", "promotion_id", name=op.f("pk_clipped_offers")),
    )
    op.create_table(
        "member_sign_in_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_member_sign_in_codes_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_sign_in_codes")),
    )
    op.create_index("ix_member_sign_in_codes_member_created", "member_sign_in_codes", ["member_id", "created_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_member_sign_in_codes_member_created", table_name="member_sign_in_codes")
    op.drop_table("member_sign_in_codes")
    op.drop_table("clipped_offers")
