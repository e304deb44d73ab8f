"""Inventory tables. Stock moves are insert-only (triggers in migration 0002): a cancelled
document posts opposite moves. ``stock_balances`` is derived, kept in the same transaction
as the moves and re-checked against them by ``checks.check_stock``."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    type_coerce,
)

from app.storage.tables import metadata
from app.storage.types import Paise, Percent, Quantity

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200, collation="NOCASE"), nullable=False, unique=True),
    Column("sku", String(40, collation="NOCASE"), unique=True),
    Column("hsn", String(8), nullable=False, server_default=""),
    Column("gst_rate", Percent, nullable=False),
    Column("unit", String(3), nullable=False),  # UQC, the base unit of every quantity
    Column("mrp", Paise),
    Column("sale_price", Paise, nullable=False),
    Column("purchase_price", Paise, nullable=False),
    Column("stock_group", String(100, collation="NOCASE"), nullable=False, server_default=""),
    Column("reorder_level", Quantity, nullable=False),
    Column("reorder_qty", Quantity, nullable=False),
    Column("lead_time_days", Integer, nullable=False, server_default="7"),
    Column("batch_tracked", Boolean, nullable=False, server_default="0"),
    Column("serial_tracked", Boolean, nullable=False, server_default="0"),
    Column("scale_plu", String(6), unique=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    # The stock summary's order (group, name) with the unit: read without visiting the rows.
    Index("ix_items_group_name", "stock_group", "name", "unit"),
)

item_barcodes = Table(
    "item_barcodes",
    metadata,
    Column("code", String(48), primary_key=True),  # one barcode, one item
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Index("ix_item_barcodes_item", "item_id"),
)

item_units = Table(
    "item_units",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("uqc", String(3), primary_key=True),
    Column("factor", Quantity, nullable=False),  # base units in one of this unit
)

item_prices = Table(
    "item_prices",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("price_list", String(40, collation="NOCASE"), primary_key=True),
    Column("price", Paise, nullable=False),
)

godowns = Table(
    "godowns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100, collation="NOCASE"), nullable=False, unique=True),
    Column("address", Text, nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default="1"),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("batch_no", String(40), nullable=False),
    Column("mfg_date", Date),
    Column("expiry_date", Date),
    UniqueConstraint("item_id", "batch_no", name="uq_batches_item_batch_no"),
)

# Inventory's own documents: opening stock, transfers, physical counts and adjustments.
stock_journals = Table(
    "stock_journals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("journal_date", Date, nullable=False),
    Column("narration", Text, nullable=False, server_default=""),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
)

stock_moves = Table(
    "stock_moves",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("godown_id", Integer, ForeignKey("godowns.id"), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id")),
    Column("move_date", Date, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("qty", Quantity, nullable=False),  # base units, + in, - out
    Column("value", Paise),  # inward goods' cost; NULL: valued at the running cost
    Column("source_kind", String(32), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
    Index("ix_stock_moves_item_date", "item_id", "move_date"),
    Index("ix_stock_moves_source", "source_kind", "source_id"),
    Index("ix_stock_moves_date_kind", "move_date", "kind"),
)

stock_move_serials = Table(
    "stock_move_serials",
    metadata,
    Column("move_id", Integer, ForeignKey("stock_moves.id"), primary_key=True),
    Column("serial", String(64), primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("godown_id", Integer, ForeignKey("godowns.id"), nullable=False),
    Column("direction", Integer, nullable=False),  # +1 in, -1 out
    Index("ix_stock_move_serials_item_serial", "item_id", "serial"),
)

# Derived: on hand per item, godown and batch (0 when none), so a stock summary reads one
# row per item instead of every move.
stock_balances = Table(
    "stock_balances",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("godown_id", Integer, ForeignKey("godowns.id"), primary_key=True),
    Column("batch_key", Integer, primary_key=True),  # batch id, 0 without a batch
    Column("qty", Quantity, nullable=False),
    sqlite_with_rowid=False,
)

# Derived: on hand per item over all godowns and batches, kept by an insert trigger on
# ``stock_moves`` (migration 0006), so the stock summary reads one row per item.
item_stock_totals = Table(
    "item_stock_totals",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("qty", Quantity, nullable=False),
)

# Search as you type: name, SKU and barcodes of each item in an FTS5 trigram index (a
# virtual table, created by the migration; rowid is the item id).
ITEM_SEARCH = "item_search"


def raw_thousandths(column: ColumnElement[Decimal]) -> ColumnElement[int]:
    """A quantity column as plain integer thousandths, for sums that must stay exact."""
    return type_coerce(column, BigInteger)
