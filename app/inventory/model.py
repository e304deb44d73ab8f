"""Pure inventory rules: items as a shop enters them, units, HSN/SAC, stock moves.

Quantities are Decimals in the item's base unit (its UQC) with at most three places; a
move's quantity is signed: positive comes in, negative goes out. Stock on hand is only ever
the sum of moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NewType

from app.errors import ValidationError
from app.inventory.barcodes import InvalidBarcode, barcode_kind
from app.money import LARGEST_AMOUNT, ZERO, has_at_most_paise

ItemId = NewType("ItemId", int)
GodownId = NewType("GodownId", int)
BatchId = NewType("BatchId", int)
MoveId = NewType("MoveId", int)

MAX_NAME = 200
MAX_SKU = 40
QTY_ZERO = Decimal("0.000")

# GSTR-1 Table 12 accepts only these unit quantity codes (gst.md §4.8).
UQC_CODES = frozenset(
    "BAG BAL BDL BKL BOU BOX BTL BUN CAN CBM CCM CMS CTN DOZ DRM GGK GMS GRS GYD KGS KLR KME "
    "LTR MLT MTR MTS NOS OTH PAC PCS PRS QTL ROL SET SQF SQM SQY TBS TGM THD TON TUB UGS UNT "
    "YDS NA".split()
)
# Every rate GST has had (gst.md §2.3). Whether a rate is in force on a date is app.gst.rates'
# call: the item service checks it when an item is saved, billing on the invoice date.
GST_RATES = frozenset(Decimal(r) for r in "0 0.1 0.25 1 1.5 3 5 6 7.5 12 18 28 40".split())


class NegativeStock(ValidationError):
    """A move would leave less than nothing where the company blocks negative stock."""


class ExpiredBatch(ValidationError):
    """A sale from a batch past its expiry date."""


class MoveKind(StrEnum):
    OPENING = "opening"
    PURCHASE = "purchase"
    PURCHASE_RETURN = "purchase return"
    SALE = "sale"
    SALES_RETURN = "sales return"
    TRANSFER = "transfer"  # between godowns: both legs in one entry, value unchanged
    ADJUSTMENT = "adjustment"  # physical count, damage, samples

    @property
    def direction(self) -> int:
        """+1 only in, -1 only out, 0 either way."""
        return _DIRECTIONS[self]


_DIRECTIONS = {
    MoveKind.OPENING: 1,
    MoveKind.PURCHASE: 1,
    MoveKind.SALES_RETURN: 1,
    MoveKind.PURCHASE_RETURN: -1,
    MoveKind.SALE: -1,
    MoveKind.TRANSFER: 0,
    MoveKind.ADJUSTMENT: 0,
}


class ValuationMethod(StrEnum):
    FIFO = "fifo"
    AVERAGE = "average"  # perpetual weighted average


class NegativeStockPolicy(StrEnum):
    WARN = "warn"  # allow, and say so
    BLOCK = "block"


def hsn_problem(code: str) -> str | None:
    """Why an HSN/SAC code cannot be stored, or None (gst.md §3.4: 4, 6 or 8 digits)."""
    if not code:
        return None  # optional: unregistered dealers and exempt goods may leave it out
    if not code.isdigit() or len(code) not in (4, 6, 8):
        return f"HSN/SAC {code!r} must be 4, 6 or 8 digits."
    if code.startswith("99") and len(code) != 6:
        return f"SAC {code!r}: service codes (starting 99) have 6 digits."
    return None


def gst_rate_problem(rate: Decimal) -> str | None:
    if rate not in GST_RATES:
        listed = ", ".join(f"{r}%" for r in sorted(GST_RATES))
        return f"{rate}% is not a GST rate ({listed})."
    return None


def quantity_problem(qty: Decimal, what: str = "quantity") -> str | None:
    if not qty.is_finite() or abs(qty) >= LARGEST_AMOUNT:
        return f"The {what} {qty} is not a quantity the books can hold."
    if qty != qty.quantize(Decimal("0.001")):
        return f"The {what} {qty} has more than three decimal places."
    return None


def from_thousandths(value: int | None) -> Decimal:
    """A quantity summed on disk as integer thousandths."""
    return Decimal(int(value or 0)).scaleb(-3).quantize(Decimal("0.001"))


def normal_name(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class UnitConversion:
    """Another unit the item is bought or sold in: 1 BOX = ``factor`` base units."""

    uqc: str
    factor: Decimal


@dataclass(frozen=True)
class ItemDraft:
    """An item as entered; ``item_problems`` says what is wrong with it."""

    name: str
    unit: str = "NOS"
    sku: str | None = None
    barcodes: tuple[str, ...] = ()
    hsn: str = ""
    gst_rate: Decimal = Decimal(0)
    mrp: Decimal | None = None
    sale_price: Decimal = ZERO
    purchase_price: Decimal = ZERO
    prices: tuple[tuple[str, Decimal], ...] = ()  # (price list, price): retail, wholesale
    conversions: tuple[UnitConversion, ...] = ()
    group: str = ""
    reorder_level: Decimal = QTY_ZERO
    reorder_qty: Decimal = QTY_ZERO
    lead_time_days: int = 7
    batch_tracked: bool = False
    serial_tracked: bool = False
    scale_plu: str | None = None  # its code on the weighing scale
    active: bool = True


def item_problems(item: ItemDraft) -> list[str]:
    """Everything wrong with a draft, each a sentence saying what to fix."""
    found = _identity_problems(item)
    found += [p for p in (hsn_problem(item.hsn), gst_rate_problem(item.gst_rate)) if p]
    found += _price_problems(item)
    found += _barcode_problems(item.barcodes)
    found += _unit_problems(item)
    for label, qty in (
        ("reorder level", item.reorder_level),
        ("reorder quantity", item.reorder_qty),
    ):
        problem = quantity_problem(qty, label)
        if problem or qty < 0:
            found.append(problem or f"The {label} cannot be negative.")
    if not 0 <= item.lead_time_days <= 365:
        found.append("The lead time is 0 to 365 days.")
    return found


def _identity_problems(item: ItemDraft) -> list[str]:
    found = []
    name = normal_name(item.name)
    if not name:
        found.append("The item needs a name.")
    elif len(name) > MAX_NAME:
        found.append(f"The item name is longer than {MAX_NAME} characters.")
    if item.sku is not None and (not item.sku.strip() or len(item.sku) > MAX_SKU):
        found.append(f"The SKU must be 1 to {MAX_SKU} characters.")
    if item.scale_plu is not None and (not item.scale_plu.isdigit() or len(item.scale_plu) > 6):
        found.append("The scale PLU is 1 to 6 digits.")
    return found


def _barcode_problems(codes: tuple[str, ...]) -> list[str]:
    found = []
    seen: set[str] = set()
    for code in codes:
        try:
            barcode_kind(code)
        except InvalidBarcode as exc:
            found.append(str(exc))
        if code in seen:
            found.append(f"Barcode {code} is listed twice.")
        seen.add(code)
    return found


def _unit_problems(item: ItemDraft) -> list[str]:
    found = []
    if item.unit not in UQC_CODES:
        found.append(f"Unit {item.unit!r} is not a GST unit code (UQC) such as NOS, PCS or KGS.")
    for conversion in item.conversions:
        if conversion.uqc not in UQC_CODES or conversion.uqc == item.unit:
            found.append(f"{conversion.uqc!r} is not a GST unit code other than the base unit.")
        if conversion.factor <= 0 or quantity_problem(conversion.factor):
            found.append(
                f"1 {conversion.uqc} must be a positive number of {item.unit} "
                "with at most three decimal places."
            )
    if len({c.uqc for c in item.conversions}) != len(item.conversions):
        found.append("A unit is converted twice.")
    if item.serial_tracked and item.unit not in ("NOS", "PCS", "UNT", "SET", "PRS"):
        found.append("Serial numbers need a counted unit (NOS, PCS, UNT, SET or PRS).")
    return found


def _price_problems(item: ItemDraft) -> list[str]:
    found = []
    named = [("MRP", item.mrp), ("sale price", item.sale_price)]
    named += [("purchase price", item.purchase_price)]
    named += [(f"{name} price", price) for name, price in item.prices]
    for label, amount in named:
        if amount is None:
            continue
        if amount < 0 or not has_at_most_paise(amount):
            found.append(
                f"The {label} must be a positive amount below {LARGEST_AMOUNT:,.0f} "
                "with at most two decimals."
            )
    if item.mrp is not None:
        # Legal Metrology (Packaged Commodities) Rules 2011: nothing sells above the MRP.
        for label, amount in named[1:]:
            if amount is not None and label != "purchase price" and amount > item.mrp:
                found.append(f"The {label} {amount} is above the MRP {item.mrp}.")
    if len({name.casefold() for name, _ in item.prices}) != len(item.prices):
        found.append("A price list is given twice.")
    return found


def check_item(item: ItemDraft) -> None:
    found = item_problems(item)
    if found:
        raise ValidationError(" ".join(found))


def to_base(
    qty: Decimal, unit: str, base_unit: str, conversions: tuple[UnitConversion, ...]
) -> Decimal:
    """``qty`` of ``unit`` in the item's base unit: 2 BOX of 12 = 24 PCS."""
    if unit == base_unit:
        return qty
    for conversion in conversions:
        if conversion.uqc == unit:
            return qty * conversion.factor
    known = ", ".join([base_unit, *(c.uqc for c in conversions)])
    raise ValidationError(f"This item is counted in {known}, not {unit}.")


@dataclass(frozen=True)
class Move:
    """One line of stock going in or out of a godown, in the item's base unit."""

    item_id: ItemId
    godown_id: GodownId
    qty: Decimal  # + in, - out
    value: Decimal | None = None  # what inward goods cost (rupees); outward is costed later
    batch_id: BatchId | None = None
    serials: tuple[str, ...] = ()


@dataclass(frozen=True)
class StockEntry:
    """The stock side of one document: its moves, all of one kind, on one date."""

    kind: MoveKind
    move_date: date
    source_kind: str  # "sales invoice", "purchase bill", "stock journal"
    source_id: str
    moves: tuple[Move, ...]


def entry_problems(entry: StockEntry) -> list[str]:
    found = []
    if not entry.moves:
        found.append("A stock entry needs at least one line.")
    if not entry.source_kind or not entry.source_id:
        found.append("A stock entry must name the document it comes from.")
    for number, move in enumerate(entry.moves, start=1):
        found += [f"Line {number}: {p}" for p in _move_problems(entry.kind, move)]
    if entry.kind is MoveKind.TRANSFER:
        net: dict[tuple[ItemId, BatchId | None], Decimal] = {}
        for move in entry.moves:
            key = (move.item_id, move.batch_id)
            net[key] = net.get(key, QTY_ZERO) + move.qty
        if any(qty != 0 for qty in net.values()):
            found.append("A transfer must take out of one godown what it puts into another.")
    return found


def _move_problems(kind: MoveKind, move: Move) -> list[str]:
    found = []
    problem = quantity_problem(move.qty)
    if problem:
        found.append(problem)
    direction = kind.direction
    if move.qty == 0:
        found.append("the quantity is zero.")
    elif direction and (move.qty > 0) != (direction > 0):
        found.append(f"a {kind} moves stock {'in' if direction > 0 else 'out'} only.")
    if move.value is not None:
        if move.qty < 0:
            found.append("goods going out are costed by valuation, not given a value.")
        elif move.value < 0 or not has_at_most_paise(move.value):
            found.append("the value must be a positive amount in rupees and paise.")
    elif kind in (MoveKind.OPENING, MoveKind.PURCHASE):
        found.append(f"a {kind} needs the value of the goods.")
    if move.serials:
        if move.qty != move.qty.to_integral_value() or len(move.serials) != abs(move.qty):
            found.append(f"give one serial number per unit ({abs(move.qty)}).")
        if len(set(move.serials)) != len(move.serials):
            found.append("a serial number is repeated.")
    return found


def check_entry(entry: StockEntry) -> None:
    found = entry_problems(entry)
    if found:
        raise ValidationError(" ".join(found))


def is_expired(expiry: date | None, on: date) -> bool:
    """Goods may be sold on their expiry date, not after it."""
    return expiry is not None and on > expiry
