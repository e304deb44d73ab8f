"""Build ``PostedDocument`` values for GST return tests, with figures from the real tax engine.

``post(...)`` runs ``app.gst.compute_invoice_tax`` on the lines and freezes the result the way
posting does, so a test never types a tax figure by hand unless it means to check one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date

from app.billing.model import (
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
    SellerScheme,
    Taxability,
    TaxInvoiceInput,
    check_character,
    compute_invoice_tax,
)
from app.gst.place_of_supply import SupplyType
from app.gst.states import OTHER_COUNTRIES, state_by_code
from app.money import D

SELLER_STATE = "27"  # Maharashtra
SELLER_GSTIN = "27AAPFU0939F1ZV"  # the stdnum doctest GSTIN (gst.md §1.2)

_ids = itertools.count(1)


def gstin(state: str, pan: str = "AABCR1718E", entity: str = "1") -> str:
    """A valid regular GSTIN for ``pan`` registered in ``state``."""
    first14 = f"{state}{pan}{entity}Z"
    return first14 + check_character(first14)


@dataclass(frozen=True)
class Item:
    """One line as the user would enter it."""

    price: str
    rate: str = "18"
    qty: str = "1"
    hsn: str = "8471"
    uqc: str = "NOS"
    description: str = "Goods"
    discount_pct: str = "0"
    cess_rate: str = "0"
    taxability: Taxability = Taxability.TAXABLE
    inclusive: bool = False

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
            price_includes_tax=self.inclusive,
            taxability=self.taxability,
        )


def post(
    kind: DocKind,
    number: str,
    day: date,
    *items: Item,
    buyer_gstin: str | None = None,
    buyer_state: str = SELLER_STATE,
    pos: str | None = None,
    seller_state: str = SELLER_STATE,
    reverse_charge: bool = False,
    export: Export | None = None,
    to_sez: bool = False,
    original: PostedDocument | None = None,
    original_number: str = "",
    original_date: date | None = None,
    status: DocStatus = DocStatus.POSTED,
    scheme: SellerScheme = SellerScheme.REGULAR,
    document_id: int | None = None,
) -> PostedDocument:
    """A posted document; the place of supply follows the buyer (the GSTIN's state when
    registered, else ``buyer_state``) unless ``pos`` is given; exports go to 96."""
    if export is not None:
        place = OTHER_COUNTRIES
    elif pos is not None:
        place = pos
    elif buyer_gstin:
        place = buyer_gstin[:2]
    else:
        place = buyer_state
    drafts = [item.draft() for item in items]
    # Zero-rated without payment (LUT, bond): no IGST is charged.
    lines = invoice_lines(drafts, zero_rated=export is not None and not export.with_payment)
    tax = compute_invoice_tax(
        TaxInvoiceInput(
            seller_state=seller_state,
            place_of_supply=place,
            lines=lines,
            doc_type=kind.gst_doc_type,
            seller_scheme=scheme,
            reverse_charge=reverse_charge,
            to_sez=to_sez,
        )
    )
    lines_posted = posted_lines(drafts, tax)
    counterparty = Counterparty(
        name="Buyer",
        gstin=buyer_gstin,
        state_code=buyer_gstin[:2] if buyer_gstin else buyer_state,
    )
    return PostedDocument(
        id=DocumentId(document_id if document_id is not None else next(_ids)),
        kind=kind,
        number=number,
        doc_date=day,
        party_id=PartyId(1) if buyer_gstin else None,
        counterparty=counterparty,
        place_of_supply=place,
        seller_state=seller_state,
        seller_scheme=scheme,
        reverse_charge=reverse_charge,
        inter_state=tax.supply is SupplyType.INTER_STATE,
        state_tax_head=state_by_code(place).state_tax_head,
        lines=lines_posted,
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
        original_id=original.id if original is not None else None,
        original_number=original.number if original is not None else original_number,
        original_date=original.doc_date if original is not None else original_date,
    )


def invoice(number: str, day: date, *items: Item, **kw: object) -> PostedDocument:
    return post(DocKind.SALES_INVOICE, number, day, *items, **kw)  # type: ignore[arg-type]


def credit_note(
    number: str, day: date, original: PostedDocument, *items: Item, **kw: object
) -> PostedDocument:
    """A credit note against ``original``, to the same buyer and place of supply."""
    return post(
        DocKind.CREDIT_NOTE,
        number,
        day,
        *items,
        original=original,
        buyer_gstin=original.counterparty.gstin,
        pos=original.place_of_supply if original.export is None else None,
        export=original.export,
        to_sez=original.to_sez,
        **kw,  # type: ignore[arg-type]
    )


def debit_note(
    number: str, day: date, original: PostedDocument, *items: Item, **kw: object
) -> PostedDocument:
    return post(
        DocKind.DEBIT_NOTE,
        number,
        day,
        *items,
        original=original,
        buyer_gstin=original.counterparty.gstin,
        pos=original.place_of_supply if original.export is None else None,
        export=original.export,
        to_sez=original.to_sez,
        **kw,  # type: ignore[arg-type]
    )


def cancelled(document: PostedDocument) -> PostedDocument:
    return replace(document, status=DocStatus.CANCELLED)
