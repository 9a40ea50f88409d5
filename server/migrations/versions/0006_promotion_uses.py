"""promotion uses: every sale in which a promotion gave a member something (bonus points too)

Per-member usage limits counted sale_discounts, which only hold money off per line, so a
bonus-points offer limited to once a week was never counted. Existing discount rows are copied in.

Revision ID: 0006_promotion_uses
Revises: 0004_pricing
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_promotion_uses"
down_revision = "0004_pricing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promotion_uses",
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("promotion_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_promotion_uses_member_id_members")),
        sa.PrimaryKeyConstraint("transaction_id", "promotion_id", name=op.f("pk_promotion_uses")),
    )
    op.create_index("ix_promotion_uses_member_promotion_at", "promotion_uses", ["member_id", "promotion_id", "at"],
                    unique=False)
    op.execute(
        "INSERT INTO promotion_uses (transaction_id, promotion_id, member_id, store_code, at) "
        "SELECT transaction_id, promotion_id, member_id, MIN(store_code), MIN(at) FROM sale_discounts "
        "WHERE member_id IS NOT NULL GROUP BY transaction_id, promotion_id, member_id"
    )


def downgrade() -> None:
    op.drop_index("ix_promotion_uses_member_promotion_at", table_name="promotion_uses")
    op.drop_table("promotion_uses")
