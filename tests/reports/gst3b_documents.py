"""Build ``PostedDocument`` values for the GSTR-3B and e-invoice tests, with every tax figure
from the real tax engine (``app.gst.compute_invoice_tax``), frozen the way posting freezes it.

Sales are from our company in Maharashtra (27); a purchase's supplier is in ``party_state``
and its place of supply is ours unless given.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.billing.model import (
    Address,
    Counterparty,
    DocKind,
    DocStatus,
    DocumentId,
    DraftLine,
    Export,
    PartyId,
    PostedDocument,
    invoice_lines,
    posted_lines,
)
from app.gst import (
    DocType,
    Rounding,
    SellerScheme,
    Taxability,
    TaxInvoiceInput,
    check_character,
    compute_invoice_tax,
)
from app.gst.place_of_supply import SupplyType
from app.gst.states import OTHER_COUNTRIES
from app.money import D

OUR_STATE = "27"  # Maharashtra
OUR_GSTIN = "27AAPFU0939F1ZV"

_ids = itertools.count(1)


def gstin(state: str, pan: str = "AABCR1718E", entity: str = "1") -> str:
    """A valid regular GSTIN for ``pan`` registered in ``state``."""
    first14 = f"{state}{pan}{entity}Z"
    return first14 + check_character(first14)


@dataclass(frozen=True)
class Line:
    """One line as the user enters it; amounts as strings."""

    price: str
    qty: str = "1"
    rate: str = "18"
    hsn: str = "8471"
    uqc: str = "NOS"
    description: str = "Laptop bag"
    discount_pct: str = "0"
    cess_rate: str = "0"
    cess_per_unit: str = "0"
    inclusive: bool = False
    taxability: Taxability = Taxability.TAXABLE

    def draft(self) -> DraftLine:
        return DraftLine(
            self.description,
            D(self.qty),
            D(self.price),
            D(self.rate),
            hsn=self.hsn,
            uqc=self.uqc,
            discount_pct=D(self.discount_pct),
            cess_rate=D(self.cess_rate),
            cess_per_unit=D(self.cess_per_unit),
            price_includes_tax=self.inclusive,
            taxability=self.taxability,
        )


def document(
    kind: DocKind,
    number: str,
    day: date,
    *lines: Line,
    party: str = "Patil Traders",
    party_gstin: str | None = None,
    party_state: str = OUR_STATE,
    address: str = "Shop 4, Laxmi Road, Pune",
    pin: str = "411030",
    pos: str | None = None,
    reverse_charge: bool = False,
    export: Export | None = None,
    to_sez: bool = False,
    scheme: SellerScheme = SellerScheme.REGULAR,
    itc_eligible: bool = True,
    original: PostedDocument | None = None,
    status: DocStatus = DocStatus.POSTED,
    rounding: Rounding = Rounding.PER_LINE,
) -> PostedDocument:
    outward = kind.outward
    if party_gstin:
        party_state = party_gstin[:2]
    if outward:
        seller_state = OUR_STATE
        place = OTHER_COUNTRIES if export is not None else (pos or party_state)
    else:
        seller_state = party_state
        place = pos or OUR_STATE
    zero_rated = export is not None and not export.with_payment
    drafts = [line.draft() for line in lines]
    doc_type = kind.gst_doc_type
    if not outward and scheme is SellerScheme.COMPOSITION:
        doc_type = DocType.BILL_OF_SUPPLY
    tax = compute_invoice_tax(
        TaxInvoiceInput(
            seller_state=seller_state,
            place_of_supply=place,
            # Zero-rated without payment (LUT, bond): no IGST is charged.
            lines=invoice_lines(drafts, zero_rated=zero_rated),
            doc_type=doc_type,
            seller_scheme=scheme,
            reverse_charge=reverse_charge,
            rounding=rounding,
            to_sez=to_sez,
        )
    )
    return PostedDocument(
        id=DocumentId(next(_ids)),
        kind=kind,
        number=number,
        doc_date=day,
        party_id=PartyId(1),
        counterparty=Counterparty(
            name=party,
            gstin=party_gstin,
            state_code=party_state,
            billing=Address(address, party_state, pin),
            phone="9822012345",
        ),
        place_of_supply=place,
        seller_state=seller_state,
        seller_scheme=scheme,
        reverse_charge=reverse_charge,
        inter_state=tax.supply is SupplyType.INTER_STATE,
        state_tax_head=tax.state_tax_head,
        lines=posted_lines(drafts, tax),
        taxable=tax.taxable,
        cgst=tax.cgst,
        sgst=tax.sgst,
        igst=tax.igst,
        cess=tax.cess,
        round_off=tax.round_off,
        grand_total=tax.grand_total,
        status=status,
        export=export,
        to_sez=to_sez,
        original_id=original.id if original else None,
        original_number=original.number if original else "",
        original_date=original.doc_date if original else None,
        itc_eligible=itc_eligible,
    )


def heads(doc: PostedDocument) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return doc.igst, doc.cgst, doc.sgst, doc.cess
