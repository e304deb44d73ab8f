"""inventory

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('godowns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100, collation='NOCASE'), nullable=False),
    sa.Column('address', sa.Text(), server_default='', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_godowns')),
    sa.UniqueConstraint('name', name=op.f('uq_godowns_name'))
    )
    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200, collation='NOCASE'), nullable=False),
    sa.Column('sku', sa.String(length=40, collation='NOCASE'), nullable=True),
    sa.Column('hsn', sa.String(length=8), server_default='', nullable=False),
    sa.Column('gst_rate', sa.BigInteger(), nullable=False),
    sa.Column('unit', sa.String(length=3), nullable=False),
    sa.Column('mrp', sa.BigInteger(), nullable=True),
    sa.Column('sale_price', sa.BigInteger(), nullable=False),
    sa.Column('purchase_price', sa.BigInteger(), nullable=False),
    sa.Column('stock_group', sa.String(length=100, collation='NOCASE'), server_default='', nullable=False),
    sa.Column('reorder_level', sa.BigInteger(), nullable=False),
    sa.Column('reorder_qty', sa.BigInteger(), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), server_default='7', nullable=False),
    sa.Column('batch_tracked', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('serial_tracked', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('scale_plu', sa.String(length=6), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('name', name=op.f('uq_items_name')),
    sa.UniqueConstraint('scale_plu', name=op.f('uq_items_scale_plu')),
    sa.UniqueConstraint('sku', name=op.f('uq_items_sku'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_stock_group', ['stock_group'], unique=False)

    op.create_table('stock_journals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('journal_date', sa.Date(), nullable=False),
    sa.Column('narration', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_journals'))
    )
    op.create_table('batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('batch_no', sa.String(length=40), nullable=False),
    sa.Column('mfg_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_batches_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('item_id', 'batch_no', name='uq_batches_item_batch_no')
    )
    op.create_table('item_barcodes',
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_barcodes_item_id_items')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_item_barcodes'))
    )
    with op.batch_alter_table('item_barcodes', schema=None) as batch_op:
        batch_op.create_index('ix_item_barcodes_item', ['item_id'], unique=False)

    op.create_table('item_prices',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('price_list', sa.String(length=40, collation='NOCASE'), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_prices_item_id_items')),
    sa.PrimaryKeyConstraint('item_id', 'price_list', name=op.f('pk_item_prices'))
    )
    op.create_table('item_units',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('uqc', sa.String(length=3), nullable=False),
    sa.Column('factor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_units_item_id_items')),
    sa.PrimaryKeyConstraint('item_id', 'uqc', name=op.f('pk_item_units'))
    )
    op.create_table('stock_balances',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('godown_id', sa.Integer(), nullable=False),
    sa.Column('batch_key', sa.Integer(), nullable=False),
    sa.Column('qty', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['godown_id'], ['godowns.id'], name=op.f('fk_stock_balances_godown_id_godowns')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_balances_item_id_items')),
    sa.PrimaryKeyConstraint('item_id', 'godown_id', 'batch_key', name=op.f('pk_stock_balances')),
    sqlite_with_rowid=False
    )
    op.create_table('stock_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('godown_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('move_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('qty', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=True),
    sa.Column('source_kind', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_stock_moves_batch_id_batches')),
    sa.ForeignKeyConstraint(['godown_id'], ['godowns.id'], name=op.f('fk_stock_moves_godown_id_godowns')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_moves_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_moves'))
    )
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.create_index('ix_stock_moves_date_kind', ['move_date', 'kind'], unique=False)
        batch_op.create_index('ix_stock_moves_item_date', ['item_id', 'move_date'], unique=False)
        batch_op.create_index('ix_stock_moves_source', ['source_kind', 'source_id'], unique=False)

    op.create_table('stock_move_serials',
    sa.Column('move_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('godown_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['godown_id'], ['godowns.id'], name=op.f('fk_stock_move_serials_godown_id_godowns')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_move_serials_item_id_items')),
    sa.ForeignKeyConstraint(['move_id'], ['stock_moves.id'], name=op.f('fk_stock_move_serials_move_id_stock_moves')),
    sa.PrimaryKeyConstraint('move_id', 'serial', name=op.f('pk_stock_move_serials'))
    )
    with op.batch_alter_table('stock_move_serials', schema=None) as batch_op:
        batch_op.create_index('ix_stock_move_serials_item_serial', ['item_id', 'serial'], unique=False)

    # Stock moves are insert-only: a cancelled document posts opposite moves (DESIGN.md §4).
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER stock_moves_no_{verb.lower()} BEFORE {verb} ON stock_moves "
            "BEGIN SELECT RAISE(ABORT, 'stock_moves rows cannot be changed or deleted'); END"
        )
    # Search as you type over name, SKU and barcodes; trigram tokens find any substring.
    op.execute(
        "CREATE VIRTUAL TABLE item_search USING fts5(body, tokenize = 'trigram')"
    )
    # Every company starts with one godown, as a shop with one room has.
    godowns = sa.table("godowns", sa.column("id", sa.Integer), sa.column("name", sa.String))
    op.bulk_insert(godowns, [{"id": 1, "name": "Main Godown"}])


def downgrade() -> None:
    raise NotImplementedError("Bahi migrates forward only; restore the pre-migration backup.")
