"""pricing: products and barcodes, versioned promotions, coupons, segments, sale discounts

Revision ID: 0004_pricing
Revises: 0002_loyalty
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_pricing"
down_revision = "0002_loyalty"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("base_price_minor", sa.Integer(), nullable=False),
        sa.Column("tax_class", sa.String(length=16), nullable=False),
        sa.Column("excluded_from_points", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("base_price_minor >= 0", name=op.f("ck_products_price_not_negative")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
    )
    op.create_index(op.f("ix_products_category"), "products", ["category"], unique=False)
    op.create_table(
        "promotions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
    )
    op.create_index(op.f("ix_promotions_kind"), "promotions", ["kind"], unique=False)
    op.create_index(op.f("ix_promotions_state"), "promotions", ["state"], unique=False)
    op.create_table(
        "segments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("name", name=op.f("uq_segments_name")),
    )
    op.create_table(
        "coupon_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["promotion_id"], ["promotions.id"], name=op.f("fk_coupon_batches_promotion_id_promotions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_batches")),
    )
    op.create_index(op.f("ix_coupon_batches_promotion_id"), "coupon_batches", ["promotion_id"], unique=False)
    op.create_table(
        "product_barcodes",
        sa.Column("barcode", sa.String(length=14), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name=op.f("fk_product_barcodes_sku_products")),
        sa.PrimaryKeyConstraint("barcode", name=op.f("pk_product_barcodes")),
    )
    op.create_index(op.f("ix_product_barcodes_sku"), "product_barcodes", ["sku"], unique=False)
    op.create_table(
        "promotion_versions",
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["promotion_id"], ["promotions.id"], name=op.f("fk_promotion_versions_promotion_id_promotions")
        ),
        sa.PrimaryKeyConstraint("promotion_id", "version", name=op.f("pk_promotion_versions")),
    )
    op.create_table(
        "sale_discounts",
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("line_id", sa.String(length=32), nullable=False),
        sa.Column("promotion_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("coupon_code", sa.String(length=64), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_sale_discounts_member_id_members")),
        sa.PrimaryKeyConstraint("transaction_id", "line_id", "promotion_id", name=op.f("pk_sale_discounts")),
    )
    op.create_index(
        "ix_sale_discounts_member_promotion_at", "sale_discounts", ["member_id", "promotion_id", "at"], unique=False
    )
    op.create_index("ix_sale_discounts_promotion_at", "sale_discounts", ["promotion_id", "at"], unique=False)
    op.create_table(
        "segment_members",
        sa.Column("segment_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_segment_members_member_id_members")),
        sa.ForeignKeyConstraint(["segment_id"], ["segments.id"], name=op.f("fk_segment_members_segment_id_segments")),
        sa.PrimaryKeyConstraint("segment_id", "member_id", name=op.f("pk_segment_members")),
    )
    op.create_index(op.f("ix_segment_members_member_id"), "segment_members", ["member_id"], unique=False)
    op.create_table(
        "coupon_codes",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("promotion_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("uses >= 0", name=op.f("ck_coupon_codes_uses_not_negative")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["coupon_batches.id"], name=op.f("fk_coupon_codes_batch_id_coupon_batches")
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"], ["promotions.id"], name=op.f("fk_coupon_codes_promotion_id_promotions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_coupon_codes")),
    )
    op.create_index(op.f("ix_coupon_codes_promotion_id"), "coupon_codes", ["promotion_id"], unique=False)
    op.create_table(
        "coupon_redemptions",
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code"], ["coupon_codes.code"], name=op.f("fk_coupon_redemptions_code_coupon_codes")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_coupon_redemptions_member_id_members")),
        sa.PrimaryKeyConstraint("transaction_id", "code", name=op.f("pk_coupon_redemptions")),
    )
    op.create_index("ix_coupon_redemptions_code_member", "coupon_redemptions", ["code", "member_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_coupon_redemptions_code_member", table_name="coupon_redemptions")
    op.drop_table("coupon_redemptions")
    op.drop_index(op.f("ix_coupon_codes_promotion_id"), table_name="coupon_codes")
    op.drop_table("coupon_codes")
    op.drop_index(op.f("ix_segment_members_member_id"), table_name="segment_members")
    op.drop_table("segment_members")
    op.drop_index("ix_sale_discounts_promotion_at", table_name="sale_discounts")
    op.drop_index("ix_sale_discounts_member_promotion_at", table_name="sale_discounts")
    op.drop_table("sale_discounts")
    op.drop_table("promotion_versions")
    op.drop_index(op.f("ix_product_barcodes_sku"), table_name="product_barcodes")
    op.drop_table("product_barcodes")
    op.drop_index(op.f("ix_coupon_batches_promotion_id"), table_name="coupon_batches")
    op.drop_table("coupon_batches")
    op.drop_table("segments")
    op.drop_index(op.f("ix_promotions_state"), table_name="promotions")
    op.drop_index(op.f("ix_promotions_kind"), table_name="promotions")
    op.drop_table("promotions")
    op.drop_index(op.f("ix_products_category"), table_name="products")
    op.drop_table("products")
