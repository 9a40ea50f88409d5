"""taxes: tax classes with rates, and whether a store's prices include tax

Products have named a tax class (``standard`` by default) since the catalogue began; the classes
now exist with a rate each. ``standard`` is made at 0 % so every existing product keeps exactly
its price, tax and total until the chain sets its rates; any other class a product already names
is made the same way, at 0 %, under its own code. Stores' prices stay tax-inclusive.

Revision ID: tax13_taxes
Revises: 0009_coupon_holds (the pricing branch, see server.dbmigrate)
Create Date: 2026-11-30
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "tax13_taxes"
down_revision = "0009_coupon_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    classes = op.create_table(
        "tax_classes",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name=op.f("ck_tax_classes_rate_in_range")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_tax_classes")),
    )
    named = {row[0] for row in op.get_bind().execute(sa.text("SELECT DISTINCT tax_class FROM products"))}
    made = datetime(2026, 11, 30, tzinfo=UTC)
    op.bulk_insert(classes, [{"code": code, "name": "Standard" if code == "standard" else code, "rate_bp": 0,
                              "updated_at": made} for code in sorted(named | {"standard"})])
    op.add_column("stores", sa.Column("prices_include_tax", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("prices_include_tax")
    op.drop_table("tax_classes")
