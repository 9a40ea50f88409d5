"""for you picks: products picked for each profiled member from their own history

Revision ID: member18b_0002_for_you_picks
Revises: member18b_0001_request_counts
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "member18b_0002_for_you_picks"
down_revision = "member18b_0001_request_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "for_you_picks",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("because_sku", sa.String(length=64), nullable=True),
        sa.Column("score_bp", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_for_you_picks_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "sku", name=op.f("pk_for_you_picks")),
    )
    op.create_index(op.f("ix_for_you_picks_sku"), "for_you_picks", ["sku"])


def downgrade() -> None:
    op.drop_index(op.f("ix_for_you_picks_sku"), table_name="for_you_picks")
    op.drop_table("for_you_picks")
