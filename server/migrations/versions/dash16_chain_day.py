"""chain day roll-up: the chain's sales per local day, members or not, for chain-wide ranges

The HQ dashboard over a year added up every store's day (300 stores: 219,000 ``rollup_sales_day``
rows) on each request. The roll-up job now also adds each batch's store days to one row per day
and member-or-not; this fills it from the store days already rolled up.

Revision ID: dash16_chain_day
Revises: 0009_report_rollups
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "dash16_chain_day"
down_revision = "0009_report_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_chain_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.Column("sales", sa.Integer(), nullable=False),
        sa.Column("sales_minor", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.BigInteger(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("returns_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "member", name=op.f("pk_rollup_chain_day")),
    )
    op.execute("INSERT INTO rollup_chain_day (day, member, sales, sales_minor, items, returns, returns_minor) "
               "SELECT day, member, SUM(sales), SUM(sales_minor), SUM(items), SUM(returns), SUM(returns_minor) "
               "FROM rollup_sales_day GROUP BY day, member")


def downgrade() -> None:
    op.drop_table("rollup_chain_day")
