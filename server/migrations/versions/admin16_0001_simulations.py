"""promotion simulations: each finished replay kept against the promotion version it replayed

Revision ID: admin16_0001_simulations
Revises: 0009_coupon_holds (the pricing branch, see server.dbmigrate)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "admin16_0001_simulations"
down_revision = "0009_coupon_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promotion_simulations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["promotion_id", "version"],
                                ["promotion_versions.promotion_id", "promotion_versions.version"],
                                name=op.f("fk_promotion_simulations_promotion_id_promotion_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_simulations")),
    )
    op.create_index("ix_promotion_simulations_version", "promotion_simulations",
                    ["promotion_id", "version", "until"])


def downgrade() -> None:
    op.drop_table("promotion_simulations")
