"""Posted documents for the printing tests, with figures from the real tax rules.

``document(...)`` runs ``app.gst.compute_invoice_tax`` over the lines and freezes the result
into a ``PostedDocument`` the way posting does, so every figure a test reads back from a PDF
is the one the books would keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.billing.model import (
    Address,
    Counterparty,
    DocKind,
    DocStatus,
    DocumentId,
    DraftLine,
    Export,
    Irn,
    PartyId,
    PostedDocument,
    invoice_lines,
    posted_lines,
)
from app.billing.printing import BankDetails, Letterhead
from app.gst import (
    SellerScheme,
    SupplyType,
    TaxInvoiceInput,
    compute_invoice_tax,
)
from app.money import D

SELLER_GSTIN = "27AAPFU0939F1ZV"  # Maharashtra
BUYER_GSTIN = "27AABCF8078M2Z0"
KARNATAKA_GSTIN = "29AABCF8078M2ZW"


@dataclass(frozen=True)
class Spec:
    description: str
    hsn: str
    qty: str
    price: str
    gst_rate: str = "18"
    discount_pct: str = "0"
    cess_rate: str = "0"
    uqc: str = "NOS"
    inclusive: bool = False

    def draft(self) -> DraftLine:
        return DraftLine(
            self.description,
            D(self.qty),
            D(self.price),
            D(self.gst_rate),
            hsn=self.hsn,
            uqc=self.uqc,
            discount_pct=D(self.discount_pct),
            cess_rate=D(self.cess_rate),
            price_includes_tax=self.inclusive,
        )


def seller(logo: Path | None = None, upi_id: str = "sharmatraders@okaxis") -> Letterhead:
    return Letterhead(
        name="Sharma Traders",
        address="Shop 4, Laxmi Road\nPune 411030",
        gstin=SELLER_GSTIN,
        state_code="27",
        phone="+91 98200 12345",
        email="accounts@sharmatraders.in",
        logo=logo,
        bank=BankDetails("HDFC Bank", "50200012345678", "HDFC0000123", "Sharma Traders", "Pune"),
        upi_id=upi_id,
        terms=("Goods once sold will not be taken back.", "Subject to Pune jurisdiction."),
    )


def registered_buyer(gstin: str = BUYER_GSTIN) -> Counterparty:
    return Counterparty(
        name="Kulkarni Retail Pvt Ltd",
        gstin=gstin,
        state_code=gstin[:2],
        billing=Address("22 FC Road, Shivajinagar", gstin[:2], "411005"),
        phone="020 2553 1234",
    )


def walk_in(state_code: str = "") -> Counterparty:
    return Counterparty(name="Cash Sale", state_code=state_code)


GROCERY = (
    Spec("Basmati Rice 5kg", "10063020", "2", "640.00", "5"),
    Spec("Toor Dal 1kg", "07136000", "5", "152.50", "5", discount_pct="10"),
    Spec("Sunflower Oil 1L", "15121110", "3", "145.00", "5"),
    Spec("Detergent Powder 2kg", "34022010", "2", "399.00", "18"),
    Spec("Toothpaste 150g", "33061020", "6", "96.00", "18", discount_pct="5"),
    Spec("Biscuits Family Pack", "19053100", "10", "45.00", "18"),
    Spec("Instant Coffee 100g", "21011110", "1", "310.00", "18"),
    Spec("Bath Soap Pack of 4", "34011110", "4", "180.00", "18"),
    Spec("Ghee 1L", "04059020", "1", "655.00", "12"),
    Spec("Aerated Drink 2L", "22021010", "6", "95.00", "28", cess_rate="12", uqc="BTL"),
)


def document(
    specs: tuple[Spec, ...] | list[Spec] = GROCERY,
    *,
    kind: DocKind = DocKind.SALES_INVOICE,
    number: str = "INV/25-26/0001",
    doc_date: date = date(2025, 6, 14),
    buyer: Counterparty | None = None,
    seller_state: str = "27",
    place_of_supply: str | None = None,
    scheme: SellerScheme = SellerScheme.REGULAR,
    reverse_charge: bool = False,
    status: DocStatus = DocStatus.POSTED,
    irn: Irn | None = None,
    export: Export | None = None,
    original_number: str = "",
    original_date: date | None = None,
    reason: str = "",
) -> PostedDocument:
    party = buyer or registered_buyer()
    pos = place_of_supply or party.state_code or seller_state
    drafts = [spec.draft() for spec in specs]
    lines = invoice_lines(drafts)
    tax = compute_invoice_tax(
        TaxInvoiceInput(
            seller_state=seller_state,
            place_of_supply=pos,
            lines=lines,
            doc_type=kind.gst_doc_type,
            seller_scheme=scheme,
            reverse_charge=reverse_charge,
        )
    )
    posted = posted_lines(drafts, tax)
    return PostedDocument(
        id=DocumentId(1),
        kind=kind,
        number=number,
        doc_date=doc_date,
        party_id=PartyId(7) if party.registered else None,
        counterparty=party,
        place_of_supply=pos,
        seller_state=seller_state,
        seller_scheme=scheme,
        reverse_charge=reverse_charge,
        inter_state=tax.supply is not SupplyType.INTRA_STATE,
        state_tax_head=tax.state_tax_head,
        lines=posted,
        taxable=tax.taxable,
        cgst=tax.cgst,
        sgst=tax.sgst,
        igst=tax.igst,
        cess=tax.cess,
        round_off=tax.round_off,
        grand_total=tax.grand_total,
        status=status,
        export=export,
        original_number=original_number,
        original_date=original_date,
        reason=reason,
        irn=irn,
    )


def many_lines(count: int) -> list[Spec]:
    """``count`` lines cycling through the grocery basket, each with its own description."""
    return [
        Spec(
            f"{GROCERY[n % len(GROCERY)].description} lot {n + 1}",
            GROCERY[n % len(GROCERY)].hsn,
            str(1 + n % 4),
            GROCERY[n % len(GROCERY)].price,
            GROCERY[n % len(GROCERY)].gst_rate,
            GROCERY[n % len(GROCERY)].discount_pct,
            GROCERY[n % len(GROCERY)].cess_rate,
            GROCERY[n % len(GROCERY)].uqc,
        )
        for n in range(count)
    ]
