"""A small shop posted through billing for the sales margin tests (reports, CLI, desktop).

The hand-checked books (books begin 1 April 2025): 100 kg of rice as opening stock worth
Rs 4,000 (40/kg).
    10-05  purchase bill: 50 kg for 2,300 (46/kg)
    15-06  invoice 1: 120 kg at 60 = 7,200 and a delivery charge (a service) of 100
    20-06  credit note: 10 kg of invoice 1 back, 600
    01-07  invoice 2: 30 kg at 65 = 1,950
FIFO: invoice 1 costs 100 x 40 + 20 x 46 = 4,920, leaving 30 kg worth 1,380; the 10 kg come
    back at the latest cost, 46/kg = 460; invoice 2 takes the 30 kg of 1,380.
Average: 6,300 / 150 = 42/kg; invoice 1 costs 5,040; the return comes back at 42 = 420;
    invoice 2 takes 30 of 40 kg worth 1,680 = 1,260.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.billing.model import DocKind, DocumentDraft, DocumentId, DraftLine, PartyDraft, PartyKind
from app.billing.parties import add_party
from app.billing.service import post_document
from app.inventory.model import GodownId, ItemDraft, ItemId
from app.inventory.service import StockLine, add_item, set_opening_stock
from app.money import D
from app.storage.company import Company

MAIN = GodownId(1)
CUSTOMER_GSTIN = "29AABCR1718E1ZL"
SUPPLIER_GSTIN = "27AAPFU0939F1ZV"


class Shop:
    def __init__(self, company: Company) -> None:
        self.company = company
        self.customer = add_party(company, PartyDraft("Rao Stores", gstin=CUSTOMER_GSTIN))
        self.supplier = add_party(
            company, PartyDraft("Gupta Wholesale", PartyKind.SUPPLIER, gstin=SUPPLIER_GSTIN)
        )
        self.bills = 0

    def item(self, name: str) -> ItemId:
        return add_item(
            self.company, ItemDraft(name, unit="KGS", hsn="1006", gst_rate=D("5"), sale_price=D(1))
        )

    def line(self, item: ItemId | None, qty: str, price: str) -> DraftLine:
        if item is None:
            return DraftLine("Delivery", D(qty), D(price), D("18"), hsn="996511")
        return DraftLine("Rice", D(qty), D(price), D("5"), item_id=item, hsn="1006", uqc="KGS")

    def buy(self, day: date, *lines: DraftLine) -> Decimal:
        """The bill's taxable value: what the goods cost (the tax is claimed back)."""
        self.bills += 1
        return post_document(
            self.company,
            DocumentDraft(
                DocKind.PURCHASE_BILL,
                day,
                lines,
                party_id=self.supplier,
                supplier_number=f"G{self.bills}",
            ),
        ).document.taxable

    def sell(self, day: date, *lines: DraftLine) -> int:
        draft = DocumentDraft(DocKind.SALES_INVOICE, day, lines, party_id=self.customer)
        return post_document(self.company, draft).document.id

    def take_back(self, day: date, original: int, *lines: DraftLine, goods: bool = True) -> int:
        draft = DocumentDraft(
            DocKind.CREDIT_NOTE,
            day,
            lines,
            party_id=self.customer,
            original_id=DocumentId(original),
            reason="returned",
            moves_stock=goods,
        )
        return post_document(self.company, draft).document.id


def hand_checked(company: Company) -> Shop:
    """The books of the module's docstring."""
    shop = Shop(company)
    rice = shop.item("Rice")
    set_opening_stock(company, MAIN, [StockLine(rice, D("100"), value=D("4000"))])
    shop.buy(date(2025, 5, 10), shop.line(rice, "50", "46"))
    first = shop.sell(date(2025, 6, 15), shop.line(rice, "120", "60"), shop.line(None, "1", "100"))
    shop.take_back(date(2025, 6, 20), first, shop.line(rice, "10", "60"))
    shop.sell(date(2025, 7, 1), shop.line(rice, "30", "65"))
    return shop
