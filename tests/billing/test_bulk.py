"""Posting many documents at once (``post_documents``): written together, but with the same
numbers, vouchers, stock, warnings and refusals as posting them one after another."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    select,
)

from app.billing.checks import check_company
from app.billing.model import DocKind, DocumentDraft, DraftLine, PartyDraft, PartyKind
from app.billing.parties import add_party
from app.billing.service import Posted, post_document, post_documents
from app.billing.tables import document_lines, documents, number_series, settlements
from app.errors import ValidationError
from app.inventory import queries as stock_queries
from app.inventory.model import GodownId, ItemDraft, NegativeStock, NegativeStockPolicy
from app.inventory.service import StockLine, add_item, set_opening_stock
from app.inventory.settings import set_negative_stock
from app.inventory.tables import stock_balances, stock_moves
from app.ledger import queries as ledger_queries
from app.ledger.tables import postings, vouchers
from app.money import D
from app.storage.bulk import insert_rows
from app.storage.company import Company
from app.storage.tables import audit_log
from app.storage.types import Paise, Quantity
from tests.conftest import CompanyFactory

DAY = date(2025, 6, 10)
TABLES = (documents, document_lines, vouchers, postings, stock_moves, settlements, audit_log)


class Shop:
    """A company with one stocked item, a customer and a supplier."""

    def __init__(self, company: Company, opening: str = "5") -> None:
        self.company = company
        self.item = add_item(company, ItemDraft("Widget", hsn="8471", gst_rate=D("18")))
        set_opening_stock(company, GodownId(1), [StockLine(self.item, D(opening), value=D("500"))])
        self.customer = add_party(
            company, PartyDraft("Rao Stores", PartyKind.BOTH, gstin="29AABCR1718E1ZL")
        )
        self.supplier = add_party(
            company, PartyDraft("Gupta Wholesale", PartyKind.SUPPLIER, gstin="27AAPFU0939F1ZV")
        )
        self.bills = 0

    def sale(self, qty: str = "1", rate: str = "18") -> DocumentDraft:
        widget = DraftLine("Widget", D(qty), D("120"), D(rate), item_id=self.item, hsn="8471")
        service = DraftLine("Fitting", D("1"), D("50"), D("18"), hsn="998719")
        return DocumentDraft(DocKind.SALES_INVOICE, DAY, (widget, service), party_id=self.customer)

    def purchase(self, qty: str) -> DocumentDraft:
        self.bills += 1
        widget = DraftLine("Widget", D(qty), D("100"), D("18"), item_id=self.item, hsn="8471")
        return DocumentDraft(
            DocKind.PURCHASE_BILL,
            DAY,
            (widget,),
            party_id=self.supplier,
            supplier_number=f"GW-{self.bills}",
        )

    def counts(self) -> dict[str, Any]:
        with self.company.reader() as conn:
            rows = {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in TABLES
            }
            rows["series"] = conn.execute(
                select(number_series.c.kind, number_series.c.next_serial).order_by(
                    number_series.c.kind
                )
            ).all()
            rows["balances"] = conn.execute(select(stock_balances)).all()
        return rows

    def on_hand(self) -> Decimal:
        with self.company.reader() as conn:
            return stock_queries.on_hand(conn, self.item)


def numbers(posted: list[Posted]) -> list[str]:
    return [p.document.number for p in posted]


def test_a_bad_document_in_the_middle_posts_nothing_and_leaves_no_gap(company: Company) -> None:
    shop = Shop(company, opening="100")
    first = post_document(company, shop.sale()).document
    before = shop.counts()
    bad = shop.sale(rate="7")  # no such GST rate: refused while the batch is checked
    with pytest.raises(ValidationError, match="7% is not a GST rate"):
        post_documents(company, [shop.sale(), shop.sale(), bad, shop.sale()])
    assert shop.counts() == before

    # Refused while the batch is written: the third sale would leave the stock negative.
    set_negative_stock(company, NegativeStockPolicy.BLOCK)
    before = shop.counts()  # the setting is audited too
    with pytest.raises(NegativeStock, match="Not enough stock"):
        post_documents(company, [shop.sale("40"), shop.sale("40"), shop.sale("40")])
    assert shop.counts() == before
    assert shop.on_hand() == D("99")

    posted = post_documents(company, [shop.sale(), shop.purchase("10"), shop.sale()])
    assert [first.number, *numbers(posted)] == [
        "INV/2526/0001",
        "INV/2526/0002",
        "GW-1",
        "INV/2526/0003",
    ]
    assert posted[1].document.our_reference == "PB/2526/0001"
    assert numbers(post_documents(company, [shop.sale()])) == ["INV/2526/0004"]
    assert shop.on_hand() == D("106")
    assert check_company(company).ok


def test_a_batch_checks_negative_stock_document_by_document(company: Company) -> None:
    """A purchase later in the batch does not excuse a sale earlier in it."""
    shop = Shop(company, opening="5")
    set_negative_stock(company, NegativeStockPolicy.BLOCK)
    with pytest.raises(NegativeStock, match=r"would be -1\.000 after this entry"):
        post_documents(company, [shop.sale("6"), shop.purchase("10")])
    posted = post_documents(company, [shop.purchase("10"), shop.sale("6")])
    assert [p.warnings for p in posted] == [(), ()]
    assert shop.on_hand() == D("9")


def test_the_same_supplier_bill_twice_in_one_batch_is_refused(company: Company) -> None:
    shop = Shop(company)
    twice = shop.purchase("1")
    with pytest.raises(Exception, match="GW-1 from Gupta Wholesale is already in the books"):
        post_documents(company, [twice, shop.sale(), twice])
    assert shop.counts()["documents"] == 0


def test_an_empty_batch_posts_nothing(company: Company) -> None:
    shop = Shop(company)
    before = shop.counts()
    assert post_documents(company, []) == []
    assert shop.counts() == before


sales_and_purchases = st.lists(
    st.tuples(st.sampled_from(["sale", "purchase"]), st.integers(min_value=1, max_value=4)),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=sales_and_purchases)
def test_a_batch_posts_what_one_by_one_would(
    make_company: CompanyFactory, specs: list[tuple[str, int]]
) -> None:
    together, alone = Shop(make_company()), Shop(make_company())

    def drafts(shop: Shop) -> list[DocumentDraft]:
        return [
            shop.sale(str(qty)) if kind == "sale" else shop.purchase(str(qty))
            for kind, qty in specs
        ]

    batch = post_documents(together.company, drafts(together))
    single = [post_document(alone.company, draft) for draft in drafts(alone)]

    assert numbers(batch) == numbers(single)
    assert [p.warnings for p in batch] == [p.warnings for p in single]
    assert [p.document.grand_total for p in batch] == [p.document.grand_total for p in single]
    assert together.on_hand() == alone.on_hand()
    with together.company.reader() as a, alone.company.reader() as b:
        assert ledger_queries.balances(a, DAY) == ledger_queries.balances(b, DAY)
    counts = together.counts()
    assert counts == alone.counts()
    assert check_company(together.company).ok


def test_the_bulk_insert_writes_what_sqlalchemy_writes() -> None:
    """``insert_rows`` (used for the batch's lines, moves, vouchers and postings) converts
    values with the columns' own types, so the stored bytes and the refusals are the same."""
    metadata = MetaData()
    table = Table(
        "sample",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("day", Date, nullable=False),
        Column("amount", Paise, nullable=False),
        Column("qty", Quantity),
        Column("note", String(20), nullable=False),
        Column("flag", Boolean, nullable=False),
    )
    rows = [
        {"id": 1, "day": DAY, "amount": D("12.50"), "qty": D("1.250"), "note": "a", "flag": True},
        {"id": 2, "day": DAY, "amount": D("-0.01"), "qty": None, "note": "b(c)", "flag": False},
    ]
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
        expected = conn.exec_driver_sql("SELECT * FROM sample ORDER BY id").all()
        conn.exec_driver_sql("DELETE FROM sample")
        insert_rows(conn, table, rows)
        assert conn.exec_driver_sql("SELECT * FROM sample ORDER BY id").all() == expected
        assert conn.execute(select(table.c.amount).order_by(table.c.id)).scalars().all() == [
            D("12.50"),
            D("-0.01"),
        ]
        with pytest.raises(ValueError, match="more than two decimal places"):
            insert_rows(conn, table, [{**rows[0], "id": 3, "amount": D("1.005")}])
        with pytest.raises(ValueError, match="the same columns"):
            insert_rows(conn, table, [rows[0], {"id": 4, "day": DAY}])
