"""change feed: change_log (sequenced by the sequencer) and feed_positions (sync health)

Revision ID: 0003_change_feed
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_change_feed"
down_revision = "0001"
branch_labels = None
depends_on = None

UNSEQUENCED = sa.text("seq IS NULL")


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("order_key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f("ck_change_log_op")),
        sa.PrimaryKeyConstraint("order_key", name=op.f("pk_change_log")),
    )
    op.create_index(op.f("ix_change_log_seq"), "change_log", ["seq"], unique=True)
    op.create_index("ix_change_log_unsequenced", "change_log", ["order_key"], unique=False,
                    postgresql_where=UNSEQUENCED, sqlite_where=UNSEQUENCED)
    op.create_index("ix_change_log_store_code_seq", "change_log", ["store_code", "seq"], unique=False)
    op.create_index("ix_change_log_entity_seq", "change_log", ["entity_type", "entity_id", "seq"],
                    unique=False)

    op.create_table(
        "feed_positions",
        sa.Column("terminal_id", sa.Uuid(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminals.id"],
                                name=op.f("fk_feed_positions_terminal_id_terminals")),
        sa.PrimaryKeyConstraint("terminal_id", name=op.f("pk_feed_positions")),
    )


def downgrade() -> None:
    op.drop_table("feed_positions")
    op.drop_index("ix_change_log_entity_seq", table_name="change_log")
    op.drop_index("ix_change_log_store_code_seq", table_name="change_log")
    op.drop_index("ix_change_log_unsequenced", table_name="change_log")
    op.drop_index(op.f("ix_change_log_seq"), table_name="change_log")
    op.drop_table("change_log")
