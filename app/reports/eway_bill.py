"""The e-way bill warning (CGST Rule 138, gst.md §6.3).

Goods worth more than Rs 50,000 in one consignment may move only with an e-way bill. The value
is the taxable value plus CGST, SGST/UTGST, IGST and cess, leaving out exempt and non-GST goods
on the same invoice (Rule 138, Explanation 2; Rule 138(14) for non-GST goods). Services never
need one. The bill itself is made on the e-way bill portal; Bahi only warns.
"""

from __future__ import annotations

from decimal import Decimal

from app.billing.model import DocKind, PostedDocument
from app.gst import Taxability
from app.money import ZERO, format_inr

EWAY_BILL_LIMIT = Decimal("50000")

# Documents that send goods on their way from us, or that we answer for: a purchase from an
# unregistered supplier makes us the party who generates the bill (Rule 138(3)).
_OUTWARD_MOVES = frozenset(
    {
        DocKind.SALES_INVOICE,
        DocKind.BILL_OF_SUPPLY,
        DocKind.DELIVERY_CHALLAN,
        DocKind.PURCHASE_RETURN,
    }
)


def consignment_value(document: PostedDocument) -> Decimal:
    """The value of the goods on the document with their tax, exempt and non-GST goods left
    out."""
    return sum(
        (
            line.total
            for line in document.lines
            if not line.is_service and line.taxability is Taxability.TAXABLE
        ),
        ZERO,
    )


def eway_bill_needed(document: PostedDocument) -> str | None:
    """A warning when moving the document's goods needs an e-way bill; None when it does not."""
    if document.cancelled:
        return None
    moves = document.kind in _OUTWARD_MOVES or (
        document.kind is DocKind.PURCHASE_BILL and not document.counterparty.registered
    )
    if not moves:
        return None
    value = consignment_value(document)
    if value <= EWAY_BILL_LIMIT:
        return None
    return (
        f"{document.kind.label} {document.number}: the goods are worth Rs {format_inr(value)} "
        f"with tax, more than Rs {format_inr(EWAY_BILL_LIMIT)}. Generate an e-way bill on the "
        "e-way bill portal before they move (CGST Rule 138); some states allow more within "
        "the state."
    )
