"""Billing tables. Posted documents are never edited: a cancellation sets the status and posts
reversals; the number stays taken. The figures on each line are the tax rules' output at
posting, so a reprint years later shows what was issued."""

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
from app.storage.types import Paise, Percent, Quantity

parties = Table(
    "parties",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200, collation="NOCASE"), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # customer, supplier, both
    Column("gstin", String(15), unique=True),
    Column("state_code", String(2), nullable=False, server_default=""),
    Column("billing_address", Text, nullable=False, server_default=""),
    Column("billing_pin", String(6), nullable=False, server_default=""),
    Column("shipping_address", Text, nullable=False, server_default=""),
    Column("shipping_state", String(2), nullable=False, server_default=""),
    Column("shipping_pin", String(6), nullable=False, server_default=""),
    Column("phone", String(15), nullable=False, server_default=""),
    Column("email", String(120), nullable=False, server_default=""),
    Column("credit_limit", Paise),
    Column("credit_days", Integer, nullable=False, server_default="0"),
    Column("composition", Boolean, nullable=False, server_default="0"),  # supplier's scheme
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Index("ix_parties_phone", "phone"),
)

# One row per (series, financial year): the next serial. Taken in the posting transaction,
# so a rolled-back sale gives its serial back and the issued numbers have no gaps.
number_series = Table(
    "number_series",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("fy", String(7), nullable=False),
    Column("device", String(4), nullable=False, server_default=""),
    Column("prefix", String(8), nullable=False),
    Column("next_serial", Integer, nullable=False),
    UniqueConstraint("kind", "fy", "device", name="uq_number_series_kind_fy_device"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    # "out" for our own serials (unique per GSTIN per year, Rule 46(b)); "in:<party>" for a
    # supplier's invoice numbers, which only that supplier keeps unique.
    Column("number_scope", String(24), nullable=False),
    Column("fy", String(7), nullable=False),
    Column("number", String(16), nullable=False),
    Column("doc_date", Date, nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id")),
    Column("cp_name", String(200), nullable=False),
    Column("cp_gstin", String(15)),
    Column("cp_state", String(2), nullable=False, server_default=""),
    Column("cp_address", Text, nullable=False, server_default=""),
    Column("cp_pin", String(6), nullable=False, server_default=""),
    Column("cp_ship_address", Text),
    Column("cp_ship_state", String(2)),
    Column("cp_ship_pin", String(6)),
    Column("cp_phone", String(15), nullable=False, server_default=""),
    Column("place_of_supply", String(2), nullable=False),
    Column("seller_state", String(2), nullable=False),
    Column("seller_scheme", String(16), nullable=False),
    Column("reverse_charge", Boolean, nullable=False, server_default="0"),
    Column("inter_state", Boolean, nullable=False),
    Column("state_tax_head", String(5), nullable=False),
    Column("taxable", Paise, nullable=False),
    Column("cgst", Paise, nullable=False),
    Column("sgst", Paise, nullable=False),
    Column("igst", Paise, nullable=False),
    Column("cess", Paise, nullable=False),
    Column("round_off", Paise, nullable=False),
    Column("grand_total", Paise, nullable=False),
    Column("status", String(12), nullable=False),
    Column("export_with_payment", Boolean),  # null: not an export
    Column("port_code", String(6), nullable=False, server_default=""),
    Column("shipping_bill", String(20), nullable=False, server_default=""),
    Column("shipping_bill_date", Date),
    Column("to_sez", Boolean, nullable=False, server_default="0"),
    Column("original_id", Integer, ForeignKey("documents.id")),
    Column("original_number", String(16), nullable=False, server_default=""),
    Column("original_date", Date),
    Column("reason", Text, nullable=False, server_default=""),
    Column("itc_eligible", Boolean, nullable=False, server_default="1"),
    Column("our_reference", String(24), nullable=False, server_default=""),
    Column("irn", String(64)),
    Column("ack_no", String(20)),
    Column("ack_date", Date),
    Column("signed_qr", Text),
    Column("notes", Text, nullable=False, server_default=""),
    Column("voucher_id", Integer, ForeignKey("vouchers.id")),
    Column("cancel_voucher_id", Integer, ForeignKey("vouchers.id")),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("number_scope", "fy", "number", name="uq_documents_scope_fy_number"),
    Index("ix_documents_date", "doc_date"),
    Index("ix_documents_party", "party_id"),
)

document_lines = Table(
    "document_lines",
    metadata,
    Column("document_id", Integer, ForeignKey("documents.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id")),
    Column("description", String(300), nullable=False),
    Column("hsn", String(8), nullable=False, server_default=""),
    Column("uqc", String(3), nullable=False),
    Column("qty", Quantity, nullable=False),
    Column("unit_price", Paise, nullable=False),
    Column("price_includes_tax", Boolean, nullable=False),
    Column("discount_pct", Percent, nullable=False),
    Column("gross", Paise, nullable=False),
    Column("discount", Paise, nullable=False),
    Column("taxable", Paise, nullable=False),
    Column("gst_rate", Percent, nullable=False),
    Column("cess_rate", Percent, nullable=False),
    Column("cgst", Paise, nullable=False),
    Column("sgst", Paise, nullable=False),
    Column("igst", Paise, nullable=False),
    Column("cess", Paise, nullable=False),
    Column("taxability", String(10), nullable=False),
    Column("godown_id", Integer, ForeignKey("godowns.id")),
    Column("batch_id", Integer, ForeignKey("batches.id")),
)

# Money received or paid against documents: at the counter (tenders of a sale) or later
# (a receipt or payment voucher). Allocations say which invoices a receipt settles.
settlements = Table(
    "settlements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(8), nullable=False),  # receipt, payment
    Column("settle_date", Date, nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id")),
    Column("mode", String(8), nullable=False),  # cash, upi, card, bank
    Column("amount", Paise, nullable=False),
    Column("reference", String(60), nullable=False, server_default=""),
    Column("document_id", Integer, ForeignKey("documents.id")),  # paid at the counter
    Column("voucher_id", Integer, ForeignKey("vouchers.id")),
    Column("shift_id", Integer, ForeignKey("shifts.id")),
    Column("created_at", String(32), nullable=False),
    Index("ix_settlements_party", "party_id"),
    Index("ix_settlements_document", "document_id"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("settlement_id", Integer, ForeignKey("settlements.id"), primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id"), primary_key=True),
    Column("amount", Paise, nullable=False),
    Index("ix_allocations_document", "document_id"),
)

# A bill parked at the counter (customer went to fetch something); survives a restart.
held_bills = Table(
    "held_bills",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(60), nullable=False),
    Column("cart_json", Text, nullable=False),
    Column("held_at", String(32), nullable=False),
    Column("held_by", String(64), nullable=False),
)

shifts = Table(
    "shifts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("opened_at", String(32), nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("opening_cash", Paise, nullable=False),
    Column("closed_at", String(32)),
    Column("counted_cash", Paise),
    Column("expected_cash", Paise),
    Column("close_note", Text, nullable=False, server_default=""),
)

# A GST return marked as filed locks the documents it reported (GSTR-1: outward documents of
# the period); a later correction is an amendment or a note in a later period.
gst_filings = Table(
    "gst_filings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("return_type", String(8), nullable=False),  # GSTR-1, GSTR-3B
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("arn", String(20), nullable=False, server_default=""),  # acknowledgement number
    Column("filed_on", Date, nullable=False),
    Column("marked_by", String(64), nullable=False),
    Column("marked_at", String(32), nullable=False),
    UniqueConstraint("return_type", "period_start", name="uq_gst_filings_return_period"),
)
