"""chain category day roll-up: the chain's sale lines per local day and category, members or not

The sales-by-category report over a chain-wide range added up every store's category days (a
chain-year: millions of ``rollup_category_day`` rows) on each request. The roll-up job now also
adds each batch's category days to one row per day, category and member-or-not; this fills it
from the category days already rolled up, so a live database keeps its history.

Revision ID: rep15a_chain_category_day
Revises: dash16_transactions_at
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "rep15a_chain_category_day"
down_revision = "dash16_transactions_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_chain_category_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "category", "member", name=op.f("pk_rollup_chain_category_day")),
    )
    op.execute("INSERT INTO rollup_chain_category_day (day, category, member, lines, qty, amount_minor) "
               "SELECT day, category, member, SUM(lines), SUM(qty), SUM(amount_minor) "
               "FROM rollup_category_day GROUP BY day, category, member")


def downgrade() -> None:
    op.drop_table("rollup_chain_category_day")
