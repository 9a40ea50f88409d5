"""promotion roll-ups: members' spend per day, products per day, what each promotion gave

The promotion report (GET /reports/promotions/{id}) reads these, never the raw sales: a member's
sales per UTC day (spend per member over a promotion's window, treated against held out), sale
lines per product and day (the promoted items before and during), and per promotion the sales it
discounted and the bonus points it credited, per day and per member.

Revision ID: 0010_promotion_rollups
Revises: 0009_report_rollups
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_promotion_rollups"
down_revision = "0009_report_rollups"
branch_labels = None
depends_on = None


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]


def _given() -> list[sa.Column]:
    return [sa.Column("discounted_sales", sa.Integer(), nullable=False), *_counts("discount_minor"),
            sa.Column("bonus_sales", sa.Integer(), nullable=False), *_counts("bonus_points")]


def upgrade() -> None:
    op.create_table(
        "rollup_member_day",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        *_counts("amount_minor"),
        sa.PrimaryKeyConstraint("member_id", "day", name=op.f("pk_rollup_member_day")),
    )
    op.create_index("ix_rollup_member_day_day", "rollup_member_day", ["day"], unique=False)
    op.create_table(
        "rollup_product_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        *_counts("lines", "qty", "amount_minor"),
        sa.PrimaryKeyConstraint("day", "sku", "category", name=op.f("pk_rollup_product_day")),
    )
    op.create_table(
        "rollup_promotion_day",
        sa.Column("promotion_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        *_given(),
        sa.PrimaryKeyConstraint("promotion_id", "day", "member", name=op.f("pk_rollup_promotion_day")),
    )
    op.create_table(
        "rollup_promotion_member",
        sa.Column("promotion_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        *_given(),
        sa.PrimaryKeyConstraint("promotion_id", "member_id", name=op.f("pk_rollup_promotion_member")),
    )


def downgrade() -> None:
    for table in ("rollup_promotion_member", "rollup_promotion_day", "rollup_product_day", "rollup_member_day"):
        op.drop_table(table)  # their indexes go with them
