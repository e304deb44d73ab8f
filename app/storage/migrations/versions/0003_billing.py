"""billing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gst_filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_type', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('arn', sa.String(length=20), server_default='', nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('marked_by', sa.String(length=64), nullable=False),
    sa.Column('marked_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gst_filings')),
    sa.UniqueConstraint('return_type', 'period_start', name='uq_gst_filings_return_period')
    )
    op.create_table('held_bills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('cart_json', sa.Text(), nullable=False),
    sa.Column('held_at', sa.String(length=32), nullable=False),
    sa.Column('held_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_bills'))
    )
    op.create_table('number_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('fy', sa.String(length=7), nullable=False),
    sa.Column('device', sa.String(length=4), server_default='', nullable=False),
    sa.Column('prefix', sa.String(length=8), nullable=False),
    sa.Column('next_serial', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_series')),
    sa.UniqueConstraint('kind', 'fy', 'device', name='uq_number_series_kind_fy_device')
    )
    op.create_table('shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.String(length=32), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('opening_cash', sa.BigInteger(), nullable=False),
    sa.Column('closed_at', sa.String(length=32), nullable=True),
    sa.Column('counted_cash', sa.BigInteger(), nullable=True),
    sa.Column('expected_cash', sa.BigInteger(), nullable=True),
    sa.Column('close_note', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shifts'))
    )
    op.create_table('parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200, collation='NOCASE'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('gstin', sa.String(length=15), nullable=True),
    sa.Column('state_code', sa.String(length=2), server_default='', nullable=False),
    sa.Column('billing_address', sa.Text(), server_default='', nullable=False),
    sa.Column('billing_pin', sa.String(length=6), server_default='', nullable=False),
    sa.Column('shipping_address', sa.Text(), server_default='', nullable=False),
    sa.Column('shipping_state', sa.String(length=2), server_default='', nullable=False),
    sa.Column('shipping_pin', sa.String(length=6), server_default='', nullable=False),
    sa.Column('phone', sa.String(length=15), server_default='', nullable=False),
    sa.Column('email', sa.String(length=120), server_default='', nullable=False),
    sa.Column('credit_limit', sa.BigInteger(), nullable=True),
    sa.Column('credit_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('composition', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_parties_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parties')),
    sa.UniqueConstraint('account_id', name=op.f('uq_parties_account_id')),
    sa.UniqueConstraint('gstin', name=op.f('uq_parties_gstin')),
    sa.UniqueConstraint('name', name=op.f('uq_parties_name'))
    )
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.create_index('ix_parties_phone', ['phone'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('number_scope', sa.String(length=24), nullable=False),
    sa.Column('fy', sa.String(length=7), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('doc_date', sa.Date(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('cp_name', sa.String(length=200), nullable=False),
    sa.Column('cp_gstin', sa.String(length=15), nullable=True),
    sa.Column('cp_state', sa.String(length=2), server_default='', nullable=False),
    sa.Column('cp_address', sa.Text(), server_default='', nullable=False),
    sa.Column('cp_pin', sa.String(length=6), server_default='', nullable=False),
    sa.Column('cp_ship_address', sa.Text(), nullable=True),
    sa.Column('cp_ship_state', sa.String(length=2), nullable=True),
    sa.Column('cp_ship_pin', sa.String(length=6), nullable=True),
    sa.Column('cp_phone', sa.String(length=15), server_default='', nullable=False),
    sa.Column('place_of_supply', sa.String(length=2), nullable=False),
    sa.Column('seller_state', sa.String(length=2), nullable=False),
    sa.Column('seller_scheme', sa.String(length=16), nullable=False),
    sa.Column('reverse_charge', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('inter_state', sa.Boolean(), nullable=False),
    sa.Column('state_tax_head', sa.String(length=5), nullable=False),
    sa.Column('taxable', sa.BigInteger(), nullable=False),
    sa.Column('cgst', sa.BigInteger(), nullable=False),
    sa.Column('sgst', sa.BigInteger(), nullable=False),
    sa.Column('igst', sa.BigInteger(), nullable=False),
    sa.Column('cess', sa.BigInteger(), nullable=False),
    sa.Column('round_off', sa.BigInteger(), nullable=False),
    sa.Column('grand_total', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('export_with_payment', sa.Boolean(), nullable=True),
    sa.Column('port_code', sa.String(length=6), server_default='', nullable=False),
    sa.Column('shipping_bill', sa.String(length=20), server_default='', nullable=False),
    sa.Column('shipping_bill_date', sa.Date(), nullable=True),
    sa.Column('to_sez', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('original_id', sa.Integer(), nullable=True),
    sa.Column('original_number', sa.String(length=16), server_default='', nullable=False),
    sa.Column('original_date', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('itc_eligible', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('our_reference', sa.String(length=24), server_default='', nullable=False),
    sa.Column('irn', sa.String(length=64), nullable=True),
    sa.Column('ack_no', sa.String(length=20), nullable=True),
    sa.Column('ack_date', sa.Date(), nullable=True),
    sa.Column('signed_qr', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('cancel_voucher_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['cancel_voucher_id'], ['vouchers.id'], name=op.f('fk_documents_cancel_voucher_id_vouchers')),
    sa.ForeignKeyConstraint(['original_id'], ['documents.id'], name=op.f('fk_documents_original_id_documents')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_documents_party_id_parties')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_documents_voucher_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('number_scope', 'fy', 'number', name='uq_documents_scope_fy_number')
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_date', ['doc_date'], unique=False)
        batch_op.create_index('ix_documents_party', ['party_id'], unique=False)

    op.create_table('document_lines',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('hsn', sa.String(length=8), server_default='', nullable=False),
    sa.Column('uqc', sa.String(length=3), nullable=False),
    sa.Column('qty', sa.BigInteger(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('price_includes_tax', sa.Boolean(), nullable=False),
    sa.Column('discount_pct', sa.BigInteger(), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('discount', sa.BigInteger(), nullable=False),
    sa.Column('taxable', sa.BigInteger(), nullable=False),
    sa.Column('gst_rate', sa.BigInteger(), nullable=False),
    sa.Column('cess_rate', sa.BigInteger(), nullable=False),
    sa.Column('cgst', sa.BigInteger(), nullable=False),
    sa.Column('sgst', sa.BigInteger(), nullable=False),
    sa.Column('igst', sa.BigInteger(), nullable=False),
    sa.Column('cess', sa.BigInteger(), nullable=False),
    sa.Column('taxability', sa.String(length=10), nullable=False),
    sa.Column('godown_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_document_lines_batch_id_batches')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_lines_document_id_documents')),
    sa.ForeignKeyConstraint(['godown_id'], ['godowns.id'], name=op.f('fk_document_lines_godown_id_godowns')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_document_lines_item_id_items')),
    sa.PrimaryKeyConstraint('document_id', 'line_no', name=op.f('pk_document_lines'))
    )
    op.create_table('settlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('settle_date', sa.Date(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=60), server_default='', nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_settlements_document_id_documents')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_settlements_party_id_parties')),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_settlements_shift_id_shifts')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_settlements_voucher_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlements'))
    )
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.create_index('ix_settlements_document', ['document_id'], unique=False)
        batch_op.create_index('ix_settlements_party', ['party_id'], unique=False)

    op.create_table('allocations',
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_allocations_document_id_documents')),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_allocations_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('settlement_id', 'document_id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index('ix_allocations_document', ['document_id'], unique=False)

    # Issued documents and their lines are never deleted, and lines never change: a
    # cancellation keeps the number and posts reversals (CGST Rule 46(b), audit trail rule).
    op.execute(
        "CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents "
        "BEGIN SELECT RAISE(ABORT, 'issued documents are never deleted'); END"
    )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER document_lines_no_{verb.lower()} BEFORE {verb} ON document_lines "
            "BEGIN SELECT RAISE(ABORT, 'document lines are never changed'); END"
        )


def downgrade() -> None:
    raise NotImplementedError("Bahi migrates forward only; restore the pre-migration backup.")
