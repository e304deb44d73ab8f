"""The Inventory page's import (preview writes nothing until accepted), barcode labels (a
real PDF read back) and stock reports (run in the background, reorder lines exported as a
draft purchase order)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pdfplumber
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.inventory import queries
from app.inventory.closing import role_account_ids, stale_closings, stock_closing_due
from app.inventory.model import GodownId, ItemDraft, Move, MoveKind, StockEntry
from app.inventory.service import StockLine, add_item, post_stock, set_opening_stock
from app.inventory.tables import items, stock_moves
from app.money import D
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.inventory import InventoryPage
from app.ui.shell import MainWindow
from tests.ui.conftest import activate, type_keys, wait_idle

MAIN = GodownId(1)
HEADER = ["Item name", "SKU", "Barcode", "HSN", "GST %", "Unit", "MRP", "Price", "Opening stock"]


@pytest.fixture
def page(qtbot: QtBot, company: Company, runner: Runner) -> Iterator[InventoryPage]:
    window = MainWindow(company, runner)
    activate(qtbot, window)
    window.show_screen("Inventory")
    wait_idle(qtbot, runner)
    yield window.inventory
    window.close()
    runner.wait()


def counts(company: Company) -> tuple[int, int]:
    with company.reader() as conn:
        made = conn.execute(select(func.count()).select_from(items)).scalar_one()
        moved = conn.execute(select(func.count()).select_from(stock_moves)).scalar_one()
    return int(made), int(moved)


def test_import_preview_writes_nothing_until_accepted(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner, tmp_path: Path
) -> None:
    sheet = tmp_path / "items.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [
                HEADER,
                ["Tata Salt 1kg", "TS1", "8904063200303", "2501", "5", "PCS", "30", "28", "10"],
                ["Toor Dal", "TD", "", "0713", "5%", "kgs", "", "140", "25.5"],
                ["Bad HSN", "", "", "12", "5", "PCS", "", "", ""],
                ["Dup code", "", "8904063200303", "", "5", "PCS", "", "", ""],
            ]
        )
    tab = page.importer
    page.setCurrentWidget(tab)
    tab.path.setText(str(sheet))
    tab.load_preview()
    wait_idle(qtbot, runner)
    assert tab.table.rowCount() == 4
    problems = [tab.table.item(row, 4).text() for row in range(4)]
    assert problems[1] == ""
    assert "HSN/SAC '12' must be 4, 6 or 8 digits" in problems[2]
    assert "Duplicate barcode 8904063200303" in problems[3] and "Duplicate" in problems[0]
    assert "4 rows: 1 good, 3 with problems" in tab.status.text()
    assert counts(company) == (0, 0)  # the preview wrote nothing

    tab.cancel_button.click()
    assert tab.table.rowCount() == 0 and not tab.accept_button.isEnabled()
    assert "nothing was written" in tab.status.text()
    assert counts(company) == (0, 0)

    tab.load_preview()
    wait_idle(qtbot, runner)
    tab.accept_button.click()  # problems and not told to skip them: refused, whole
    wait_idle(qtbot, runner)
    assert "3 rows have problems" in tab.status.text() and counts(company) == (0, 0)

    tab.skip.setChecked(True)
    tab.accept_button.click()
    wait_idle(qtbot, runner)
    assert "Imported 1 items with 1 opening stock lines; 3 rows skipped." in tab.status.text()
    with company.reader() as conn:
        dal = queries.item_by_name(conn, "Toor Dal")
        assert (dal.unit, queries.on_hand(conn, dal.id)) == ("KGS", D("25.5"))
    assert counts(company) == (1, 1)
    qtbot.waitUntil(lambda: page.items.model.total == 1, timeout=5000)


def test_labels_for_chosen_items_as_a_pdf(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner, tmp_path: Path
) -> None:
    add_item(
        company,
        ItemDraft(
            name="Tata Salt 1kg",
            barcodes=("8904063200303",),
            gst_rate=D("5"),
            mrp=D("30"),
            sale_price=D("28"),
        ),
    )
    add_item(company, ItemDraft(name="Loose rice", sku="RICE-25", sale_price=D("62.50")))
    tab = page.labels
    page.setCurrentWidget(tab)
    tab.search.setFocus()
    type_keys(qtbot, "8904063200303")
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)  # a scan adds its item at once
    wait_idle(qtbot, runner)
    assert [c.name for c in tab.items] == ["Tata Salt 1kg"]
    tab.copies.setValue(2)
    tab.search.setText("loose")
    tab.find_items()
    wait_idle(qtbot, runner)
    assert [c.copies for c in tab.items] == [1, 2]
    assert QApplication.focusWidget() is tab.search

    target = tmp_path / "labels.pdf"
    tab.save_pdf(target)
    wait_idle(qtbot, runner)
    assert "Saved 3 labels" in tab.status.text()
    with pdfplumber.open(io.BytesIO(target.read_bytes())) as pdf:
        assert len(pdf.pages) == 1 and round(pdf.pages[0].width) == 595  # one A4 sheet
        text = pdf.pages[0].extract_text()
    assert "Tata Salt 1kg" in text and "MRP Rs. 30.00" in text and "Our price Rs. 28.00" in text
    assert text.count("Loose rice") == 2 and "Rs. 62.50" in text

    tab.layout_choice.setCurrentIndex(1)  # the 50 x 25 mm roll: one label a page
    tab.save_pdf(target)
    wait_idle(qtbot, runner)
    with pdfplumber.open(io.BytesIO(target.read_bytes())) as pdf:
        sizes = {(round(p.width * 25.4 / 72), round(p.height * 25.4 / 72)) for p in pdf.pages}
        assert len(pdf.pages) == 3 and sizes == {(50, 25)}


def test_an_item_without_a_code_is_named_not_crashed(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner, tmp_path: Path
) -> None:
    add_item(company, ItemDraft(name="Nameless thing"))
    tab = page.labels
    tab.search.setText("Nameless")
    tab.find_items()
    wait_idle(qtbot, runner)
    tab.save_pdf(tmp_path / "none.pdf")
    wait_idle(qtbot, runner)
    assert "has no barcode or SKU to print" in tab.status.text()
    assert not (tmp_path / "none.pdf").exists()


def test_reports_run_in_the_background_and_reorder_exports_a_purchase_order(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner, tmp_path: Path
) -> None:
    today = date.today()
    oil = add_item(
        company,
        ItemDraft(
            name="Mustard oil 1L",
            sku="MO1",
            unit="BTL",
            gst_rate=D("5"),
            purchase_price=D("150"),
            reorder_level=D("10"),
            reorder_qty=D("24"),
        ),
    )
    set_opening_stock(company, MAIN, [StockLine(oil, D("30"), value=D("4500"))])
    sold = StockEntry(
        MoveKind.SALE,
        today - timedelta(days=1),
        "sales invoice",
        "S1",
        (Move(oil, MAIN, D("-24")),),
    )
    post_stock(company, sold)
    tab = page.reports
    page.setCurrentWidget(tab)

    tab.show_report("Stock summary")
    wait_idle(qtbot, runner)
    assert tab.model.rows == [("", "Mustard oil 1L", D("6.000"), "BTL")]

    tab.kind.setCurrentText("Item ledger")
    tab.item.setText("MO1")
    tab.start.set_date(date(2025, 4, 1))  # from the day the books begin
    tab.refresh()
    wait_idle(qtbot, runner)
    balances = [row[-1] for row in tab.model.rows]
    assert balances == [D("0"), D("30"), D("6")]  # opening, then the running balance

    tab.show_report("Stock valuation")
    wait_idle(qtbot, runner)
    assert tab.model.rows[-1][1] == "Total" and tab.model.rows[-1][-1] == D("900.00")

    tab.show_report("Reorder suggestions")
    wait_idle(qtbot, runner)
    assert tab.export_po.isVisible()
    assert [line.name for line in tab.reorder_lines] == ["Mustard oil 1L"]
    order = tmp_path / "po.csv"
    tab.save_purchase_order(order)
    wait_idle(qtbot, runner)
    with order.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["Item"] == "Mustard oil 1L" and rows[-1]["Item"] == "Total"
    assert D(rows[0]["Order quantity"]) == tab.reorder_lines[0].order_qty >= D("24")

    tab.kind.setCurrentText("Item ledger")
    tab.item.setText("nothing like it")
    tab.refresh()
    wait_idle(qtbot, runner)
    assert "No single item matches" in tab.status.text()  # said, not a crash dialog


def test_the_closing_stock_is_posted_from_the_valuation_after_asking(
    qtbot: QtBot,
    page: InventoryPage,
    company: Company,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oil = add_item(company, ItemDraft(name="Mustard oil 1L", unit="BTL", gst_rate=D("5")))
    set_opening_stock(company, MAIN, [StockLine(oil, D("30"), value=D("4500"))])
    day = company.profile.books_begin + timedelta(days=10)
    post_stock(company, StockEntry(MoveKind.SALE, day, "test", "S1", (Move(oil, MAIN, D("-4")),)))
    tab = page.reports
    page.setCurrentWidget(tab)
    tab.end.set_date(day)
    tab.show_report("Stock valuation")
    wait_idle(qtbot, runner)
    assert tab.post_closing_button.isVisible()

    asked: list[str] = []

    def answer(_parent: object, _title: str, text: str) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.No if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    tab.ask_post_closing()  # declined: nothing posted
    wait_idle(qtbot, runner)
    assert (
        "worth 3,900.00 (FIFO)" in asked[0]
        and "credits Closing Stock Adjustment with 600.00" in asked[0]
    )
    with company.reader() as conn:
        assert role_account_ids(conn) == {}
    tab.ask_post_closing()
    wait_idle(qtbot, runner)
    assert "Posted the closing stock: JV/" in tab.status.text()
    with company.reader() as conn:
        assert stale_closings(conn) == [] and stock_closing_due(conn, day).amount == 0
    tab.ask_post_closing()  # nothing more to post, nothing asked
    wait_idle(qtbot, runner)
    assert len(asked) == 2 and "is in the ledger" in tab.status.text()
