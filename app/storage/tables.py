"""The shared MetaData and the storage layer's own tables: company, users, audit log."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# One MetaData for every package's tables.py, so Alembic sees the whole schema.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

company = Table(
    "company",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("state_code", String(2), nullable=False),
    Column("gstin", String(15)),
    Column("address", Text, nullable=False, server_default=""),
    Column("fy_start_month", Integer, nullable=False, server_default="4"),
    Column("books_begin", Date, nullable=False),
    Column("created_at", String(32), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False, server_default=""),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("totp_secret", String(64)),
    Column("totp_recovery_codes", Text),  # JSON list of SHA-256 hashes; used ones removed
    Column("created_at", String(32), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("changed_by", Integer, ForeignKey("users.id")),
)
