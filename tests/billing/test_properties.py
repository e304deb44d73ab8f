"""Properties of posted documents: the voucher says what the document says, whatever is sold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.billing.model import (
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PartyKind,
)
from app.billing.parties import add_party
from app.billing.service import post_document
from app.inventory.checks import check_stock
from app.inventory.model import GodownId, ItemDraft
from app.inventory.service import StockLine, add_item, set_opening_stock
from app.ledger import queries as ledger_queries
from app.ledger.checks import check_books
from app.money import ZERO
from app.storage.company import Company
from tests.conftest import CompanyFactory

RATES = ("0", "5", "18", "40")
DAY = date(2025, 11, 3)

amounts = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("99999"), places=2)
lines = st.builds(
    lambda qty, price, rate, disc, inclusive, cess, stocked: {
        "qty": qty,
        "price": price,
        "rate": Decimal(rate),
        "disc": disc,
        "inclusive": inclusive,
        "cess": cess,
        "stocked": stocked,
    },
    st.decimals(min_value=Decimal("0.010"), max_value=Decimal("500"), places=3),
    amounts,
    st.sampled_from(RATES),
    st.sampled_from([Decimal(0), Decimal("2.5"), Decimal(10)]),
    st.booleans(),
    st.sampled_from([Decimal(0), Decimal(12)]),
    st.booleans(),
)
documents = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([DocKind.SALES_INVOICE, DocKind.PURCHASE_BILL, DocKind.DEBIT_NOTE]),
        "lines": st.lists(lines, min_size=1, max_size=5),
        "inter_state": st.booleans(),
        "reverse_charge": st.booleans(),
    }
)


class Books:
    def __init__(self, company: Company) -> None:
        self.company = company
        self.item = add_item(company, ItemDraft("Widget", hsn="8471", gst_rate=Decimal(18)))
        set_opening_stock(
            company, GodownId(1), [StockLine(self.item, Decimal(10**7), value=Decimal(1000))]
        )
        self.local = add_party(
            company, PartyDraft("Local Co", PartyKind.BOTH, gstin="27AAPFU0939F1ZV")
        )
        self.other = add_party(
            company, PartyDraft("Bengaluru Co", PartyKind.BOTH, gstin="29AABCR1718E1ZL")
        )
        self.bills = 0


def _draft(books: Books, spec: dict[str, Any]) -> DocumentDraft:
    kind: DocKind = spec["kind"]
    draft_lines = tuple(
        DraftLine(
            "Widget" if line["stocked"] else "Service",
            line["qty"],
            line["price"],
            line["rate"],
            item_id=books.item if line["stocked"] else None,
            hsn="8471",
            discount_pct=line["disc"],
            cess_rate=line["cess"],
            price_includes_tax=line["inclusive"],
        )
        for line in spec["lines"]
    )
    books.bills += 1
    return DocumentDraft(
        kind,
        DAY,
        draft_lines,
        party_id=books.other if spec["inter_state"] else books.local,
        reverse_charge=spec["reverse_charge"],
        supplier_number=f"S-{books.bills}",
        original_number="INV/2526/9999" if kind.is_note else "",
        original_date=DAY if kind.is_note else None,
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(documents, min_size=1, max_size=4))
def test_every_document_posts_a_voucher_that_agrees_with_it(
    make_company: CompanyFactory, specs: list[dict[str, Any]]
) -> None:
    books = Books(make_company())
    for spec in specs:
        draft = _draft(books, spec)
        posted = post_document(books.company, draft).document
        with books.company.reader() as conn:
            voucher = ledger_queries.voucher(conn, posted.voucher_id or 0)
            names = {line.account: ZERO for line in voucher.lines}
            for line in voucher.lines:
                names[line.account] += line.amount
        # Balanced, by construction and by sum.
        assert sum((line.amount for line in voucher.lines), ZERO) == 0
        # The party carries the grand total; the tax heads what the document says.
        party = "Bengaluru Co" if spec["inter_state"] else "Local Co"
        sign = 1 if posted.kind.outward else -1
        assert names.get(party, ZERO) == sign * posted.grand_total
        output = "Output" if posted.kind.outward else "Input"
        if not (posted.kind.outward and posted.reverse_charge):
            assert -sign * names.get(f"{output} IGST", ZERO) == posted.igst
            assert -sign * names.get(f"{output} CGST", ZERO) == posted.cgst
        # Inter-state never has CGST; the lines add up to the header.
        assert not (posted.inter_state and posted.cgst)
        assert sum((x.taxable for x in posted.lines), ZERO) == posted.taxable
    with books.company.reader() as conn:
        assert check_stock(conn) == []
    assert check_books(books.company).ok
