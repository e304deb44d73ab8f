"""What a document prints, worked out once for every layout: tax heads, wording, summaries.

Nothing is recomputed here: every figure comes from the ``PostedDocument`` as the books keep
it; this module only decides which heads and particulars apply and how they are written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.billing.model import Counterparty, DocKind, PostedDocument, PostedLine
from app.billing.printing.letterhead import Letterhead, upi_url
from app.errors import ValidationError
from app.gst import SellerScheme, UnknownState, state_by_code
from app.money import ZERO, format_inr

# CGST Rule 5(1)(f): the words a composition dealer's bill of supply must carry.
COMPOSITION_LEGEND = "Composition taxable person, not eligible to collect tax on supplies"
# CGST Rule 46 proviso: the endorsement on an export or SEZ invoice.
EXPORT_WITH_TAX = "Supply meant for export on payment of integrated tax"
EXPORT_UNDER_LUT = (
    "Supply meant for export under bond or letter of undertaking without payment of integrated tax"
)
SEZ_WITH_TAX = "Supply to SEZ unit or developer for authorised operations on payment of IGST"
SEZ_UNDER_LUT = (
    "Supply to SEZ unit or developer for authorised operations under bond or letter of "
    "undertaking without payment of IGST"
)
INCLUSIVE_NOTE = "* The rate includes tax; the taxable value is worked back from it."
B2C_PARTICULARS_FROM = Decimal("50000")  # Rule 46(e): name, address, state for B2C >= this
SALES = (DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY)


@dataclass(frozen=True)
class TaxHead:
    label: str  # "CGST", "SGST" or "UTGST", "IGST", "Cess"
    rate: Callable[[PostedLine], Decimal | None]  # None: no percentage (a specific cess)
    amount: Callable[[PostedLine], Decimal]
    total: Decimal

    def rate_text(self, line: PostedLine) -> str:
        return "" if self.blank(line) else percent(self.rate(line))

    def amount_text(self, line: PostedLine) -> str:
        return "" if self.blank(line) else format_inr(self.amount(line))

    def blank(self, line: PostedLine) -> bool:
        """Cess columns stay empty on lines that bear no cess (most lines of most bills)."""
        return self.label == "Cess" and not self.amount(line) and not line.cess_rate


@dataclass(frozen=True)
class HsnRow:
    hsn: str
    gst_rate: Decimal
    lines: tuple[PostedLine, ...]

    @property
    def taxable(self) -> Decimal:
        return sum((x.taxable for x in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((x.tax for x in self.lines), ZERO)


def _half(line: PostedLine) -> Decimal:
    return line.gst_rate / 2


def _cess_rate(line: PostedLine) -> Decimal | None:
    return line.cess_rate if line.cess_rate or not line.cess else None


def tax_heads(doc: PostedDocument) -> tuple[TaxHead, ...]:
    """The tax columns the document shows: none on a bill of supply (Rule 49)."""
    if doc.kind is DocKind.BILL_OF_SUPPLY or doc.seller_scheme is SellerScheme.COMPOSITION:
        return ()
    if doc.inter_state:
        heads = [TaxHead("IGST", lambda x: x.gst_rate, lambda x: x.igst, doc.igst)]
    else:
        heads = [
            TaxHead("CGST", _half, lambda x: x.cgst, doc.cgst),
            TaxHead(doc.state_tax_head, _half, lambda x: x.sgst, doc.sgst),
        ]
    if doc.cess or any(x.cess_rate for x in doc.lines):
        heads.append(TaxHead("Cess", _cess_rate, lambda x: x.cess, doc.cess))
    return tuple(heads)


def hsn_rows(doc: PostedDocument) -> tuple[HsnRow, ...]:
    """HSN/SAC-wise summary, one row per code and rate (as GSTR-1 table 12 reports it)."""
    groups: dict[tuple[str, Decimal], list[PostedLine]] = {}
    for line in doc.lines:
        groups.setdefault((line.hsn, line.gst_rate), []).append(line)
    return tuple(HsnRow(hsn, rate, tuple(lines)) for (hsn, rate), lines in sorted(groups.items()))


def amount(value: Decimal) -> str:
    return format_inr(value)


def blank_zero(value: Decimal) -> str:
    return format_inr(value) if value else ""


def signed(value: Decimal) -> str:
    """A round-off as accountants write it: +0.40, -0.30, 0.00."""
    return ("+" if value > 0 else "") + format_inr(value)


def quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}%"


def day(value: date) -> str:
    return f"{value:%d-%m-%Y}"


def state_text(code: str) -> str:
    """'Maharashtra (27)'; '' when the code is blank or unknown."""
    if not code:
        return ""
    try:
        return f"{state_by_code(code).name} ({code})"
    except UnknownState:
        return f"State code {code}"


def number_label(kind: DocKind) -> str:
    if kind is DocKind.SALES_INVOICE:
        return "Invoice No."
    if kind is DocKind.BILL_OF_SUPPLY:
        return "Bill No."
    return f"{kind.label.split(' (')[0]} No."


def is_composition(doc: PostedDocument) -> bool:
    return doc.seller_scheme is SellerScheme.COMPOSITION


def is_sale(doc: PostedDocument) -> bool:
    return doc.kind in SALES and not doc.cancelled and doc.grand_total > 0


def buyer_state(party: Counterparty) -> str:
    return party.state_code or party.billing.state_code


def party_lines(party: Counterparty, doc: PostedDocument) -> tuple[str, ...]:
    """Recipient particulars below the name: Rule 46(d) and (e)."""
    rows: list[str] = []
    address = party.billing.text.strip()
    if party.billing.pin:
        address = f"{address} - {party.billing.pin}" if address else f"PIN {party.billing.pin}"
    if address:
        rows.append(address)
    if party.gstin:
        rows.append(f"GSTIN/UIN: {party.gstin}")
    else:
        rows.append("Unregistered")
    state = state_text(buyer_state(party))
    if not state and not party.registered and doc.taxable >= B2C_PARTICULARS_FROM:
        state = state_text(doc.place_of_supply)  # Rule 46(e): the state of an unregistered buyer
    if state:
        rows.append(f"State: {state}")
    if party.phone:
        rows.append(f"Phone: {party.phone}")
    return tuple(rows)


def shipping_lines(party: Counterparty) -> tuple[str, ...]:
    """Rule 46(o): the delivery address where it differs from the billing address."""
    ship = party.shipping
    if ship is None or ship == party.billing:
        return ()
    rows = [ship.text.strip()] if ship.text.strip() else []
    if ship.pin:
        rows.append(f"PIN {ship.pin}")
    if ship.state_code:
        rows.append(f"State: {state_text(ship.state_code)}")
    return tuple(rows)


def seller_lines(head: Letterhead) -> tuple[str, ...]:
    rows = [line for line in head.address.splitlines() if line.strip()]
    if head.gstin:
        rows.append(f"GSTIN: {head.gstin}")
    rows.append(f"State: {head.state_name} ({head.state_code})")
    contact = "   ".join(x for x in (f"Phone: {head.phone}" if head.phone else "", head.email) if x)
    if contact:
        rows.append(contact)
    return tuple(rows)


def detail_rows(doc: PostedDocument) -> tuple[tuple[str, str], ...]:
    """The document's own particulars: number, date, place of supply, reverse charge."""
    rows = [
        (number_label(doc.kind), doc.number),
        ("Date", day(doc.doc_date)),
        ("Place of Supply", state_text(doc.place_of_supply)),
        ("Reverse Charge", "Yes" if doc.reverse_charge else "No"),
    ]
    if doc.kind.is_note:
        # Rule 53(1A)(g): the invoice the note refers to.
        rows.append(("Against Invoice", doc.original_number or "-"))
        if doc.original_date:
            rows.append(("Invoice Date", day(doc.original_date)))
    if doc.export is not None:
        if doc.export.port_code:
            rows.append(("Port Code", doc.export.port_code))
        if doc.export.shipping_bill:
            when = doc.export.shipping_bill_date
            bill = doc.export.shipping_bill + (f" dt {day(when)}" if when else "")
            rows.append(("Shipping Bill", bill))
    return tuple(rows)


def declarations(doc: PostedDocument) -> tuple[str, ...]:
    """Wording the law asks for beside the figures."""
    rows: list[str] = []
    if doc.kind.is_note and doc.reason:
        rows.append(f"Reason: {doc.reason}")
    if doc.export is not None:
        rows.append(EXPORT_WITH_TAX if doc.export.with_payment else EXPORT_UNDER_LUT)
    elif doc.to_sez:
        rows.append(SEZ_WITH_TAX if doc.igst else SEZ_UNDER_LUT)
    if doc.notes:
        rows.append(doc.notes)
    return tuple(rows)


def reverse_charge_line(doc: PostedDocument) -> str:
    return f"Whether tax is payable on reverse charge: {'Yes' if doc.reverse_charge else 'No'}"


def payment_link(doc: PostedDocument, head: Letterhead) -> str | None:
    """The UPI link for the amount due, on a sale when the company has a UPI id."""
    if not head.upi_id or not is_sale(doc):
        return None
    return upi_url(head.upi_id, head.name, doc.grand_total, doc.number)


def check_document(doc: PostedDocument) -> None:
    if doc.kind is DocKind.PURCHASE_BILL:
        raise ValidationError(
            f"Purchase bill {doc.number} is the supplier's own invoice; keep their copy. "
            "Bahi prints only the documents you issue."
        )
    if not doc.lines:
        raise ValidationError(f"Document {doc.number} has no lines to print.")
