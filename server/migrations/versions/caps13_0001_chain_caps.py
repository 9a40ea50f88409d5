"""chain-wide usage caps: reservations of a capped promotion's uses, and the uses posted sales made

A promotion may give itself to at most N sales in the chain ("the first 1,000 customers"), members
and anonymous shoppers alike. An online till reserves a use (``cap_holds``, the life of a coupon
hold); each posted sale that used a capped promotion is one ``cap_uses`` row, which the server
counts under the promotion's row lock. ``over_cap`` marks an offline sale accepted beyond the cap.

Revision ID: caps13_0001_chain_caps
Revises: fix11_offer_holds
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "caps13_0001_chain_caps"
down_revision = "fix11_offer_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cap_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("promotion_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("terminal_code", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_cap_holds_member_id_members")),
        sa.PrimaryKeyConstraint("id", "promotion_id", name=op.f("pk_cap_holds")),
    )
    op.create_index("ix_cap_holds_promotion_status", "cap_holds", ["promotion_id", "status"], unique=False)
    op.create_table(
        "cap_uses",
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("promotion_id", sa.String(length=64), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("terminal_code", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("over_cap", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("transaction_id", "promotion_id", name=op.f("pk_cap_uses")),
    )
    op.create_index("ix_cap_uses_promotion", "cap_uses", ["promotion_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cap_uses_promotion", table_name="cap_uses")
    op.drop_table("cap_uses")
    op.drop_index("ix_cap_holds_promotion_status", table_name="cap_holds")
    op.drop_table("cap_holds")
