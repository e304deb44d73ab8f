"""Stock entries and item details between real company files, through the real service and
PostgreSQL: transfers between godowns, adjustments, physical counts and a reversal made on
till A are re-posted on till B through inventory, and a barcode, a price list and a unit
added to an item on A scan and price the same on B. After each scenario both tills have
the same trial balance and the same stock per item and godown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from app.billing import queries as billing_queries
from app.billing.model import DocKind, DocumentDraft, DraftLine
from app.billing.service import post_document
from app.inventory import queries as stock_queries
from app.inventory.model import GodownId, UnitConversion
from app.inventory.service import (
    CountLine,
    StockLine,
    add_godown,
    adjust_stock,
    count_stock,
    reverse_stock_in,
    transfer_stock,
    update_item,
)
from app.inventory.settings import set_negative_stock
from app.inventory.tables import stock_journals
from app.money import D
from app.syncing import service as sync_service
from app.syncing.tables import sync_quarantine
from tests.conftest import CompanyFactory
from tests.sync.pg import PgServer
from tests.sync.service import Service
from tests.sync.test_company_sync import (
    _assert_no_plaintext,
    _assert_same,
    _item_draft,
    _item_id,
    _make_shop,
    _settle,
)
from tests.sync.tills import ITEM, SUPPLIER, Till

MAIN = GodownId(1)
CODE = "8901234567890"
ON = date(2025, 6, 5)


@pytest.fixture
def shop(make_company: CompanyFactory, service: Service) -> Iterator[list[Till]]:
    yield _make_shop(make_company, service, 2)


def _godown_stock(till: Till) -> list[tuple[str, str, str]]:
    with till.open() as company, company.reader() as conn:
        item = stock_queries.item_by_name(conn, ITEM).id
        return sorted(
            (ITEM, g.name, str(stock_queries.on_hand(conn, item, g.id)))
            for g in stock_queries.godown_list(conn)
        )


def _held(till: Till) -> list[str]:
    with till.open() as company, company.reader() as conn:
        return list(conn.execute(select(sync_quarantine.c.message)).scalars())


def test_stock_entries_and_item_details_travel(shop: list[Till], pg: PgServer) -> None:
    """Till A transfers, adjusts, counts and reverses an adjustment, and gives the item a
    barcode, a wholesale price and a box of ten; till B re-posts each entry through its own
    inventory and scans the barcode to the item at the wholesale price."""
    a, b = shop
    with a.open() as company:
        back = add_godown(company, "Back Store")
        item = _item_id(company)
        transfer_stock(company, MAIN, back, [StockLine(item, D("40"))], ON, "Weekend stock")
        adjust_stock(company, back, [StockLine(item, D("-3"))], ON, "Torn bags")
        count_stock(company, MAIN, [CountLine(item, D("55"))], date(2025, 6, 6))  # books: 60
        adjust_stock(company, back, [StockLine(item, D("1"))], ON, "Found one")
        with company.unit_of_work() as uow:  # no screen reverses one yet: inventory's own call
            found = uow.conn.execute(select(func.max(stock_journals.c.id))).scalar_one()
            reverse_stock_in(uow, "stock journal", str(found), date(2025, 6, 7))
            uow.commit()
        update_item(
            company,
            item,
            replace(
                _item_draft("412.50"),
                barcodes=(CODE,),
                prices=(("Wholesale", D("395.00")),),
                conversions=(UnitConversion("BOX", D("10")),),
            ),
        )
    all_books = _settle(shop)
    _assert_same(all_books)
    assert all_books[1].godown_stock == (
        (ITEM, "Back Store", "37.000"),
        (ITEM, "Main Godown", "55.000"),
    )
    with b.open() as company, company.reader() as conn:
        scanned = stock_queries.item_by_barcode(conn, CODE)
        assert scanned is not None and scanned.name == ITEM
        view = stock_queries.item(conn, scanned.id)
        assert view.price("wholesale") == D("395.00") and view.price() == D("412.50")
        assert view.conversions == (UnitConversion("BOX", D("10")),)
        kinds = conn.execute(
            select(stock_journals.c.kind, stock_journals.c.narration).order_by(stock_journals.c.id)
        ).all()
    # Each entry re-posted once through inventory, as the kind of journal it was made as.
    assert [tuple(k) for k in kinds] == [
        ("transfer", "Weekend stock"),
        ("adjustment", "Torn bags"),
        ("count", "Physical stock count"),
        ("adjustment", "Found one"),
    ]
    assert _held(a) == _held(b) == []
    # Applied once: a second round of syncs posts nothing twice.
    assert _settle(shop) == all_books
    _assert_no_plaintext(pg, "Weekend stock", "Torn bags", CODE, "395.00")


def test_the_last_units_transferred_on_both_tills_offline(shop: list[Till]) -> None:
    """The company allows negative stock (the default, "warn"): both transfers are kept on
    both tills, the source godown shows less than nothing everywhere (a warning, derived the
    same on each) and the company's total is unchanged."""
    a, b = shop
    with a.open() as company:
        add_godown(company, "Back Store")
    _settle(shop)
    for till, qty in ((a, "100"), (b, "60")):  # both offline: each had the 100 in Main
        with till.open() as company, company.reader() as conn:
            back = stock_queries.godown_by_name(conn, "Back Store").id
        with till.open() as company:
            transfer_stock(company, MAIN, back, [StockLine(_item_id(company), D(qty))], ON)
    all_books = _settle(shop)
    _assert_same(all_books)
    assert all_books[0].godown_stock == (
        (ITEM, "Back Store", "160.000"),
        (ITEM, "Main Godown", "-60.000"),
    )
    assert all_books[0].stock == D("100")
    assert _held(a) == _held(b) == []


def test_blocked_negative_stock_holds_a_transfer_until_the_goods_arrive(
    shop: list[Till],
) -> None:
    """Where the company blocks negative stock (a setting of each device), a received
    transfer that would take the source godown below zero is refused like one typed there:
    it is held back (the tills' stock differs meanwhile, and each shows one change held),
    and applied by the first sync after the goods are there."""
    a, b = shop
    with a.open() as company:
        add_godown(company, "Back Store")
    _settle(shop)
    for till, qty in ((a, "100"), (b, "60")):
        with till.open() as company:
            set_negative_stock(company, "block")
            with company.reader() as conn:
                back = stock_queries.godown_by_name(conn, "Back Store").id
            transfer_stock(company, MAIN, back, [StockLine(_item_id(company), D(qty))], ON)
    _settle(shop)
    for till in shop:
        [message] = _held(till)
        assert message.startswith("Not enough stock")
    assert _godown_stock(a) == [(ITEM, "Back Store", "100.000"), (ITEM, "Main Godown", "0.000")]
    assert _godown_stock(b) == [(ITEM, "Back Store", "60.000"), (ITEM, "Main Godown", "40.000")]
    with a.open() as company:  # 60 more bags come in on till A
        with company.reader() as conn:
            supplier = billing_queries.party_by_name(conn, SUPPLIER).id
        line = DraftLine(ITEM, D("60"), D("350.00"), D("5"), item_id=_item_id(company), hsn="1006")
        post_document(
            company,
            DocumentDraft(
                DocKind.PURCHASE_BILL,
                date(2025, 6, 8),
                (line,),
                party_id=supplier,
                supplier_number="GW/1002",
            ),
        )
    all_books = _settle(shop)
    _assert_same(all_books)
    assert all_books[0].godown_stock == (
        (ITEM, "Back Store", "160.000"),
        (ITEM, "Main Godown", "0.000"),
    )
    for till in shop:
        assert _held(till) == []
        with till.open() as company:
            assert sync_service.status(company).quarantined == 0
