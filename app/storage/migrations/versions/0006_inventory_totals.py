"""inventory totals

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # On hand per item over every godown and batch, so the stock summary reads one row per
    # item instead of adding up balances (bench/inventory.py: 100,000 items under 300 ms).
    op.create_table(
        "item_stock_totals",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_stock_totals_item_id_items")
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_stock_totals")),
    )
    # Kept by the database itself on every stock move, whichever service writes it; moves are
    # insert-only (migration 0002), so an insert trigger sees every change.
    op.execute(
        "CREATE TRIGGER stock_moves_item_totals AFTER INSERT ON stock_moves "
        "BEGIN "
        "INSERT INTO item_stock_totals (item_id, qty) VALUES (NEW.item_id, NEW.qty) "
        "ON CONFLICT (item_id) DO UPDATE SET qty = qty + excluded.qty; "
        "END"
    )
    op.execute(
        "INSERT INTO item_stock_totals (item_id, qty) "
        "SELECT item_id, SUM(qty) FROM stock_moves GROUP BY item_id"
    )
    # The summary lists items by group then name: this index gives that order and every
    # column the summary shows, so no sort and no visit to the items rows.
    op.drop_index("ix_items_stock_group", table_name="items")
    op.create_index("ix_items_group_name", "items", ["stock_group", "name", "unit"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("Bahi migrates forward only; restore the pre-migration backup.")
