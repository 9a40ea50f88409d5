"""store receipt details: what a store's receipts print besides its name

Address lines, tax number, header and footer lines as one JSON object
(``server.schemas.stores.ReceiptDetailsSchema``); existing stores print none of them.

Revision ID: receipt17_store_receipt
Revises: tax13_taxes
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "receipt17_store_receipt"
down_revision = "tax13_taxes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.drop_column("receipt")
