"""documents

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('imported_at', sa.String(length=32), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('extracted', sa.Text(), nullable=False),
    sa.Column('corrections', sa.Text(), server_default='{}', nullable=False),
    sa.Column('supplier_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('supplier_gstin', sa.String(length=15), nullable=True),
    sa.Column('invoice_number', sa.String(length=40), server_default='', nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=True),
    sa.Column('grand_total', sa.BigInteger(), nullable=True),
    sa.Column('billing_document_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['billing_document_id'], ['documents.id'], name=op.f('fk_stored_documents_billing_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_documents')),
    sa.UniqueConstraint('billing_document_id', name=op.f('uq_stored_documents_billing_document_id')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_stored_documents_content_hash'))
    )
    with op.batch_alter_table('stored_documents', schema=None) as batch_op:
        batch_op.create_index('ix_stored_documents_invoice_date', ['invoice_date'], unique=False)
        batch_op.create_index('ix_stored_documents_supplier_gstin', ['supplier_gstin'], unique=False)

    op.create_table('stored_document_files',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['stored_documents.id'], name=op.f('fk_stored_document_files_document_id_stored_documents')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_stored_document_files'))
    )
    op.create_table('stored_document_pages',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('page_no', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('text_source', sa.String(length=8), server_default='', nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['stored_documents.id'], name=op.f('fk_stored_document_pages_document_id_stored_documents')),
    sa.PrimaryKeyConstraint('document_id', 'page_no', name=op.f('pk_stored_document_pages'))
    )
    # Full-text search over stored bills (DESIGN.md §5: inside the encrypted file). Word
    # tokens, diacritics folded; Devanagari marks stay part of their words.
    op.execute(
        "CREATE VIRTUAL TABLE stored_document_search USING "
        "fts5(name, fields, body, tokenize = 'unicode61 remove_diacritics 2')"
    )


def downgrade() -> None:
    raise NotImplementedError("Bahi migrates forward only; restore the pre-migration backup.")
