"""The demo company's trade: parties, items and documents posted through the billing services,
checked against figures worked out by hand from the demo's price list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from app.billing import queries as billing_queries
from app.billing.checks import check_company
from app.billing.model import DocKind, PaymentMode
from app.billing.tables import allocations, settlements
from app.demo import build_demo
from app.gst import check_gstin
from app.gst.periods import parse_period
from app.inventory import queries as stock_queries
from app.inventory.barcodes import barcode_kind
from app.reports.einvoice import (
    einvoice_batch,
    einvoice_documents,
    seller_details,
    validate_einvoice,
)
from app.reports.gst_returns import period_books
from app.reports.gstr1 import validate_gstr1
from app.reports.trial_balance import trial_balance
from app.storage.company import Company, open_company
from app.storage.settings import PIN_SETTING, TOWN_SETTING, read_setting

TODAY = date(2026, 3, 15)
PASSWORD = "demo-test-pass-1"
BEGIN = date(2024, 4, 1)  # 1 April of the financial year before TODAY's


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    folder: Path = tmp_path_factory.mktemp("demo") / "shop"
    summary = build_demo(folder, PASSWORD, today=TODAY)
    assert (summary.start, summary.end) == (BEGIN, date(2026, 3, 14))
    assert summary.documents > 1000
    company = open_company(folder, "owner", PASSWORD)
    yield company
    company.close()


def test_opening_balances_by_hand(demo: Company) -> None:
    # Sixty of each of the twelve items at its buying price: 470 + 128 + 36 + 121 + 345 + 206
    # + 90 + 70 + 19 + 26 + 450 + 24 = 1,985 a set, so 60 x 1,985 = 1,19,100.
    tb = {r.account: r.debit - r.credit for r in trial_balance(demo, BEGIN).rows}
    assert tb["Opening Stock"] == Decimal("119100.00")
    # Capital brings cash 25,000, bank 3,50,000, furniture 1,20,000 and that stock.
    assert tb["Capital"] == -(Decimal("495000") + Decimal("119100"))
    with demo.reader() as conn:
        assert stock_queries.on_hand_as_of(conn, stock_queries.item_by_name(conn, "Sugar 1 kg").id,
                                           BEGIN) == Decimal(60)  # fmt: skip


def test_parties_and_items_are_real_masters(demo: Company) -> None:
    with demo.reader() as conn:
        rao = billing_queries.party_by_name(conn, "Rao Stores")
        clinic = billing_queries.party_by_name(conn, "Kulkarni Clinic")
        patel = billing_queries.party_by_name(conn, "Patel Traders")
        # EAN-13 of 890100000001: odd places 8+0+0+0+0+0 = 8, even places (9+1+0+0+0+1) x 3
        # = 33; 41 leaves 1, so the check digit is 9.
        rice = stock_queries.item_by_barcode(conn, "8901000000019")
    assert rao.gstin is not None and rao.gstin.startswith("29")  # Karnataka: inter-state
    assert check_gstin(rao.gstin).valid and check_gstin(patel.gstin or "").valid
    assert clinic.gstin is None
    assert rice is not None and (rice.name, rice.hsn, rice.mrp) == (
        "Basmati Rice 5 kg", "1006", Decimal("650.00")
    )  # fmt: skip
    assert barcode_kind("8901000000019").name.startswith("EAN")


def test_every_kind_of_trade_is_there(demo: Company) -> None:
    with demo.reader() as conn:
        documents = billing_queries.documents_between(conn, BEGIN, TODAY)
        allocated = conn.execute(allocations.select()).all()
    kinds = {d.kind for d in documents}
    assert {DocKind.SALES_INVOICE, DocKind.PURCHASE_BILL, DocKind.CREDIT_NOTE} <= kinds
    sales = [d for d in documents if d.kind is DocKind.SALES_INVOICE]
    assert any(d.is_b2b and d.inter_state and d.igst > 0 for d in sales)  # Rao Stores
    assert any(d.is_b2b and not d.inter_state and d.cgst > 0 for d in sales)
    assert any(not d.is_b2b and d.party_id is None for d in sales)  # counter bills
    assert any(not d.is_b2b and d.party_id is not None for d in sales)  # the clinic
    (note,) = [d for d in documents if d.kind is DocKind.CREDIT_NOTE]
    assert note.counterparty.name == "Sunrise Hotel" and note.original_id is not None
    assert allocated, "receipts and payments are allocated against bills"


def test_counter_bills_come_to_the_sum_of_their_mrps(demo: Company) -> None:
    """The till's cash is tracked while the demo is built on this: MRPs are whole rupees with
    tax inside, so each bill is exactly qty x MRP summed, and the tender is UPI or cash."""
    with demo.reader() as conn:
        counter = [
            d
            for d in billing_queries.documents_between(conn, date(2026, 3, 1), TODAY)
            if d.kind is DocKind.SALES_INVOICE and d.party_id is None
        ]
        paid = {
            row.document_id: row
            for row in conn.execute(settlements.select()).all()
            if row.document_id is not None
        }
    assert counter
    for doc in counter:
        assert doc.grand_total == sum(line.qty * line.unit_price for line in doc.lines)
        assert paid[doc.id].mode in (PaymentMode.CASH.value, PaymentMode.UPI.value)


def test_a_demo_month_files_cleanly(demo: Company) -> None:
    period = parse_period("2026-02")
    with demo.reader() as conn:
        books = period_books(conn, demo.profile, period)
        pin, town = read_setting(conn, PIN_SETTING), read_setting(conn, TOWN_SETTING)
    assert books.problems() == []
    data = books.gstr1()
    assert validate_gstr1(data) == []
    ctins = {row["ctin"] for row in data["b2b"]}  # type: ignore[attr-defined]
    assert any(ctin.startswith("29") for ctin in ctins) and len(ctins) >= 3
    assert data["b2cs"]
    in_month = [d for d in books.documents if period.start <= d.doc_date <= period.end]
    chosen = einvoice_documents(in_month)
    assert chosen and all(d.is_b2b and d.kind.outward for d in chosen)
    requests = einvoice_batch(seller_details(demo.profile, pin or "", town or ""), chosen)
    assert all(validate_einvoice(r) == [] for r in requests)


def test_the_books_check_clean(demo: Company) -> None:
    result = check_company(demo)
    assert result.ok, result.problems[:5]
