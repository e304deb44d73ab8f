"""The Sales and Purchases pages: a B2B invoice and a purchase bill through the form, the
register, opening and cancelling a document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem
from pytestqt.qtbot import QtBot

from app.billing import queries
from app.billing.model import (
    DocKind,
    DocStatus,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.parties import add_party
from app.billing.service import post_document
from app.inventory import queries as stock_queries
from app.inventory.model import ItemDraft
from app.inventory.service import add_item
from app.ledger.checks import check_books
from app.money import D
from app.storage.access import Role
from app.storage.company import Company
from app.storage.users import add_user
from app.ui.ops import Runner
from app.ui.pages.document_register import DocumentView
from app.ui.pages.invoice_form import GST, HSN, ITEM, PRICE, QTY, InvoiceForm
from app.ui.shell import MainWindow
from tests.ui.conftest import activate, type_keys, wait_idle

KARNATAKA_GSTIN = "29AABCR1718E1ZL"
MAHARASHTRA_GSTIN = "27AAPFU0939F1ZV"


@pytest.fixture
def window(qtbot: QtBot, company: Company, runner: Runner) -> Iterator[MainWindow]:
    add_item(
        company,
        ItemDraft(
            "Cement bag 50kg",
            hsn="2523",
            gst_rate=D("18"),
            sale_price=D("400"),
            purchase_price=D("330"),
        ),
    )
    add_party(company, PartyDraft("Rao Builders", gstin=KARNATAKA_GSTIN))
    add_party(company, PartyDraft("Patil Cement", PartyKind.SUPPLIER, gstin=MAHARASHTRA_GSTIN))
    made = MainWindow(company, runner)
    activate(qtbot, made)
    wait_idle(qtbot, runner)
    yield made
    made.close()
    runner.wait()


def fill_line(form: InvoiceForm, row: int, item: str, qty: str) -> None:
    form.table.setItem(row, ITEM, QTableWidgetItem(item))  # fills HSN, rate, price, unit
    form.table.setItem(row, QTY, QTableWidgetItem(qty))


def open_form(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> InvoiceForm:
    qtbot.keyClick(window, key)
    form = window.findChild(InvoiceForm)
    assert form is not None
    qtbot.waitUntil(lambda: bool(form.parties), timeout=5000)
    return form


def test_b2b_invoice_through_the_form_then_cancelled_from_the_register(
    qtbot: QtBot, window: MainWindow, company: Company, runner: Runner
) -> None:
    form = open_form(qtbot, window, Qt.Key.Key_F8)
    assert window.current_screen == "Sales" and form.kind is DocKind.SALES_INVOICE
    form.party.setFocus()
    type_keys(qtbot, "Rao Builders")
    qtbot.keyClick(form.party, Qt.Key.Key_Tab)
    assert form.pos_label.text() == "29 Karnataka (inter-state: IGST)"
    fill_line(form, 0, "cement bag 50kg", "10")
    assert (form.table.item(0, HSN).text(), form.table.item(0, GST).text()) == ("2523", "18")
    assert form.table.item(0, PRICE).text() == "400.00"
    form.table.setItem(1, ITEM, QTableWidgetItem("Unloading charges"))
    for column, text in ((QTY, "1"), (PRICE, "500"), (GST, "18"), (HSN, "996719")):
        form.table.setItem(1, column, QTableWidgetItem(text))
    qtbot.keyClick(form.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not form.isVisible(), timeout=10_000)
    wait_idle(qtbot, runner)

    sales = window.billing.sales
    qtbot.waitUntil(lambda: sales.model.rowCount() == 1, timeout=5000)
    row = sales.model.rows[0]
    with company.reader() as conn:
        doc = queries.document(conn, row.id)
        cement = stock_queries.item_by_name(conn, "Cement bag 50kg")
        on_hand = stock_queries.on_hand(conn, cement.id)
    assert doc.kind is DocKind.SALES_INVOICE and doc.counterparty.gstin == KARNATAKA_GSTIN
    assert doc.place_of_supply == "29" and doc.inter_state
    assert [(x.description, x.item_id, x.qty) for x in doc.lines] == [
        ("Cement bag 50kg", cement.id, 10),
        ("Unloading charges", None, 1),
    ]
    # 4,000 + 500 taxable, IGST 18% = 810.
    assert (doc.taxable, doc.igst, doc.cgst, doc.grand_total) == (
        D("4500"),
        D("810"),
        D("0"),
        D("5310"),
    )
    assert on_hand == -10  # sold from no stock: posted with a warning
    assert sales.model.data(sales.model.index(0, 7)) == "5,310.00"

    sales.open_document(sales.model.index(0, 0))
    qtbot.waitUntil(lambda: window.findChild(DocumentView) is not None, timeout=5000)
    view = window.findChild(DocumentView)
    assert view is not None and view.cancel_button.isEnabled()
    view.cancel("Wrong customer")
    qtbot.waitUntil(lambda: "is cancelled" in view.message.text(), timeout=10_000)
    wait_idle(qtbot, runner)
    with company.reader() as conn:
        assert queries.document(conn, doc.id).status is DocStatus.CANCELLED
        assert stock_queries.on_hand(conn, cement.id) == 0
    qtbot.waitUntil(lambda: sales.model.rows and sales.model.rows[0].status is DocStatus.CANCELLED)
    assert check_books(company).ok


def test_a_form_with_faults_says_so_and_saves_nothing(
    qtbot: QtBot, window: MainWindow, company: Company, runner: Runner
) -> None:
    form = open_form(qtbot, window, Qt.Key.Key_F8)
    fill_line(form, 0, "Cement bag 50kg", "2")
    form.save()
    assert "Choose the party" in form.message.text()
    form.party.setText("Rao Builders")
    form.table.setItem(0, GST, QTableWidgetItem("13"))
    form.save()
    qtbot.waitUntil(lambda: "13% is not a GST rate" in form.message.text(), timeout=10_000)
    wait_idle(qtbot, runner)
    with company.reader() as conn:
        assert queries.register(conn, date(2000, 1, 1), date(2100, 1, 1), list(DocKind)) == []
    form.reject()


def test_purchase_bill_with_the_suppliers_number(
    qtbot: QtBot, window: MainWindow, company: Company, runner: Runner
) -> None:
    form = open_form(qtbot, window, Qt.Key.Key_F9)
    assert window.current_screen == "Purchases" and form.kind is DocKind.PURCHASE_BILL
    form.party.setText("Patil Cement")
    form.party_chosen()
    assert form.pos_label.text() == "27 Maharashtra (intra-state: CGST + SGST)"
    form.supplier_number.setText("PC/1187")
    fill_line(form, 0, "Cement bag 50kg", "100")
    assert form.table.item(0, PRICE).text() == "330.00"  # the purchase price
    form.save()
    qtbot.waitUntil(lambda: not form.isVisible(), timeout=10_000)
    wait_idle(qtbot, runner)
    purchases = window.billing.purchases
    qtbot.waitUntil(lambda: purchases.model.rowCount() == 1, timeout=5000)
    with company.reader() as conn:
        doc = queries.document(conn, purchases.model.rows[0].id)
        cement = stock_queries.item_by_name(conn, "Cement bag 50kg")
        assert stock_queries.on_hand(conn, cement.id) == 100
    assert (doc.number, doc.kind, doc.itc_eligible) == ("PC/1187", DocKind.PURCHASE_BILL, True)
    assert (doc.taxable, doc.cgst, doc.sgst) == (D("33000"), D("2970"), D("2970"))


def test_a_cashier_cannot_cancel(qtbot: QtBot, company: Company, runner: Runner) -> None:
    line = DraftLine("Sand", D("1"), D("100"), D("5"), hsn="2505")
    tender = (Tender(PaymentMode.CASH, D("105")),)
    post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, date.today(), (line,), tenders=tender)
    )
    add_user(company, "ravi", Role.CASHIER, "cashier-pass-1")
    window = MainWindow(company.as_user("ravi"), runner)
    activate(qtbot, window)
    window.show_screen("Sales")
    sales = window.billing.sales
    qtbot.waitUntil(lambda: sales.model.rowCount() == 1, timeout=5000)
    sales.open_document(sales.model.index(0, 0))
    qtbot.waitUntil(lambda: window.findChild(DocumentView) is not None, timeout=5000)
    view = window.findChild(DocumentView)
    assert view is not None and not view.cancel_button.isEnabled()
    window.close()
    runner.wait()
