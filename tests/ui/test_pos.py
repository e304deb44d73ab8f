"""The POS counter driven like a cashier does: a keyboard-wedge scanner, keys, money."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytesseract
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.billing import queries
from app.billing.model import DocKind
from app.billing.tables import settlements
from app.gst import InvoiceLine, TaxInvoiceInput, compute_invoice_tax
from app.inventory import queries as stock_queries
from app.inventory.barcodes import gs1_check_digit
from app.inventory.model import GodownId, ItemDraft, ItemId
from app.inventory.service import StockLine, add_item, set_opening_stock
from app.ledger import queries as ledger_queries
from app.ledger.checks import check_books
from app.money import D, format_inr
from app.storage.access import Role
from app.storage.company import Company, open_with_key
from app.storage.users import add_user
from app.ui.ops import Runner
from app.ui.pages.bill_printing import printing_available
from app.ui.pages.pos import PosPage
from app.ui.pages.pos_dialogs import HeldBillsDialog, PaymentDialog, ReturnDialog, ShiftDialog
from app.ui.shell import MainWindow
from tests.ui.conftest import activate, type_keys, wait_idle

# (name, price inclusive of GST, rate, HSN)
STOCK = (
    ("Lux Soap 100g", "40", "18", "3401"),
    ("Tata Salt 1kg", "28", "5", "2501"),
    ("Parle-G 250g", "30", "18", "1905"),
    ("Amul Butter 500g", "275", "5", "0405"),
    ("Colgate 200g", "120", "18", "3306"),
)
OPENING = D("50")


def ean13(n: int) -> str:
    body = f"890{n:09d}"
    return body + str(gs1_check_digit(body))


@pytest.fixture
def shop(company: Company) -> list[ItemId]:
    ids = [
        add_item(
            company,
            ItemDraft(name, hsn=hsn, gst_rate=D(rate), sale_price=D(price), barcodes=(ean13(n),)),
        )
        for n, (name, price, rate, hsn) in enumerate(STOCK, start=1)
    ]
    set_opening_stock(
        company, GodownId(1), [StockLine(i, OPENING, value=D("500")) for i in ids], date(2025, 4, 1)
    )
    add_user(company, "ravi", Role.CASHIER, "cashier-pass-1")
    return ids


@pytest.fixture
def till(qtbot: QtBot, company: Company, shop: list[ItemId], runner: Runner) -> Iterator[PosPage]:
    made = MainWindow(company.as_user("ravi"), runner)
    activate(qtbot, made)
    made.show_screen("POS")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is made.billing.pos.search, timeout=3000)
    yield made.billing.pos
    made.billing.pos.cart.clear()
    made.close()
    runner.wait()


def scan(qtbot: QtBot, code: str) -> None:
    """A keyboard-wedge scanner: the digits and Enter, as fast as the events go, each to
    whichever widget has the focus."""
    for char in code:
        qtbot.keyClick(QApplication.focusWidget(), char)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def type_slowly(qtbot: QtBot, text: str) -> None:
    for char in text:
        qtbot.keyClick(QApplication.focusWidget(), char)
        qtbot.wait(80)  # a person: far slower than the 50 ms a scanner stays under


def balances(company: Company) -> dict[str, Decimal]:
    with company.reader() as conn:
        names = {a.id: a.name for a in ledger_queries.chart(conn)}
        return {
            names[k]: v for k, v in ledger_queries.balances(conn, date(2100, 1, 1)).items() if v
        }


def test_cashier_scans_edits_takes_split_payment_and_prints(
    qtbot: QtBot,
    till: PosPage,
    company: Company,
    shop: list[ItemId],
    runner: Runner,
    tmp_path: Path,
) -> None:
    till.table.setFocus()  # the scanner must work wherever the focus is, not only in search
    assert QApplication.focusWidget() is till.table
    for n in (1, 2, 3, 1, 4, 5):
        scan(qtbot, ean13(n))
    assert till.search.text() == ""  # nothing of the codes was typed anywhere
    assert [(line.item_id, line.qty) for line in till.cart.lines] == [
        (shop[0], 2),
        (shop[1], 1),
        (shop[2], 1),
        (shop[3], 1),
        (shop[4], 1),
    ]
    assert till.table.rowCount() == 5 and till.table.currentRow() == 4

    # Up to Parle-G, then "*3 Enter" sets its quantity; "%10" a discount on it.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)
    type_keys(qtbot, "*3")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    type_keys(qtbot, "%10")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    parle = till.cart.lines[2]
    assert (parle.item_id, parle.qty, parle.discount_pct) == (shop[2], 3, 10)
    assert till.table.item(2, 2).text() == "3"

    # 80 + 28 + 81 + 275 + 120 = 584, all inclusive of tax.
    expected = compute_invoice_tax(
        TaxInvoiceInput(
            "27",
            "27",
            tuple(
                InvoiceLine(D(q), D(p), D(r), D(d), price_includes_tax=True)
                for q, p, r, d in (
                    ("2", "40", "18", "0"),
                    ("1", "28", "5", "0"),
                    ("3", "30", "18", "10"),
                    ("1", "275", "5", "0"),
                    ("1", "120", "18", "0"),
                )
            ),
        )
    )
    assert expected.grand_total == D("584")
    assert till.total_label.text() == "₹584.00"

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F12)
    dialog = till.findChild(PaymentDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.cash)
    type_keys(qtbot, "300")  # replaces the total, which stood selected
    qtbot.keyClick(dialog.cash, Qt.Key.Key_Tab)
    type_keys(qtbot, "300")  # UPI
    qtbot.keyClick(dialog.upi, Qt.Key.Key_Tab)
    type_keys(qtbot, "UTR4471")
    assert dialog.change_label.text() == "Change due ₹16.00"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.last_posted is not None, timeout=10_000)
    wait_idle(qtbot, runner)

    posted = till.last_posted
    assert posted is not None and posted.change == D("16")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is till.search)  # ready for the next
    assert "Change due ₹16.00" in till.message.text()
    assert till.cart.empty and till.total_label.text() == "₹0.00"
    with company.reader() as conn:
        doc = queries.document(conn, posted.document.id)
        paid = {
            (row.mode, row.amount, row.reference)
            for row in conn.execute(settlements.select().where(settlements.c.document_id == doc.id))
        }
        on_hand = [stock_queries.on_hand(conn, i) for i in shop]
    assert doc.kind is DocKind.SALES_INVOICE and doc.counterparty.name == "Cash Sale"
    assert [(line.item_id, line.qty, line.discount_pct) for line in doc.lines] == [
        (shop[0], 2, 0),
        (shop[1], 1, 0),
        (shop[2], 3, 10),
        (shop[3], 1, 0),
        (shop[4], 1, 0),
    ]
    assert [(x.taxable, x.cgst, x.sgst) for x in doc.lines] == [
        (x.taxable, x.cgst, x.sgst) for x in expected.lines
    ]
    assert (doc.taxable, doc.cgst, doc.sgst, doc.igst, doc.grand_total) == (
        expected.taxable,
        expected.cgst,
        expected.sgst,
        D("0"),
        D("584"),
    )
    assert paid == {("cash", D("284"), ""), ("upi", D("300"), "UTR4471")}
    assert on_hand == [OPENING - 2, OPENING - 1, OPENING - 3, OPENING - 1, OPENING - 1]
    books = balances(company)
    assert books["Cash"] == D("284") and books["UPI Collections"] == D("300")
    assert books["Sales"] == -expected.taxable
    assert books["Output CGST"] == -expected.cgst
    assert check_books(company).ok

    if not printing_available():
        return
    # Ctrl+S only saves the receipt as a PDF: its text is read back as written.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: till.last_pdf is not None, timeout=20_000)
    assert till.last_pdf is not None
    with pdfplumber.open(till.last_pdf) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert f"Invoice No. {doc.number}" in text
    assert f"Taxable Value {format_inr(doc.taxable)}" in text
    assert f"CGST {format_inr(doc.cgst)}\nSGST {format_inr(doc.sgst)}" in text
    assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in text
    for name, *_ in STOCK:
        assert name in text

    # Ctrl+P prints it: through the system print dialog, to a printer that writes a PDF.
    out = tmp_path / "printed-receipt.pdf"
    printer = till.output.printer
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: till.output.print_dialog is not None and till.output.print_dialog.isVisible(),
        timeout=20_000,
    )
    print_dialog = till.output.print_dialog
    assert print_dialog is not None
    print_dialog.accept()
    qtbot.waitUntil(lambda: "Sent 1 page" in till.message.text(), timeout=20_000)
    wait_idle(qtbot, runner)
    with pdfplumber.open(till.last_pdf) as receipt, pdfplumber.open(out) as printed:
        assert abs(receipt.pages[0].width - 80 * 72 / 25.4) < 1  # the 80 mm roll
        (picture,) = printed.pages[0].images  # the receipt's page, drawn whole
        shape = receipt.pages[0].height / receipt.pages[0].width
        assert picture["height"] / picture["width"] == pytest.approx(shape, rel=0.01)
        # The print is a picture of the receipt: read it back with tesseract.
        seen = pytesseract.image_to_string(
            printed.pages[0].to_image(resolution=300).original, config="--psm 6"
        )
    assert f"Invoice No. {doc.number}" in seen
    (total,) = [row for row in seen.splitlines() if row.startswith("Grand Total")]
    assert total.endswith(f" {format_inr(doc.grand_total)}")  # the rupee sign reads as noise
    qtbot.waitUntil(lambda: QApplication.focusWidget() is till.search)  # ready for the next


def test_typing_in_the_search_box_stays_typing_and_a_scan_there_is_taken_back(
    qtbot: QtBot, till: PosPage, shop: list[ItemId]
) -> None:
    assert QApplication.focusWidget() is till.search
    type_slowly(qtbot, ean13(2)[:6])
    assert till.search.text() == ean13(2)[:6]  # a person's digits stay in the field
    assert till.cart.empty
    till.search.clear()
    type_slowly(qtbot, "tata")
    qtbot.waitUntil(till.results.isVisible, timeout=5000)
    assert till.search.text() == "tata"
    scan(qtbot, ean13(5))  # the scanner fires while the person is half-way through a word
    assert till.search.text() == "tata"
    assert [line.item_id for line in till.cart.lines] == [shop[4]]
    qtbot.keyClick(till.search, Qt.Key.Key_Return)  # now Enter takes the search result
    assert [line.item_id for line in till.cart.lines] == [shop[4], shop[1]]
    assert till.search.text() == ""

    scan(qtbot, ean13(99))  # a code the shop does not stock
    assert "No item has the barcode" in till.message.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete)
    assert [line.item_id for line in till.cart.lines] == [shop[4]]


def test_a_held_bill_survives_closing_and_reopening_the_company(
    qtbot: QtBot, company: Company, shop: list[ItemId], runner: Runner
) -> None:
    window = MainWindow(company.as_user("ravi"), runner)
    activate(qtbot, window)
    window.show_screen("POS")
    page = window.billing.pos
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.search, timeout=3000)
    scan(qtbot, ean13(3))
    scan(qtbot, ean13(4))
    scan(qtbot, ean13(3))
    held = [(line.item_id, line.qty) for line in page.cart.lines]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)  # hold: not Tally's Receipt here
    qtbot.waitUntil(lambda: page.cart.empty, timeout=10_000)
    wait_idle(qtbot, runner)
    assert window.current_screen == "POS"
    assert page.held_label.text() == "1 on hold (F7)"
    scan(qtbot, ean13(1))  # another customer's bill, left open when the shop closes
    window.close()
    runner.wait()
    folder, key = company.folder, company.database_key
    company.close()

    reopened = open_with_key(folder, key, "ravi")
    try:
        again = MainWindow(reopened, runner)
        activate(qtbot, again)
        again.show_screen("POS")
        page = again.billing.pos
        qtbot.waitUntil(lambda: QApplication.focusWidget() is page.search, timeout=3000)
        assert page.held_label.text() == "2 on hold (F7)"
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F7)
        qtbot.waitUntil(lambda: page.findChild(HeldBillsDialog) is not None, timeout=5000)
        dialog = page.findChild(HeldBillsDialog)
        assert dialog is not None and dialog.list.count() == 2
        assert "left open at closing" in dialog.list.item(1).text()
        qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not page.cart.empty, timeout=10_000)
        wait_idle(qtbot, runner)
        assert [(line.item_id, line.qty) for line in page.cart.lines] == held
        assert page.held_label.text() == "1 on hold (F7)"
        page.cart.clear()
        again.close()
        runner.wait()
    finally:
        reopened.close()


def test_a_broken_off_burst_is_typing_and_goes_to_the_search_box(
    qtbot: QtBot, till: PosPage, shop: list[ItemId]
) -> None:
    till.table.setFocus()
    code = ean13(1)
    for char in code[:6]:
        qtbot.keyClick(QApplication.focusWidget(), char)
    time.sleep(0.12)  # the burst breaks off: what came so far was a person typing
    qtbot.waitUntil(lambda: till.search.text() == code[:6], timeout=2000)
    assert QApplication.focusWidget() is till.search and till.cart.empty
    type_slowly(qtbot, code[6:])  # the person types on, into the search box now
    assert till.search.text() == code and till.cart.empty
    # Enter on a code typed by hand adds its item too (a label the scanner cannot read).
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert [(line.item_id, line.qty) for line in till.cart.lines] == [(shop[0], 1)]
    assert till.search.text() == ""


def test_return_against_a_bill_and_the_shift_count_from_the_keyboard(
    qtbot: QtBot, till: PosPage, company: Company, shop: list[ItemId], runner: Runner
) -> None:
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F11)
    opening = till.findChild(ShiftDialog)
    assert opening is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is opening.cash)
    type_keys(qtbot, "1000")
    qtbot.keyClick(opening.cash, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.shift is not None, timeout=10_000)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is till.search)

    for n in (1, 1, 5):
        scan(qtbot, ean13(n))  # 2 x 40 + 120 = 200
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    pay = till.findChild(PaymentDialog)
    assert pay is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is pay.cash)
    qtbot.keyClick(pay.cash, Qt.Key.Key_Return)  # the total, in cash
    qtbot.waitUntil(lambda: till.last_posted is not None, timeout=10_000)
    wait_idle(qtbot, runner)
    sold = till.last_posted.document if till.last_posted else None
    assert sold is not None and sold.grand_total == D("200")

    qtbot.waitUntil(lambda: QApplication.focusWidget() is till.search)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F10)
    back = till.findChild(ReturnDialog)
    assert back is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is back.number)
    type_keys(qtbot, sold.number)
    qtbot.keyClick(back.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: back.table.rowCount() == 2, timeout=5000)
    back.table.item(0, 3).setText("3")  # more than was sold
    assert "2 can come back at most" in back.message.text()
    back.table.item(0, 3).setText("1")
    assert back.refund.text() == "Refund ₹40.00"
    qtbot.keyClick(back.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not back.isVisible(), timeout=10_000)
    wait_idle(qtbot, runner)
    with company.reader() as conn:
        note = queries.document(conn, till.last_posted.document.id)  # type: ignore[union-attr]
        assert stock_queries.on_hand(conn, shop[0]) == OPENING - 1
    assert (note.kind, note.original_id, note.grand_total) == (
        DocKind.CREDIT_NOTE,
        sold.id,
        D("40"),
    )

    qtbot.waitUntil(lambda: QApplication.focusWidget() is till.search)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F11)
    closing = next(d for d in till.findChildren(ShiftDialog) if d.shift is not None)
    qtbot.waitUntil(lambda: closing.summary is not None, timeout=5000)
    assert "= expected in the drawer: 1160.00" in closing.explained.text()
    closing.cash.setFocus()
    type_keys(qtbot, "1150")
    assert closing.difference.text() == "Short by 10.00: say why in the note"
    qtbot.keyClick(closing.cash, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "write a note" in closing.message.text(), timeout=10_000)
    closing.note.setFocus()
    type_keys(qtbot, "Change given twice")
    qtbot.keyClick(closing.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.report is not None, timeout=10_000)
    wait_idle(qtbot, runner)
    assert "The drawer is short by 10.00." in closing.explained.text()
    assert till.shift is None
