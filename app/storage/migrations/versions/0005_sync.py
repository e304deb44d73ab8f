"""sync

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("k", sa.String(length=40), nullable=False),
        sa.Column("v", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("k", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("device_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tx_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=90), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("device_seq", name=op.f("pk_sync_outbox")),
        sa.UniqueConstraint("tx_id", name=op.f("uq_sync_outbox_tx_id")),
    )
    op.create_table(
        "sync_applied",
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("device_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "device_seq", name=op.f("pk_sync_applied")),
    )
    op.create_table(
        "sync_ids",
        sa.Column("tbl", sa.String(length=32), nullable=False),
        sa.Column("gid", sa.String(length=80), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "gid", name=op.f("pk_sync_ids")),
    )
    op.create_index("ix_sync_ids_local", "sync_ids", ["tbl", "local_id"], unique=False)
    op.create_table(
        "sync_fields",
        sa.Column("tbl", sa.String(length=32), nullable=False),
        sa.Column("gid", sa.String(length=80), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("hlc", sa.String(length=90), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "gid", "field", name=op.f("pk_sync_fields")),
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tbl", sa.String(length=32), nullable=False),
        sa.Column("gid", sa.String(length=80), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("kept", sa.Text(), nullable=False),
        sa.Column("kept_hlc", sa.String(length=90), nullable=False),
        sa.Column("lost", sa.Text(), nullable=False),
        sa.Column("lost_hlc", sa.String(length=90), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    op.create_table(
        "sync_quarantine",
        sa.Column("server_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("pk_sync_quarantine")),
    )


def downgrade() -> None:
    for table in (
        "sync_quarantine",
        "sync_conflicts",
        "sync_fields",
        "sync_ids",
        "sync_applied",
        "sync_outbox",
        "sync_state",
    ):
        op.drop_table(table)
