"""request counts: requests per bucket and fixed window, for rate limits without Redis

Revision ID: member18b_0001_request_counts
Revises: member18_0012_partners
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "member18b_0001_request_counts"
down_revision = "member18_0012_partners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_counts",
        sa.Column("bucket", sa.String(length=128), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_request_counts")),
    )
    op.create_index(op.f("ix_request_counts_window_start"), "request_counts", ["window_start"])


def downgrade() -> None:
    op.drop_index(op.f("ix_request_counts_window_start"), table_name="request_counts")
    op.drop_table("request_counts")
