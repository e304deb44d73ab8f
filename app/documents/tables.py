"""Stored bills: the file as received, one image per page for the review screen, the fields
read from it, and a full-text index over its words, all inside the encrypted company file.

Nothing here is ever written to disk in plain form: the bytes live in BLOB columns of the
SQLCipher database. ``stored_documents`` carries copies of the fields the list filters on
(supplier, date, amount), kept in step with the fields JSON whenever either changes.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from app.storage.tables import metadata
from app.storage.types import Paise

stored_documents = Table(
    "stored_documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False, unique=True),  # SHA-256: dedupe
    Column("source_name", String(255), nullable=False),
    Column("imported_at", String(32), nullable=False),
    Column("imported_by", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # pdf, image
    Column("media_type", String(32), nullable=False),
    Column("byte_size", Integer, nullable=False),
    Column("page_count", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # draft, posted, rejected
    # Reading.to_json() as read, then the user's corrections over it (field -> value).
    Column("extracted", Text, nullable=False),
    Column("corrections", Text, nullable=False, server_default="{}"),
    Column("supplier_name", String(200), nullable=False, server_default=""),
    Column("supplier_gstin", String(15)),
    Column("invoice_number", String(40), nullable=False, server_default=""),
    Column("invoice_date", Date),
    Column("grand_total", Paise),
    Column("billing_document_id", Integer, ForeignKey("documents.id"), unique=True),
    Column("note", Text, nullable=False, server_default=""),  # why it was rejected
    Index("ix_stored_documents_supplier_gstin", "supplier_gstin"),
    Index("ix_stored_documents_invoice_date", "invoice_date"),
)

# The file as received, byte for byte (the copy an auditor asks for).
stored_document_files = Table(
    "stored_document_files",
    metadata,
    Column("document_id", Integer, ForeignKey("stored_documents.id"), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# One picture per page (PNG or the scan's own JPEG), drawn once at import for the review
# screen, so showing a bill needs neither the renderer nor a temporary file.
stored_document_pages = Table(
    "stored_document_pages",
    metadata,
    Column("document_id", Integer, ForeignKey("stored_documents.id"), primary_key=True),
    Column("page_no", Integer, primary_key=True),  # 1-based
    Column("media_type", String(32), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("text_source", String(8), nullable=False, server_default=""),  # text, ocr, "" unread
    Column("data", LargeBinary, nullable=False),
)

# FTS5 over each stored bill (rowid = stored_documents.id): the file name, the key fields
# and every word read from its pages. Declared in migration 0004, not in the metadata.
DOCUMENT_SEARCH = "stored_document_search"
