"""The Inventory page: the item form (checked as typed, errors in the form), search as you
type over a lazily read list, godowns and a transfer, a physical count, batches and FEFO."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.inventory import queries
from app.inventory.model import GodownId, ItemDraft, Move, MoveKind, StockEntry
from app.inventory.service import (
    StockLine,
    add_item,
    add_items,
    batch_in,
    post_stock_in,
    set_item_active,
    set_opening_stock,
)
from app.inventory.tables import items, stock_moves
from app.money import D
from app.storage.access import Role
from app.storage.company import Company
from app.storage.users import add_user
from app.ui.ops import Runner
from app.ui.pages.inventory import InventoryPage
from app.ui.pages.inventory_form import ItemForm
from app.ui.pages.inventory_items import PAGE
from app.ui.shell import MainWindow
from tests.ui.conftest import activate, type_keys, wait_idle

MAIN = GodownId(1)  # every company starts with "Main Godown"


@pytest.fixture
def page(qtbot: QtBot, company: Company, runner: Runner) -> Iterator[InventoryPage]:
    window = MainWindow(company, runner)
    activate(qtbot, window)
    window.show_screen("Inventory")
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.inventory.items.search)
    yield window.inventory
    window.close()
    runner.wait()


def item_count(company: Company) -> int:
    with company.reader() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def open_form(qtbot: QtBot, page: InventoryPage) -> ItemForm:
    qtbot.keyClick(page.items.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = page.items.form
    assert form is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.name)
    return form


def test_an_item_made_in_the_form_with_a_bad_barcode_fixed_first(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner
) -> None:
    form = open_form(qtbot, page)
    type_keys(qtbot, "Tata Salt 1kg")
    form.barcodes.setFocus()
    type_keys(qtbot, "8904063200304")  # last digit should be 3
    assert "should be 3" in form.barcode_note.text()
    form.hsn.setFocus()
    type_keys(qtbot, "250")
    assert "4, 6 or 8 digits" in form.hsn_note.text()
    type_keys(qtbot, "1")
    assert form.hsn_note.text() == "Looks right"
    form.gst_rate.setCurrentIndex(form.gst_rate.findData("5"))
    form.unit.setCurrentText("PCS")
    form.conversions.setText("BOX=12")
    form.mrp.setText("30")
    form.sale_price.setText("28")
    form.purchase_price.setText("24")
    form.price_lists.setText("wholesale=26.50")
    form.reorder_level.setText("5")
    form.reorder_qty.setText("24")
    form.opening_qty.setText("10")
    form.save()
    wait_idle(qtbot, runner)
    assert form.isVisible() and "should be 3" in form.problems.text()
    assert item_count(company) == 0

    form.barcodes.setText("8904063200303")
    assert form.barcode_note.text() == "8904063200303: EAN-13"
    form.sale_price.setText("31")  # above the MRP
    form.save()
    wait_idle(qtbot, runner)
    assert "above the MRP" in form.problems.text() and item_count(company) == 0

    form.sale_price.setText("28")
    form.save()
    qtbot.waitUntil(lambda: not form.isVisible(), timeout=5000)
    wait_idle(qtbot, runner)
    with company.reader() as conn:
        view = queries.item(conn, queries.item_by_name(conn, "Tata Salt 1kg").id)
        on_hand = queries.on_hand(conn, view.item.id, MAIN)
    assert view.item.gst_rate == D("5") and view.item.mrp == D("30.00")
    assert [code for code, _kind in view.barcodes] == ["8904063200303"]
    assert view.price("wholesale") == D("26.50") and view.conversions[0].factor == D("12")
    assert on_hand == D("10")  # opening stock, in the same transaction as the item
    model = page.items.model
    qtbot.waitUntil(lambda: model.total == 1 and model.row_at(0) is not None, timeout=5000)
    shown = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert shown == [
        "Tata Salt 1kg",
        "",
        "8904063200303",
        "2501",
        "5",
        "28.00",
        "10",
        "PCS",
        "30.00",
    ]


def test_a_rate_no_longer_in_force_is_refused_in_the_form(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner
) -> None:
    # A form opened as of a GST 1.0 date offers 12%; the service checks today's schedule.
    form = ItemForm(company, runner, page.items, today=date(2025, 6, 1))
    form.open()
    form.name.setText("Ghee 1L")
    form.hsn.setText("04059020")
    form.gst_rate.setCurrentIndex(form.gst_rate.findData("12"))
    form.save()
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: "12% is not a GST rate under GST 2.0" in form.problems.text())
    assert form.isVisible() and form.save_button.isEnabled() and item_count(company) == 0
    form.reject()


def test_a_cashier_sees_the_refusal_in_the_form(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner
) -> None:
    add_user(company, "ravi", Role.CASHIER, "ravi-secret-12")
    form = ItemForm(company.as_user("ravi"), runner, page.items)
    form.open()
    form.name.setText("Pencil")
    form.save()
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: "may not add or change items" in form.problems.text())
    assert item_count(company) == 0
    form.reject()


def test_search_as_you_type_over_a_lazily_read_list(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner
) -> None:
    drafts = [
        ItemDraft(name=f"Bolt M{n:04d}", sku=f"B{n}", hsn="7318", gst_rate=D("18"))
        for n in range(3 * PAGE)
    ]
    drafts.append(ItemDraft(name="Wall putty", barcodes=("8901030865275",), gst_rate=D("18")))
    add_items(company, drafts)
    tab = page.items
    tab.refresh()
    wait_idle(qtbot, runner)
    model = tab.model
    assert model.total == 3 * PAGE + 1 and model.results is None
    # Only what the view has painted is read: the last page is not there until asked for.
    last = model.total - 1
    assert last // PAGE not in model.pages
    assert model.data(model.index(last, 0)) == "…"
    qtbot.waitUntil(lambda: model.data(model.index(last, 0)) == "Wall putty", timeout=5000)

    tab.search.setFocus()
    started = time.perf_counter()
    type_keys(qtbot, "bolt m012")
    typing = time.perf_counter() - started
    assert typing < 2.0  # keys are never held up by the search
    qtbot.waitUntil(lambda: model.results is not None and len(model.results) == 10, timeout=5000)
    assert [line.item.name for line in model.results][:2] == ["Bolt M0120", "Bolt M0121"]
    assert "10 items match" in tab.status.text()

    tab.search.clear()
    type_keys(qtbot, "8901030865275")  # a scanned barcode finds its item
    qtbot.waitUntil(
        lambda: (
            model.results is not None and [r.item.name for r in model.results] == ["Wall putty"]
        ),
        timeout=5000,
    )
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is tab.table
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.form is not None and tab.form.isVisible(), timeout=5000)
    assert tab.form is not None and tab.form.name.text() == "Wall putty"
    tab.form.reject()


def test_a_new_godown_and_a_transfer_into_it(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner
) -> None:
    cement = add_item(company, ItemDraft(name="Cement bag 50kg", hsn="2523", gst_rate=D("18")))
    set_opening_stock(company, MAIN, [StockLine(cement, D("20"), value=D("7000"))])
    page.setCurrentWidget(page.godowns)
    tab = page.godowns
    wait_idle(qtbot, runner)
    tab.new_name.setFocus()
    type_keys(qtbot, "Shop floor")
    qtbot.keyClick(tab.new_name, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2)
    assert tab.to_godown.currentText() == "Shop floor"
    assert tab.from_godown.currentText() == "Main Godown"

    tab.transfer_item.setText("cement bag 50KG")
    tab.transfer_qty.setText("25")  # more than there is: a warning, the books stay right
    tab.transfer_button.click()
    wait_idle(qtbot, runner)
    assert "Negative stock" in tab.status.text()
    with company.reader() as conn:
        shop = queries.godown_by_name(conn, "Shop floor").id
        assert queries.on_hand(conn, cement, shop) == D("25")
        assert queries.on_hand(conn, cement) == D("20")  # a transfer moves, never makes stock

    tab.transfer_item.setText("no such thing")
    tab.transfer_qty.setText("1")
    tab.transfer_button.click()
    wait_idle(qtbot, runner)
    assert "No single item matches" in tab.status.text()

    tab.count_godown.setCurrentIndex(tab.count_godown.findData(int(shop)))
    tab.count_item.setText("Cement bag 50kg")
    tab.counted.setText("22")
    tab.count_button.click()
    wait_idle(qtbot, runner)
    assert "adjusted to 22" in tab.status.text()
    with company.reader() as conn:
        assert queries.on_hand(conn, cement, shop) == D("22")
        kinds = conn.execute(select(stock_moves.c.kind).order_by(stock_moves.c.id)).scalars()
        assert list(kinds)[-1] == MoveKind.ADJUSTMENT.value


def test_batches_with_expiry_and_the_fefo_suggestion(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner
) -> None:
    syrup = add_item(
        company,
        ItemDraft(name="Cough syrup", hsn="30049099", gst_rate=D("5"), batch_tracked=True),
    )
    with company.unit_of_work() as uow:
        moves = []
        for batch_no, expiry in (
            ("OLD", date(2025, 5, 31)),
            ("B1", date(2027, 1, 31)),
            ("B2", date(2026, 12, 31)),
        ):
            batch = batch_in(uow, syrup, batch_no, None, expiry)
            moves.append(Move(syrup, MAIN, D("10"), D("500"), batch))
        entry = StockEntry(MoveKind.OPENING, date(2025, 4, 1), "stock journal", "T1", tuple(moves))
        post_stock_in(uow, entry)
        uow.commit()
    tab = page.batches
    page.setCurrentWidget(tab)
    tab.on.set_date(date(2026, 11, 1))
    tab.refresh()
    wait_idle(qtbot, runner)
    assert tab.table.rowCount() == 3
    statuses = [tab.table.item(r, 7).text() for r in range(3)]
    assert statuses == ["expired", "expiring soon", "good"]
    tab.fefo_item.setText("Cough syrup")
    tab.fefo_qty.setText("15")
    tab.suggest()
    wait_idle(qtbot, runner)
    assert tab.fefo_answer.text() == (
        "Cough syrup: Take 10 NOS from batch B2 (expires 31-12-2026); "
        "5 NOS from batch B1 (expires 31-01-2027)."
    )


def test_the_dashboard_tile_counts_low_stock(
    qtbot: QtBot, company: Company, runner: Runner
) -> None:
    rice = add_item(
        company, ItemDraft(name="Sona rice", unit="KGS", reorder_level=D("50"), gst_rate=D("5"))
    )
    add_item(company, ItemDraft(name="Plenty", reorder_level=D("1"), gst_rate=D("5")))
    set_opening_stock(company, MAIN, [StockLine(rice, D("12.5"), value=D("600"))])
    window = MainWindow(company, runner)
    activate(qtbot, window)
    wait_idle(qtbot, runner)
    tile = window.dashboard.tiles["stock"]
    qtbot.waitUntil(lambda: tile.value.text() == "2 items", timeout=5000)
    assert tile.detail.text() == "Sona rice 12.5 · Plenty 0"  # emptiest first
    tile.opened.emit(tile.report, tile.account)
    assert window.current_screen == "Inventory"
    window.close()
    runner.wait()


def test_inactive_items_leave_the_list_until_asked_for(
    qtbot: QtBot, page: InventoryPage, company: Company, runner: Runner
) -> None:
    kept, gone = add_items(
        company, [ItemDraft(name="Kept", gst_rate=D("5")), ItemDraft(name="Gone", gst_rate=D("5"))]
    )
    set_item_active(company, gone, False)
    tab = page.items
    tab.refresh()
    wait_idle(qtbot, runner)
    assert tab.model.ids == [kept]
    qtbot.keyClick(tab.search, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, runner)
    assert tab.inactive.isChecked() and tab.model.ids == [gone, kept]  # in name order
    qtbot.waitUntil(lambda: tab.model.data(tab.model.index(0, 0)) == "Gone (inactive)")
