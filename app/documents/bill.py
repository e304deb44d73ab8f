"""A stored bill proposed as a purchase bill: the supplier and items matched, the lines the
books will get, and what still stops it. Pure values and rules; the matching reads are in
``queries.propose_bill`` and the posting in ``service.post_bill``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.billing.model import DocKind, DocumentDraft, DraftLine, PartyId, line_problems
from app.documents.stored import StoredDocumentId
from app.errors import ValidationError
from app.gst import (
    DocType,
    InvalidTaxInput,
    InvoiceLine,
    Rounding,
    TaxInvoiceInput,
    compute_invoice_tax,
)
from app.money import ZERO

# The printed total and Bahi's own figures may differ by the supplier's rounding; more
# than a rupee means a line, a rate or the total was read wrong.
TOTAL_TOLERANCE = Decimal("1.00")


@dataclass(frozen=True)
class SupplierMatch:
    """The party the bill is from: one in the books, or a new supplier to add on posting."""

    party_id: PartyId | None
    name: str
    gstin: str | None
    matched_by: str  # "gstin", "name", "new", "chosen"
    state_code: str = ""

    @property
    def is_new(self) -> bool:
        return self.party_id is None


@dataclass(frozen=True)
class ProposedLine:
    description: str
    hsn: str
    qty: Decimal
    unit_price: Decimal
    gst_rate: Decimal
    cess_rate: Decimal = ZERO
    item_id: int | None = None
    item_name: str = ""  # the matched item's name in the books
    matched_by: str = ""  # "name", "hsn", "chosen" or "" (no item: a ledger-only line)
    uqc: str = "NOS"

    @property
    def amount(self) -> Decimal:
        return (self.qty * self.unit_price).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class BillProposal:
    document_id: StoredDocumentId
    supplier: SupplierMatch
    number: str
    bill_date: date | None
    place_of_supply: str | None  # our state unless the bill says otherwise
    lines: tuple[ProposedLine, ...]
    bill_total: Decimal | None  # the grand total printed on the bill
    problems: tuple[str, ...] = ()  # worth a look; posting is still allowed
    duplicate_of: str | None = None  # the same supplier's bill with this number is in the books


def proposal_blockers(proposal: BillProposal) -> list[str]:
    """What stops posting: each a sentence saying what to fix."""
    found = []
    if proposal.duplicate_of:
        found.append(proposal.duplicate_of)
    if not proposal.supplier.name.strip():
        found.append("Enter or choose the supplier.")
    if not proposal.number.strip():
        found.append("Enter the supplier's bill number.")
    if proposal.bill_date is None:
        found.append("Enter the bill date.")
    if not proposal.lines:
        found.append("The bill needs at least one line.")
    on = proposal.bill_date or date.today()
    for n, line in enumerate(proposal.lines, start=1):
        found += [f"Line {n}: {p}" for p in line_problems(_draft_line(line), on)]
    return found


def _draft_line(line: ProposedLine) -> DraftLine:
    return DraftLine(
        description=line.description,
        qty=line.qty,
        unit_price=line.unit_price,
        gst_rate=line.gst_rate,
        item_id=line.item_id,
        hsn=line.hsn,
        uqc=line.uqc,
        cess_rate=line.cess_rate,
    )


def bill_draft(proposal: BillProposal, party_id: PartyId) -> DocumentDraft:
    """The purchase bill the billing service posts."""
    if proposal.bill_date is None:
        raise ValidationError("Enter the bill date.")
    return DocumentDraft(
        kind=DocKind.PURCHASE_BILL,
        doc_date=proposal.bill_date,
        lines=tuple(_draft_line(line) for line in proposal.lines),
        party_id=party_id,
        place_of_supply=proposal.place_of_supply,
        supplier_number=proposal.number.strip(),
        notes=f"Read from stored document {proposal.document_id}.",
    )


@dataclass(frozen=True)
class Totals:
    taxable: Decimal
    tax: Decimal
    grand_total: Decimal


def bill_totals(
    proposal: BillProposal, our_state: str, rounding: Rounding = Rounding.PER_LINE
) -> Totals | None:
    """Bahi's figures for the proposal, as posting will compute them; None when they cannot
    be computed yet (no lines, unknown states)."""
    seller = (proposal.supplier.gstin or "")[:2] or proposal.supplier.state_code
    if not proposal.lines or not seller:
        return None
    try:
        figures = compute_invoice_tax(
            TaxInvoiceInput(
                seller_state=seller,
                place_of_supply=proposal.place_of_supply or our_state,
                lines=tuple(
                    InvoiceLine(
                        qty=line.qty,
                        rate=line.unit_price,
                        gst_rate=line.gst_rate,
                        cess_rate=line.cess_rate,
                    )
                    for line in proposal.lines
                ),
                doc_type=DocType.TAX_INVOICE,
                rounding=rounding,
            )
        )
    except (InvalidTaxInput, ValidationError):
        return None
    return Totals(figures.taxable, figures.total_tax, figures.grand_total)


def total_problem(proposal: BillProposal, totals: Totals | None) -> str | None:
    if totals is None or proposal.bill_total is None:
        return None
    if abs(totals.grand_total - proposal.bill_total) > TOTAL_TOLERANCE:
        return (
            f"The lines come to {totals.grand_total} with tax, the bill says "
            f"{proposal.bill_total}; check the quantities, rates and GST %."
        )
    return None
