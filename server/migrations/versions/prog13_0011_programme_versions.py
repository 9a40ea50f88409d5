"""programme versions: the loyalty programme as versioned data, the present values as version 1

Version 1 is what the server applied before versions existed: the body `onecard db upgrade`
builds from the ONECARD_* settings (``programme_seed``), or, run without settings, the defaults
written out here. It is in force from 2000-01-01 UTC, so every sale already posted stays under it.

Revision ID: prog13_0011_programme_versions
Revises: 0010_promotion_rollups
Create Date: 2026-11-30
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

from server.ids import new_id

revision = "prog13_0011_programme_versions"
down_revision = "0010_promotion_rollups"
branch_labels = None
depends_on = None

# The values of server/membership/program.py before this migration, as a version body.
PRESENT_VALUES = {
    "earning": {"points": 1, "per_amount_minor": 100, "unit_points": {}, "excluded_products": [],
                "excluded_categories": ["gift-cards", "tobacco"], "category_multipliers": {},
                "basis": "after_points"},
    "redemption": {"point_value": {"points": 100, "minor": 100}, "block_points": 100, "minimum_points": 500,
                   "max_share": "1/2", "combinable_tenders": ["card", "cash", "voucher"]},
    "tiers": {"basis": "spend", "window_days": 365, "review_months": 3, "crossing_sale_earns_new_tier": False,
              "levels": [{"name": "basic", "threshold": 0, "multiplier": "1", "benefits": []},
                         {"name": "silver", "threshold": 50000, "multiplier": "5/4", "benefits": []},
                         {"name": "gold", "threshold": 150000, "multiplier": "3/2", "benefits": []}]},
    "expiry": {"unit": "months", "after": 12, "month_end": True, "time_zone": "UTC"},
    "offline": {"cap_points": 2000, "window_hours": 24, "hold_ttl_seconds": 900, "max_data_age_hours": 12},
}


def upgrade() -> None:
    op.create_table(
        "programme_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_programme_versions_number_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_programme_versions_number")),
    )
    seed = context.config.attributes.get("programme_seed") or PRESENT_VALUES
    table = sa.table("programme_versions", sa.column("id", sa.Uuid()), sa.column("number", sa.Integer()),
                     sa.column("effective_from", sa.DateTime(timezone=True)), sa.column("body", sa.JSON()),
                     sa.column("created_by", sa.String()), sa.column("created_at", sa.DateTime(timezone=True)))
    sqlite = op.get_bind().dialect.name == "sqlite"

    def moment(value: datetime) -> datetime:  # as server.models.types.UTCDateTime stores it
        return value.replace(tzinfo=None) if sqlite else value

    op.bulk_insert(table, [{"id": new_id(), "number": 1, "effective_from": moment(datetime(2000, 1, 1, tzinfo=UTC)),
                            "body": seed, "created_by": "migration", "created_at": moment(datetime.now(UTC))}])


def downgrade() -> None:
    op.drop_table("programme_versions")
