"""Pure billing values: document kinds, parties as printed, drafts and posted documents.

A draft is what the user entered; ``PostedDocument`` is what the books keep, with every figure
the tax rules produced, frozen at posting. Printing, GSTR-1/3B and the e-invoice JSON all read
``PostedDocument`` and never recompute tax, so the paper, the return and the books agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NewType

from app.errors import ValidationError
from app.gst import (
    DocType,
    InvoiceLine,
    InvoiceTax,
    RateSummary,
    SellerScheme,
    Taxability,
    allowed_rates,
    rate_problem,
)
from app.inventory.model import UQC_CODES, hsn_problem, quantity_problem
from app.money import ZERO, has_at_most_paise

PartyId = NewType("PartyId", int)
DocumentId = NewType("DocumentId", int)


class DocKind(StrEnum):
    SALES_INVOICE = "sales_invoice"  # tax invoice (CGST Rule 46)
    BILL_OF_SUPPLY = "bill_of_supply"  # exempt goods, or any sale by a composition dealer
    CREDIT_NOTE = "credit_note"  # to a customer: goods returned, price reduced (s.34(1))
    DEBIT_NOTE = "debit_note"  # to a customer: price raised after the invoice (s.34(3))
    PURCHASE_BILL = "purchase_bill"  # a supplier's invoice, entered by us
    PURCHASE_RETURN = "purchase_return"  # our debit note to a supplier for goods sent back
    QUOTATION = "quotation"  # no voucher, no stock
    SALES_ORDER = "sales_order"  # no voucher, no stock
    DELIVERY_CHALLAN = "delivery_challan"  # goods leave without a sale (Rule 55): stock only

    @property
    def outward(self) -> bool:
        """Issued by us to a customer (reported in GSTR-1) rather than received."""
        return self not in (DocKind.PURCHASE_BILL, DocKind.PURCHASE_RETURN)

    @property
    def posts_voucher(self) -> bool:
        return self not in (DocKind.QUOTATION, DocKind.SALES_ORDER, DocKind.DELIVERY_CHALLAN)

    @property
    def is_note(self) -> bool:
        """Refers to an original invoice (Rule 53)."""
        return self in (DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE, DocKind.PURCHASE_RETURN)

    @property
    def gst_doc_type(self) -> DocType:
        return _GST_TYPES.get(self, DocType.TAX_INVOICE)

    @property
    def label(self) -> str:
        return _LABELS[self]


_GST_TYPES = {
    DocKind.BILL_OF_SUPPLY: DocType.BILL_OF_SUPPLY,
    DocKind.CREDIT_NOTE: DocType.CREDIT_NOTE,
    DocKind.DEBIT_NOTE: DocType.DEBIT_NOTE,
    DocKind.PURCHASE_RETURN: DocType.DEBIT_NOTE,
}

_LABELS = {
    DocKind.SALES_INVOICE: "Tax Invoice",
    DocKind.BILL_OF_SUPPLY: "Bill of Supply",
    DocKind.CREDIT_NOTE: "Credit Note",
    DocKind.DEBIT_NOTE: "Debit Note",
    DocKind.PURCHASE_BILL: "Purchase Bill",
    DocKind.PURCHASE_RETURN: "Debit Note (Purchase Return)",
    DocKind.QUOTATION: "Quotation",
    DocKind.SALES_ORDER: "Sales Order",
    DocKind.DELIVERY_CHALLAN: "Delivery Challan",
}


class DocStatus(StrEnum):
    POSTED = "posted"
    CANCELLED = "cancelled"  # keeps its number (Rule 46(b): consecutive serials, no gaps)


@dataclass(frozen=True)
class Address:
    text: str = ""  # street, area, city as the user wrote them
    state_code: str = ""  # two digits, "" when unknown
    pin: str = ""


@dataclass(frozen=True)
class Counterparty:
    """The customer or supplier as printed on the document, frozen at posting (a later change to
    the party's master record does not rewrite an issued invoice)."""

    name: str
    gstin: str | None = None
    state_code: str = ""  # from the GSTIN when registered
    billing: Address = Address()
    shipping: Address | None = None
    phone: str = ""

    @property
    def registered(self) -> bool:
        return bool(self.gstin)


@dataclass(frozen=True)
class Export:
    """Zero-rated export of goods or services (GSTR-1 table 6A)."""

    with_payment: bool  # WPAY: IGST paid and refunded; WOPAY: under bond / LUT
    port_code: str = ""
    shipping_bill: str = ""
    shipping_bill_date: date | None = None


@dataclass(frozen=True)
class Irn:
    """What the Invoice Registration Portal returned for an e-invoice (entered or imported)."""

    irn: str  # 64 hex characters
    ack_no: str
    ack_date: date
    signed_qr: str  # the signed QR text, printed as a QR code on the invoice


@dataclass(frozen=True)
class PostedLine:
    """One line with the figures the tax rules produced (credit-note figures are positive)."""

    line_no: int
    item_id: int | None
    description: str
    hsn: str
    uqc: str
    qty: Decimal
    unit_price: Decimal  # as entered: tax-inclusive when ``price_includes_tax``
    price_includes_tax: bool
    discount_pct: Decimal
    gross: Decimal
    discount: Decimal
    taxable: Decimal
    gst_rate: Decimal  # the rate applied: 0 on a bill of supply
    cess_rate: Decimal
    cgst: Decimal
    sgst: Decimal  # UTGST where the place of supply is a UT without legislature
    igst: Decimal
    cess: Decimal
    taxability: Taxability = Taxability.TAXABLE

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst + self.cess

    @property
    def total(self) -> Decimal:
        return self.taxable + self.tax

    @property
    def is_service(self) -> bool:
        return self.hsn.startswith("99")


@dataclass(frozen=True)
class PostedDocument:
    """A document as the books keep it. Amounts are positive; ``kind`` says which way it counts."""

    id: DocumentId
    kind: DocKind
    number: str  # our serial; for a purchase bill, the supplier's invoice number
    doc_date: date
    party_id: PartyId | None  # None for a walk-in counter sale
    counterparty: Counterparty
    place_of_supply: str  # state code; "96" for exports
    seller_state: str  # state code of the supplier (us on outward documents)
    seller_scheme: SellerScheme
    reverse_charge: bool
    inter_state: bool
    state_tax_head: str  # "SGST" or "UTGST"
    lines: tuple[PostedLine, ...]
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    cess: Decimal
    round_off: Decimal
    grand_total: Decimal
    status: DocStatus = DocStatus.POSTED
    export: Export | None = None
    to_sez: bool = False
    original_id: DocumentId | None = None  # the invoice a note refers to
    original_number: str = ""
    original_date: date | None = None
    reason: str = ""  # why a note was issued
    itc_eligible: bool = True  # purchase side: False for blocked credit (s.17(5))
    our_reference: str = ""  # our own serial for a purchase bill ("PB/25-26/12")
    irn: Irn | None = None
    notes: str = ""
    voucher_id: int | None = None

    @property
    def total_tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst + self.cess

    @property
    def cancelled(self) -> bool:
        return self.status is DocStatus.CANCELLED

    @property
    def sign(self) -> int:
        """-1 where the document reduces its register (a credit note, a purchase return)."""
        return -1 if self.kind in (DocKind.CREDIT_NOTE, DocKind.PURCHASE_RETURN) else 1

    @property
    def is_b2b(self) -> bool:
        return self.counterparty.registered

    def rate_summary(self) -> tuple[RateSummary, ...]:
        """Figures per GST rate, lowest rate first (GSTR-1 rows, the invoice's tax summary)."""
        rates = sorted({line.gst_rate for line in self.lines})
        return tuple(
            RateSummary(
                gst_rate=rate,
                taxable=sum((x.taxable for x in at_rate), ZERO),
                cgst=sum((x.cgst for x in at_rate), ZERO),
                sgst=sum((x.sgst for x in at_rate), ZERO),
                igst=sum((x.igst for x in at_rate), ZERO),
                cess=sum((x.cess for x in at_rate), ZERO),
            )
            for rate in rates
            for at_rate in [[x for x in self.lines if x.gst_rate == rate]]
        )


# Drafts: what the user enters ------------------------------------------------------------


class PartyKind(StrEnum):
    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    BOTH = "both"


class PaymentMode(StrEnum):
    CASH = "cash"
    UPI = "upi"
    CARD = "card"
    BANK = "bank"  # cheque, NEFT, RTGS


@dataclass(frozen=True)
class PartyDraft:
    name: str
    kind: PartyKind = PartyKind.CUSTOMER
    gstin: str | None = None
    state_code: str = ""  # taken from the GSTIN when there is one
    billing: Address = Address()
    shipping: Address | None = None
    phone: str = ""
    email: str = ""
    credit_limit: Decimal | None = None
    credit_days: int = 0
    composition: bool = False  # a supplier under the composition scheme (GSTR-3B table 5)
    opening_balance: Decimal = ZERO  # + they owe us, - we owe them, on the books' first day


@dataclass(frozen=True)
class DraftLine:
    description: str
    qty: Decimal  # in ``uqc``, the item's base unit
    unit_price: Decimal
    gst_rate: Decimal = ZERO
    item_id: int | None = None
    hsn: str = ""
    uqc: str = "NOS"
    discount_pct: Decimal = ZERO
    cess_rate: Decimal = ZERO
    cess_per_unit: Decimal = ZERO
    price_includes_tax: bool = False
    taxability: Taxability = Taxability.TAXABLE
    godown_id: int | None = None  # None: the main godown
    batch_id: int | None = None


@dataclass(frozen=True)
class Tender:
    """Money handed over with the document: at the counter, or paid with a purchase."""

    mode: PaymentMode
    amount: Decimal
    reference: str = ""  # UPI transaction id, card slip number


@dataclass(frozen=True)
class DocumentDraft:
    kind: DocKind
    doc_date: date
    lines: tuple[DraftLine, ...]
    party_id: PartyId | None = None
    walk_in: Counterparty | None = None  # a counter customer with no party record
    place_of_supply: str | None = None  # None: decided by the rules from the party
    reverse_charge: bool = False
    export: Export | None = None
    to_sez: bool = False
    original_id: DocumentId | None = None  # the invoice a note refers to
    original_number: str = ""  # ... or, for one outside these books, its number and date
    original_date: date | None = None
    reason: str = ""
    supplier_number: str = ""  # a purchase bill's or purchase credit note's own number
    itc_eligible: bool = True
    moves_stock: bool = True  # False for a price-only credit or debit note
    tenders: tuple[Tender, ...] = ()
    notes: str = ""


def invoice_lines(
    lines: Sequence[DraftLine], *, zero_rated: bool = False
) -> tuple[InvoiceLine, ...]:
    """The tax rules' view of entered lines. A zero-rated supply without payment of tax
    (export or SEZ under LUT or bond) is charged no GST or cess."""
    return tuple(
        InvoiceLine(
            qty=line.qty,
            rate=line.unit_price,
            gst_rate=ZERO if zero_rated else line.gst_rate,
            discount_pct=line.discount_pct,
            cess_rate=ZERO if zero_rated else line.cess_rate,
            cess_per_unit=ZERO if zero_rated else line.cess_per_unit,
            price_includes_tax=line.price_includes_tax,
            taxability=line.taxability,
        )
        for line in lines
    )


def posted_lines(lines: Sequence[DraftLine], figures: InvoiceTax) -> tuple[PostedLine, ...]:
    """Entered lines with the figures the tax rules produced for them."""
    return tuple(
        PostedLine(
            line_no=n,
            item_id=entered.item_id,
            description=" ".join(entered.description.split()),
            hsn=entered.hsn,
            uqc=entered.uqc,
            qty=entered.qty,
            unit_price=entered.unit_price,
            price_includes_tax=entered.price_includes_tax,
            discount_pct=entered.discount_pct,
            gross=tax.gross,
            discount=tax.discount,
            taxable=tax.taxable,
            gst_rate=tax.gst_rate,
            cess_rate=tax.cess_rate,
            cgst=tax.cgst,
            sgst=tax.sgst,
            igst=tax.igst,
            cess=tax.cess,
            taxability=entered.taxability,
        )
        for n, (entered, tax) in enumerate(zip(lines, figures.lines, strict=True), start=1)
    )


def line_problems(line: DraftLine, rates_on: date) -> list[str]:
    """What is wrong with one line. ``rates_on`` is the date whose GST rates apply: the
    document's own, or for a note the original invoice's (it corrects that supply)."""
    found = []
    if not line.description.strip():
        found.append("the line needs a description.")
    for problem in (quantity_problem(line.qty), hsn_problem(line.hsn)):
        if problem:
            found.append(problem)
    if line.uqc not in UQC_CODES:
        found.append(f"{line.uqc!r} is not a GST unit code (UQC) such as NOS, PCS or KGS.")
    if not has_at_most_paise(line.unit_price) or line.unit_price < 0:
        found.append(f"the price {line.unit_price} must be rupees and paise, not negative.")
    if line.taxability is Taxability.TAXABLE and rate_problem(line.gst_rate, rates_on):
        listed = ", ".join(f"{r}%" for r in allowed_rates(rates_on))
        found.append(f"{line.gst_rate}% is not a GST rate on {rates_on:%d-%m-%Y} ({listed}).")
    return found


def draft_problems(draft: DocumentDraft, rates_on: date) -> list[str]:
    if not draft.lines:
        return ["A document needs at least one line."]
    return [
        f"Line {n}: {problem}"
        for n, line in enumerate(draft.lines, start=1)
        for problem in line_problems(line, rates_on)
    ]


WALK_IN = "Cash Sale"  # the name printed for an unnamed counter customer


@dataclass(frozen=True)
class PostingAccounts:
    """The ledger accounts a document posts to, looked up once per posting."""

    sales: int
    sales_returns: int
    purchases: int
    purchase_returns: int
    output: dict[str, int]  # "cgst", "sgst", "utgst", "igst", "cess" -> account
    input: dict[str, int]
    rcm_payable: int
    round_off: int
    tenders: dict[PaymentMode, int]


def tax_heads_of(doc: PostedDocument) -> dict[str, Decimal]:
    """Tax per ledger head, with SGST booked as UTGST in a UT without legislature."""
    state_head = "utgst" if doc.state_tax_head == "UTGST" else "sgst"
    return {"cgst": doc.cgst, state_head: doc.sgst, "igst": doc.igst, "cess": doc.cess}


def voucher_lines(
    doc: PostedDocument,
    party_account: int | None,
    accounts: PostingAccounts,
    tenders: tuple[Tender, ...],
) -> list[tuple[int, Decimal]]:
    """The voucher of a document as (account, signed amount: + debit) pairs, balanced.

    Sales side: the customer (or the tenders) owe the grand total; sales and output tax
    take the taxable value and tax; round-off takes the difference. A credit note is the
    mirror image into Sales Returns. Purchases mirror that with input tax; tax on reverse
    charge is owed to the government (RCM payable), and blocked credit is part of cost.
    """
    heads = tax_heads_of(doc)
    lines: list[tuple[int, Decimal]] = []
    outward = doc.kind.outward
    if outward:
        income = accounts.sales_returns if doc.sign < 0 else accounts.sales
        # Seller side: tax is output tax unless the recipient pays it under reverse charge.
        lines.append((income, -doc.taxable))
        if not doc.reverse_charge:
            lines += [(accounts.output[h], -v) for h, v in heads.items()]
    else:
        cost = accounts.purchase_returns if doc.sign < 0 else accounts.purchases
        credit = doc.itc_eligible and doc.seller_scheme is SellerScheme.REGULAR
        blocked = ZERO if credit else doc.total_tax
        lines.append((cost, doc.taxable + (ZERO if doc.reverse_charge else blocked)))
        if credit:
            lines += [(accounts.input[h], v) for h, v in heads.items()]
        if doc.reverse_charge:
            # CGST Act s.9(3): we pay the tax ourselves; the supplier is paid the taxable value.
            lines.append((accounts.rcm_payable, -doc.total_tax))
            if not credit:
                lines.append((cost, doc.total_tax))
    lines.append((accounts.round_off, -doc.round_off if outward else doc.round_off))

    # The other side: money handed over now, the rest on the party's account.
    settle_sign = Decimal(1) if outward else Decimal(-1)
    paid = sum((t.amount for t in tenders), ZERO)
    lines += [(accounts.tenders[t.mode], settle_sign * t.amount) for t in tenders]
    rest = doc.grand_total - paid
    if rest:
        if party_account is None:
            raise ValidationError(
                f"{doc.grand_total - paid:.2f} of the bill is unpaid. Take the full amount, "
                "or choose a customer to put the rest on account."
            )
        lines.append((party_account, settle_sign * rest))
    # A credit note or purchase return runs the other way round.
    signed = [(account, amount * doc.sign) for account, amount in lines if amount]
    return _merge(signed)


def _merge(lines: list[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    merged: dict[int, Decimal] = {}
    for account, amount in lines:
        merged[account] = merged.get(account, ZERO) + amount
    return [(account, amount) for account, amount in merged.items() if amount]
