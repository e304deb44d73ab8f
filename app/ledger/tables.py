"""Ledger tables. Vouchers and postings are insert-only; triggers in the migration refuse
UPDATE and DELETE, so a correction is always a reversal plus a new voucher."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from app.storage.tables import metadata
from app.storage.types import Paise

account_groups = Table(
    "account_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100, collation="NOCASE"), nullable=False, unique=True),
    Column("parent_id", Integer, ForeignKey("account_groups.id")),
    Column("nature", String(16), nullable=False),
    Column("direct", Boolean, nullable=False, server_default="0"),  # above gross profit in P&L
    Column("sort_order", Integer, nullable=False, server_default="0"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200, collation="NOCASE"), nullable=False, unique=True),
    Column("group_id", Integer, ForeignKey("account_groups.id"), nullable=False),
    Column("system_key", String(32), unique=True),  # "cash", "output_cgst": found by role
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", String(32), nullable=False),
)

vouchers = Table(
    "vouchers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("voucher_type", String(16), nullable=False),
    Column("fy", String(7), nullable=False),
    Column("number", Integer, nullable=False),
    Column("posting_date", Date, nullable=False),
    Column("narration", Text, nullable=False, server_default=""),
    Column("reference", String(100), nullable=False, server_default=""),
    Column("reverses_id", Integer, ForeignKey("vouchers.id"), unique=True),
    Column("source", String(100), nullable=False, server_default=""),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("voucher_type", "fy", "number", name="uq_vouchers_type_fy_number"),
    Index("ix_vouchers_posting_date", "posting_date"),
)

postings = Table(
    "postings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("voucher_id", Integer, ForeignKey("vouchers.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("posting_date", Date, nullable=False),  # the voucher's, kept here for the indexes
    Column("amount", Paise, nullable=False),  # + debit, - credit
    Index("ix_postings_voucher", "voucher_id"),
    Index("ix_postings_account_date", "account_id", "posting_date"),
)

# Derived: the net of each account's postings per day, kept in the posting transaction so
# a trial balance reads a few thousand rows instead of every posting. check_books
# recomputes it from postings.
account_day_totals = Table(
    "account_day_totals",
    metadata,
    Column("account_id", Integer, ForeignKey("accounts.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("amount", Paise, nullable=False),
    sqlite_with_rowid=False,
)

period_locks = Table(
    "period_locks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("locked_until", Date),  # NULL: nothing locked
    Column("locked_by", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)
