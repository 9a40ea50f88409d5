"""partners: partner merchants, their API keys, points they issued and took, members' consent codes

Revision ID: member18_0012_partners
Revises: member18_0011_member_page
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "member18_0012_partners"
down_revision = "member18_0011_member_page"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("points_per_unit", sa.Integer(), nullable=False),
        sa.Column("unit_minor", sa.Integer(), nullable=False),
        sa.Column("issue_price_per_100", sa.Integer(), nullable=False),
        sa.Column("redeem_value_per_100", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("code", name=op.f("uq_partners_code")),
    )
    op.create_table(
        "partner_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_partner_keys_partner_id_partners")),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_partner_keys")),
    )
    op.create_index(op.f("ix_partner_keys_partner_id"), "partner_keys", ["partner_id"], unique=False)
    op.create_table(
        "partner_transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("card_number", sa.String(length=13), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_partner_transactions_member_id_members")),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"],
                                name=op.f("fk_partner_transactions_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_transactions")),
        sa.UniqueConstraint("partner_id", "reference", name="uq_partner_transactions_partner_reference"),
    )
    op.create_index("ix_partner_transactions_partner_at", "partner_transactions", ["partner_id", "at"], unique=False)
    op.create_index(op.f("ix_partner_transactions_member_id"), "partner_transactions", ["member_id"], unique=False)
    op.create_table(
        "partner_consent_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_partner_consent_codes_member_id_members")),
        sa.ForeignKeyConstraint(["used_by"], ["partners.id"], name=op.f("fk_partner_consent_codes_used_by_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_consent_codes")),
    )
    op.create_index("ix_partner_consent_codes_member_created", "partner_consent_codes", ["member_id", "created_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_partner_consent_codes_member_created", table_name="partner_consent_codes")
    op.drop_table("partner_consent_codes")
    op.drop_index(op.f("ix_partner_transactions_member_id"), table_name="partner_transactions")
    op.drop_index("ix_partner_transactions_partner_at", table_name="partner_transactions")
    op.drop_table("partner_transactions")
    op.drop_index(op.f("ix_partner_keys_partner_id"), table_name="partner_keys")
    op.drop_table("partner_keys")
    op.drop_table("partners")
