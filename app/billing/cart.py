"""The counter's cart: what the cashier has rung up, before it becomes a document.

Pure: no database, no Qt. Lines are keyed by item, so a second scan adds one to the line.
Counter prices are tax-inclusive (MRP-style) by default; the figures come from the same
``compute_invoice_tax`` the posting uses, so the screen shows what the bill will say.
A cart is held (parked) as JSON with every Decimal written as a string.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from app.billing.model import (
    WALK_IN,
    Counterparty,
    DocKind,
    DocumentDraft,
    DocumentId,
    DraftLine,
    PartyId,
    PostedDocument,
    Tender,
)
from app.errors import ValidationError
from app.gst import (
    InvoiceLine,
    InvoiceTax,
    Rounding,
    SellerScheme,
    TaxInvoiceInput,
    compute_invoice_tax,
)
from app.money import ZERO, D, round_paise, round_quantity

ONE = Decimal(1)
_HUNDRED = Decimal(100)


class Sellable(Protocol):
    """What the cart needs of an item (``inventory.queries.ItemRow`` has it)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def hsn(self) -> str: ...
    @property
    def gst_rate(self) -> Decimal: ...
    @property
    def sale_price(self) -> Decimal: ...


@dataclass(frozen=True)
class CartLine:
    item_id: int
    description: str
    hsn: str
    uqc: str
    gst_rate: Decimal
    unit_price: Decimal
    qty: Decimal
    discount_pct: Decimal = ZERO
    price_includes_tax: bool = True

    @property
    def amount(self) -> Decimal:
        """The line as priced (after discount), before the tax is worked out of it."""
        gross = round_paise(self.qty * self.unit_price)
        return gross - round_paise(gross * self.discount_pct / _HUNDRED)

    def draft_line(self) -> DraftLine:
        return DraftLine(
            description=self.description,
            qty=self.qty,
            unit_price=self.unit_price,
            gst_rate=self.gst_rate,
            item_id=self.item_id,
            hsn=self.hsn,
            uqc=self.uqc,
            discount_pct=self.discount_pct,
            price_includes_tax=self.price_includes_tax,
        )

    def invoice_line(self) -> InvoiceLine:
        return InvoiceLine(
            qty=self.qty,
            rate=self.unit_price,
            gst_rate=self.gst_rate,
            discount_pct=self.discount_pct,
            price_includes_tax=self.price_includes_tax,
        )


@dataclass(frozen=True)
class CartTerms:
    """Who sells to where under which scheme: what the tax on the cart depends on."""

    seller_state: str
    place_of_supply: str
    scheme: SellerScheme = SellerScheme.REGULAR
    rounding: Rounding = Rounding.PER_LINE

    @property
    def kind(self) -> DocKind:
        # CGST Rule 5(1)(f): a composition dealer issues a bill of supply.
        composition = self.scheme is SellerScheme.COMPOSITION
        return DocKind.BILL_OF_SUPPLY if composition else DocKind.SALES_INVOICE


@dataclass(frozen=True)
class CartCustomer:
    """The customer on the bill: a party from the books, or a walk-in with a phone number."""

    party_id: PartyId | None = None
    name: str = ""
    phone: str = ""
    gstin: str | None = None
    state_code: str = ""

    @property
    def label(self) -> str:
        if self.name and self.phone:
            return f"{self.name} ({self.phone})"
        return self.name or self.phone or "Walk-in"


def _positive(value: Decimal, what: str) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise ValidationError(f"The {what} must be more than zero.")
    return value


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)
    customer: CartCustomer = field(default_factory=CartCustomer)

    # -- ringing up ------------------------------------------------------------------------
    def add_scan(self, item: Sellable, qty: Decimal = ONE, *, price: Decimal | None = None) -> int:
        """Add ``qty`` of the item: to its line if it has one, else as a new line at the
        end. Returns the line's index."""
        qty = round_quantity(_positive(qty, "quantity"))
        for index, line in enumerate(self.lines):
            if line.item_id == item.id:
                self.lines[index] = replace(line, qty=line.qty + qty)
                return index
        self.lines.append(
            CartLine(
                item_id=int(item.id),
                description=item.name,
                hsn=item.hsn,
                uqc=item.unit,
                gst_rate=item.gst_rate,
                unit_price=item.sale_price if price is None else price,
                qty=qty,
            )
        )
        return len(self.lines) - 1

    def add_scale(
        self, item: Sellable, quantity: Decimal | None = None, amount: Decimal | None = None
    ) -> int:
        """A weighing-scale label: it carries the weight, or the price to charge (then the
        weight is the price over the rate, to the gram)."""
        if quantity is not None:
            return self.add_scan(item, quantity)
        if amount is None:
            return self.add_scan(item)
        if item.sale_price <= 0:
            raise ValidationError(
                f"{item.name} has no sale price, so the weight on its label cannot be worked "
                "out; set its price on the Inventory page."
            )
        return self.add_scan(item, round_quantity(amount / item.sale_price))

    # -- edits from the keyboard -------------------------------------------------------------
    def _line(self, index: int) -> CartLine:
        if not 0 <= index < len(self.lines):
            raise ValidationError("Choose a line of the bill first.")
        return self.lines[index]

    def set_quantity(self, index: int, qty: Decimal) -> None:
        line = self._line(index)
        self.lines[index] = replace(line, qty=round_quantity(_positive(qty, "quantity")))

    def set_price(self, index: int, price: Decimal) -> None:
        line = self._line(index)
        if not price.is_finite() or price < 0 or price != round_paise(price):
            raise ValidationError("The price must be rupees and paise, not negative.")
        self.lines[index] = replace(line, unit_price=price)

    def set_discount(self, index: int, percent: Decimal) -> None:
        line = self._line(index)
        if not percent.is_finite() or not ZERO <= percent <= _HUNDRED:
            raise ValidationError("The discount must be between 0% and 100%.")
        self.lines[index] = replace(line, discount_pct=percent)

    def remove(self, index: int) -> None:
        self._line(index)
        del self.lines[index]

    def clear(self) -> None:
        self.lines.clear()
        self.customer = CartCustomer()

    # -- figures -----------------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def shelf_total(self) -> Decimal:
        """The lines as priced: what the customer sees before tax is worked out."""
        return sum((line.amount for line in self.lines), ZERO)

    def totals(self, terms: CartTerms) -> InvoiceTax | None:
        """The tax on the cart as it would be posted; None for an empty cart."""
        if not self.lines:
            return None
        return compute_invoice_tax(
            TaxInvoiceInput(
                seller_state=terms.seller_state,
                place_of_supply=terms.place_of_supply,
                lines=tuple(line.invoice_line() for line in self.lines),
                doc_type=terms.kind.gst_doc_type,
                seller_scheme=terms.scheme,
                rounding=terms.rounding,
            )
        )

    def to_draft(
        self, terms: CartTerms, doc_date: date, tenders: tuple[Tender, ...] = ()
    ) -> DocumentDraft:
        if not self.lines:
            raise ValidationError("The bill is empty: scan or search an item first.")
        customer = self.customer
        walk_in = None
        if customer.party_id is None and (customer.name or customer.phone):
            walk_in = Counterparty(name=customer.name or WALK_IN, phone=customer.phone)
        return DocumentDraft(
            kind=terms.kind,
            doc_date=doc_date,
            lines=tuple(line.draft_line() for line in self.lines),
            party_id=customer.party_id,
            walk_in=walk_in,
            tenders=tenders,
        )

    # -- holding -------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "customer": {
                    "party_id": self.customer.party_id,
                    "name": self.customer.name,
                    "phone": self.customer.phone,
                    "gstin": self.customer.gstin,
                    "state_code": self.customer.state_code,
                },
                "lines": [
                    {
                        "item_id": line.item_id,
                        "description": line.description,
                        "hsn": line.hsn,
                        "uqc": line.uqc,
                        "gst_rate": str(line.gst_rate),
                        "unit_price": str(line.unit_price),
                        "qty": str(line.qty),
                        "discount_pct": str(line.discount_pct),
                        "price_includes_tax": line.price_includes_tax,
                    }
                    for line in self.lines
                ],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Cart:
        try:
            data: dict[str, Any] = json.loads(text)
            who = data["customer"]
            customer = CartCustomer(
                party_id=PartyId(who["party_id"]) if who["party_id"] is not None else None,
                name=who["name"],
                phone=who["phone"],
                gstin=who["gstin"],
                state_code=who["state_code"],
            )
            lines = [
                CartLine(
                    item_id=int(row["item_id"]),
                    description=row["description"],
                    hsn=row["hsn"],
                    uqc=row["uqc"],
                    gst_rate=D(row["gst_rate"]),
                    unit_price=D(row["unit_price"]),
                    qty=D(row["qty"]),
                    discount_pct=D(row["discount_pct"]),
                    price_includes_tax=bool(row["price_includes_tax"]),
                )
                for row in data["lines"]
            ]
        except (KeyError, TypeError, ValueError, InvalidOperation) as error:
            raise ValidationError(
                f"This held bill cannot be read back ({error}); ring it up again."
            ) from None
        return cls(lines, customer)


# Returns against a bill -----------------------------------------------------------------------


def _qty(value: Decimal) -> str:
    """3.000 as 3, 0.750 as 0.75."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def returnable(
    original: PostedDocument, already_returned: Mapping[int, Decimal]
) -> dict[int, Decimal]:
    """What can still come back, by the original's line number."""
    return {
        line.line_no: line.qty - already_returned.get(line.line_no, ZERO) for line in original.lines
    }


def return_cart(
    original: PostedDocument,
    quantities: Mapping[int, Decimal],
    doc_date: date,
    *,
    already_returned: Mapping[int, Decimal] | None = None,
    reason: str = "Goods returned",
    tenders: tuple[Tender, ...] = (),
) -> DocumentDraft:
    """A credit note for goods brought back, at the prices of the original bill (s.34(1)).

    ``quantities`` and ``already_returned`` are keyed by the original's line number; a line
    cannot come back more than was sold less what came back before."""
    if original.kind not in (DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY):
        raise ValidationError(
            f"{original.number} is a {original.kind.label.lower()}; goods come back against a sale."
        )
    if original.cancelled:
        raise ValidationError(f"{original.number} was cancelled; nothing can come back on it.")
    left = returnable(original, already_returned or {})
    by_number = {line.line_no: line for line in original.lines}
    lines: list[DraftLine] = []
    for line_no, qty in sorted(quantities.items()):
        if qty == 0:
            continue
        line = by_number.get(line_no)
        if line is None:
            raise ValidationError(f"{original.number} has no line {line_no}.")
        if qty < 0 or qty != round_quantity(qty):
            raise ValidationError(f"Line {line_no}: the quantity must be positive.")
        if qty > left[line_no]:
            raise ValidationError(
                f"Line {line_no} ({line.description}): {_qty(left[line_no])} can come back "
                f"at most ({_qty(line.qty)} sold, {_qty(line.qty - left[line_no])} returned "
                "before)."
            )
        lines.append(
            DraftLine(
                description=line.description,
                qty=qty,
                unit_price=line.unit_price,
                gst_rate=line.gst_rate,
                item_id=line.item_id,
                hsn=line.hsn,
                uqc=line.uqc,
                discount_pct=line.discount_pct,
                cess_rate=line.cess_rate,
                price_includes_tax=line.price_includes_tax,
                taxability=line.taxability,
            )
        )
    if not lines:
        raise ValidationError("Enter how many of which line come back.")
    walk_in = original.counterparty if original.party_id is None else None
    return DocumentDraft(
        kind=DocKind.CREDIT_NOTE,
        doc_date=doc_date,
        lines=tuple(lines),
        party_id=original.party_id,
        walk_in=walk_in,
        original_id=DocumentId(original.id),
        place_of_supply=original.place_of_supply,  # a note follows the supply it corrects
        reason=reason.strip() or "Goods returned",
        tenders=tenders,
    )


def note_totals(original: PostedDocument, note: DocumentDraft, rounding: Rounding) -> InvoiceTax:
    """The figures of a credit note against ``original`` as posting will work them out: the
    original's states and scheme, the note's lines (the refund to hand over)."""
    return compute_invoice_tax(
        TaxInvoiceInput(
            seller_state=original.seller_state,
            place_of_supply=original.place_of_supply,
            lines=tuple(
                InvoiceLine(
                    qty=line.qty,
                    rate=line.unit_price,
                    gst_rate=line.gst_rate,
                    discount_pct=line.discount_pct,
                    cess_rate=line.cess_rate,
                    cess_per_unit=line.cess_per_unit,
                    price_includes_tax=line.price_includes_tax,
                    taxability=line.taxability,
                )
                for line in note.lines
            ),
            doc_type=note.kind.gst_doc_type,
            seller_scheme=original.seller_scheme,
            rounding=rounding,
            to_sez=original.to_sez,
        )
    )
