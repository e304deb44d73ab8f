"""Batches between real company files, through the real service and PostgreSQL (schema 5):
a batch travels as master data under its item's shop-wide id and its number, made on the
other till through inventory; the purchases, sales, opening stock and stock entries that
name it are re-posted there from that batch. After each scenario both tills have the same
trial balance, the same stock per item and godown, and the same stock per item, godown
and batch, with the same batch dates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select

from app.billing import queries as billing_queries
from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
from app.billing.service import post_document, post_documents_in
from app.inventory import queries as stock_queries
from app.inventory.model import BatchId, GodownId, ItemDraft
from app.inventory.service import (
    StockLine,
    add_batch,
    add_godown,
    add_item,
    adjust_stock,
    batch_in,
    set_batch_dates,
    set_opening_stock,
    transfer_stock,
)
from app.inventory.tables import batches, godowns, items, stock_moves
from app.ledger.service import lock_period
from app.money import D
from app.storage.company import Company
from app.syncing import service as sync_service
from app.syncing.tables import sync_quarantine
from tests.conftest import CompanyFactory
from tests.sync.pg import PgServer
from tests.sync.service import Service
from tests.sync.test_company_sync import _assert_no_plaintext, _assert_same, _make_shop, _settle
from tests.sync.tills import SUPPLIER, Books, Till

MAIN = GodownId(1)
DRUG = "Paracetamol 500"
LOT = "PCM-24A"
OLD_LOT = "PCM-23Z"
BEGIN = date(2025, 4, 1)


@pytest.fixture
def shop(make_company: CompanyFactory, service: Service) -> Iterator[list[Till]]:
    """Two tills; a batch-tracked item and two of its batches made on till A, synced."""
    tills = _make_shop(make_company, service, 2)
    with tills[0].open() as company:
        item = add_item(
            company,
            ItemDraft(DRUG, unit="NOS", hsn="30049099", gst_rate=D("5"), batch_tracked=True),
        )
        add_batch(company, item, LOT, date(2025, 1, 10), date(2026, 12, 31))
        add_batch(company, item, OLD_LOT, date(2024, 2, 1), date(2025, 11, 30))
    _settle(tills)
    yield tills


def _ids(company: Company, batch_no: str = LOT) -> tuple[int, BatchId]:
    with company.reader() as conn:
        item = stock_queries.item_by_name(conn, DRUG).id
        return item, stock_queries.batch_by_number(conn, item, batch_no).id


def _purchase(company: Company, qty: str, on: date, bill: str, batch: BatchId) -> DocumentDraft:
    item, _ = _ids(company)
    with company.reader() as conn:
        supplier = billing_queries.party_by_name(conn, SUPPLIER).id
    line = DraftLine(DRUG, D(qty), D("18.00"), D("5"), item_id=item, hsn="30049099", batch_id=batch)
    return DocumentDraft(
        DocKind.PURCHASE_BILL, on, (line,), party_id=supplier, supplier_number=bill
    )


def _sale(company: Company, qty: str, on: date, batch: BatchId) -> DocumentDraft:
    item, _ = _ids(company)
    line = DraftLine(
        DRUG,
        D(qty),
        D("30.00"),
        D("5"),
        item_id=item,
        hsn="30049099",
        price_includes_tax=True,
        batch_id=batch,
    )
    cash = Tender(PaymentMode.CASH, D("30.00") * D(qty))
    return DocumentDraft(DocKind.SALES_INVOICE, on, (line,), tenders=(cash,))


def _batch_book(till: Till) -> tuple[tuple[str, ...], ...]:
    """Stock per item, godown and batch from the moves, and each batch's dates."""
    with till.open() as company, company.reader() as conn:
        stock = [
            (r.item, r.godown, r.batch_no, str(r.qty))
            for r in conn.execute(
                select(items.c.name.label("item"), godowns.c.name.label("godown"))
                .add_columns(batches.c.batch_no, func.sum(stock_moves.c.qty).label("qty"))
                .join(items, items.c.id == stock_moves.c.item_id)
                .join(godowns, godowns.c.id == stock_moves.c.godown_id)
                .join(batches, batches.c.id == stock_moves.c.batch_id)
                .group_by(items.c.name, godowns.c.name, batches.c.batch_no)
                .order_by(items.c.name, godowns.c.name, batches.c.batch_no)
            )
        ]
        dates = [
            (r.name, r.batch_no, str(r.mfg_date), str(r.expiry_date))
            for r in conn.execute(
                select(items.c.name, batches.c.batch_no, batches.c.mfg_date)
                .add_columns(batches.c.expiry_date)
                .join(items, items.c.id == batches.c.item_id)
                .order_by(items.c.name, batches.c.batch_no)
            )
        ]
    return (*stock, *dates)


def _held(till: Till) -> list[str]:
    with till.open() as company, company.reader() as conn:
        return list(conn.execute(select(sync_quarantine.c.message)).scalars())


def _settled(shop: list[Till]) -> list[Books]:
    all_books = _settle(shop)
    _assert_same(all_books)
    assert _batch_book(shop[0]) == _batch_book(shop[1])
    return all_books


def test_a_batch_bought_and_sold_on_one_till_is_the_same_on_the_other(
    shop: list[Till], pg: PgServer
) -> None:
    """Till A buys into a batch, sells from it, puts a second batch's opening stock in,
    moves some of the first to another godown and writes off one: till B has both batches
    with their dates, each document and entry re-posted from the same batch, and the same
    stock per item, godown and batch."""
    a, b = shop
    with a.open() as company:
        _, lot = _ids(company)
        item, old_lot = _ids(company, OLD_LOT)
        back = add_godown(company, "Back Store")
        post_document(company, _purchase(company, "50", date(2025, 6, 1), "GW/2001", lot))
        post_document(company, _sale(company, "5", date(2025, 6, 3), lot))
        set_opening_stock(company, MAIN, [StockLine(item, D("20"), old_lot, value=D("300"))])
        transfer_stock(company, MAIN, back, [StockLine(item, D("10"), lot)], date(2025, 6, 4))
        adjust_stock(company, back, [StockLine(item, D("-1"), lot)], date(2025, 6, 5), "Torn")
    all_books = _settled(shop)
    assert _batch_book(b) == (
        (DRUG, "Back Store", LOT, "9.000"),
        (DRUG, "Main Godown", OLD_LOT, "20.000"),
        (DRUG, "Main Godown", LOT, "35.000"),
        (DRUG, OLD_LOT, "2024-02-01", "2025-11-30"),
        (DRUG, LOT, "2025-01-10", "2026-12-31"),
    )
    assert _held(a) == _held(b) == []
    # Applied once: a second round of syncs posts nothing twice.
    assert _settle(shop) == all_books
    _assert_no_plaintext(pg, LOT, OLD_LOT, DRUG)


def test_a_sale_from_a_batch_while_the_other_till_changes_its_expiry(shop: list[Till]) -> None:
    """Offline, till B shortens the batch's expiry to September and sells from it in July,
    and till A, later, shortens it to 1 July and sets a batch's opening stock that B also
    set. The later dates win on both tills and each logs the one that lost. B's sale is
    kept on A although the batch is expired there by A's date: a posted sale is a fact,
    re-posted as made (negative stock still follows each till's own setting)."""
    a, b = shop
    with a.open() as company:  # 40 in the batch, on both tills
        _, lot = _ids(company)
        post_document(company, _purchase(company, "40", date(2025, 6, 1), "GW/2002", lot))
    _settled(shop)
    with b.open() as company:
        item, lot = _ids(company)
        _, old_lot = _ids(company, OLD_LOT)
        set_batch_dates(company, lot, date(2025, 1, 10), date(2025, 9, 30))
        post_document(company, _sale(company, "3", date(2025, 7, 10), lot))
        set_opening_stock(company, MAIN, [StockLine(item, D("8"), old_lot, value=D("120"))])
    with a.open() as company:  # later: these win everywhere
        item, lot = _ids(company)
        _, old_lot = _ids(company, OLD_LOT)
        set_batch_dates(company, lot, date(2025, 1, 10), date(2025, 7, 1))
        set_opening_stock(company, MAIN, [StockLine(item, D("12"), old_lot, value=D("180"))])
    all_books = _settled(shop)
    assert _batch_book(a) == (
        (DRUG, "Main Godown", OLD_LOT, "12.000"),
        (DRUG, "Main Godown", LOT, "37.000"),
        (DRUG, OLD_LOT, "2024-02-01", "2025-11-30"),
        (DRUG, LOT, "2025-01-10", "2025-07-01"),
    )
    assert [n for n in all_books[0].numbers if n.startswith("INV-B/")] == ["INV-B/2526/0001"]
    for till in shop:
        with till.open() as company:
            logged = sorted(
                (c.table, c.record, c.field, json.loads(c.kept), json.loads(c.lost))
                for c in sync_service.conflicts(company)
            )
        assert logged == [
            (
                "batches",
                f"Batch {LOT} of {DRUG}",
                "expiry_date",
                "2025-07-01",
                "2025-09-30",
            ),
            (
                "openings",
                f"Opening stock of {DRUG} batch {OLD_LOT} in Main Godown on {BEGIN}",
                "stock",
                {"qty": "12.000", "value": "180.00"},
                {"qty": "8.000", "value": "120.00"},
            ),
        ]
    assert _held(a) == _held(b) == []


def test_a_document_naming_a_batch_not_received_is_held_until_it_comes(
    shop: list[Till],
) -> None:
    """Till A makes a new batch and buys into it in one go, in June, which till B's locked
    books refuse: the change (batch and bill) is held there. A's July sale from the batch
    is then held on B too, naming the batch, never dropped; once B unlocks, the next sync
    makes the batch and applies both, and the tills agree."""
    a, b = shop
    with b.open() as company:
        lock_period(company, date(2025, 6, 30))
    with a.open() as company, company.unit_of_work() as uow:
        item, _ = _ids(company)
        fresh = batch_in(uow, item, "PCM-25B", date(2025, 5, 1), date(2027, 4, 30))
        draft = _purchase(company, "30", date(2025, 6, 20), "GW/2003", fresh)
        post_documents_in(uow, company.profile, [draft])
        uow.commit()
    with a.open() as company:
        post_document(company, _sale(company, "4", date(2025, 7, 5), fresh))
    _settle(shop)
    held = sorted(_held(b))
    assert len(held) == 2 and _held(a) == []
    assert "locked" in held[1]
    assert f"names batch PCM-25B of {DRUG}, which has not reached this device yet" in held[0]
    with b.open() as company, company.reader() as conn:  # the batch came with the bill
        assert not conn.execute(select(batches.c.id).where(batches.c.batch_no == "PCM-25B")).all()
    with b.open() as company:
        lock_period(company, None)
    _settled(shop)
    assert _batch_book(b)[0] == (DRUG, "Main Godown", "PCM-25B", "26.000")
    assert _held(a) == _held(b) == []
