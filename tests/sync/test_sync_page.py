"""Settings → Sync driven with pytest-qt over two real companies, the real service and
PostgreSQL: pairing by the short code (its QR code drawn, the six digits equal on both pages),
the device list with revoke, a conflict (field, both values, the winner) and a held change
retried after the period is unlocked; pairing cancelled on either side (with Esc too) and
started again; the QR code on screen read back by a real decoder and used to join."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import re
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QTableWidget, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import inspect, text

from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
from app.billing.service import post_document
from app.errors import AccessDenied, NotFound
from app.inventory import queries as stock_queries
from app.inventory.model import ItemDraft
from app.inventory.service import add_item, update_item
from app.ledger.service import lock_period
from app.money import D
from app.storage.access import Role
from app.storage.company import Company
from app.storage.users import add_user
from app.syncing import service as sync_service
from app.ui.ops import Runner
from app.ui.pages.sync import SyncPage
from sync.crypto import normalize_code, parse_pairing_uri
from tests.conftest import CompanyFactory
from tests.sync.service import Service

WAIT_MS = 30_000
LEFT = Qt.MouseButton.LeftButton
ITEM = "Tata Tea Gold 250 g"


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[Runner]:
    made = Runner()
    yield made
    made.shutdown()


def _rows(table: QTableWidget) -> list[list[str]]:
    def cell(row: int, column: int) -> str:
        item = table.item(row, column)
        return "" if item is None else item.text()

    return [[cell(r, c) for c in range(table.columnCount())] for r in range(table.rowCount())]


def _sell(company: Company) -> None:
    line = DraftLine("Tea 250 g", D("1"), D("120"), D("5"), hsn="0902")
    post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            date(2025, 6, 2),
            (line,),
            tenders=(Tender(PaymentMode.CASH, D("126")),),
        ),
    )


def _price(company: Company, price: str) -> None:
    with company.reader() as conn:
        item = stock_queries.item_by_name(conn, ITEM).id
    update_item(company, item, ItemDraft(ITEM, unit="NOS", hsn="0902", sale_price=D(price)))


def test_pair_list_conflicts_held_and_revoke(
    qtbot: QtBot, runner: Runner, make_company: CompanyFactory, service: Service
) -> None:
    a, b = make_company(), make_company()
    sync_service.create_shop(a, service.url, device_name="Counter A", series_prefix="A")
    page_a, page_b = SyncPage(a, runner), SyncPage(b, runner)
    qtbot.addWidget(page_a)
    qtbot.addWidget(page_b)
    page_a.show()  # the first show reads the state
    page_b.refresh()
    qtbot.waitUntil(lambda: "series A" in page_a.summary.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "does not sync yet" in page_b.summary.text(), timeout=WAIT_MS)
    assert page_a.offer_button.isEnabled() and not page_a.join_button.isEnabled()
    assert page_b.join_button.isEnabled()

    # -- pairing: the short code and its QR code on A, typed on B; both show six digits
    page_a.offer_prefix.setText("b")
    qtbot.mouseClick(page_a.offer_button, LEFT)
    qtbot.waitUntil(lambda: bool(page_a.offer_code.text()), timeout=WAIT_MS)
    code = page_a.offer_code.text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    qr = page_a.offer_qr.pixmap()
    assert not qr.isNull() and qr.width() == 220
    assert page_a.offer_qr.toolTip().startswith("bahi-pair:v1?")
    page_b.join_code.setText(code)
    page_b.join_server.setText(service.url)  # a typed code does not carry the server
    page_b.join_name.setText("Counter B")
    qtbot.mouseClick(page_b.join_button, LEFT)
    qtbot.waitUntil(lambda: len(page_b.join_confirmation) == 6, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(page_a.offer_confirmation) == 6, timeout=WAIT_MS)
    assert page_a.offer_confirmation == page_b.join_confirmation
    assert "Counter B wants to join" in page_a.offer_status.text()
    with qtbot.waitSignal(page_b.membership_changed, timeout=WAIT_MS):
        qtbot.mouseClick(page_a.approve_button, LEFT)
    assert "series B" in page_b.join_status.text()
    assert "Approved: Counter B" in page_a.offer_status.text()
    assert sync_service.status(b).series_prefix == "B"

    # -- devices: both listed, this device marked
    qtbot.waitUntil(lambda: page_a.device_table.rowCount() == 2, timeout=WAIT_MS)
    devices = {row[0]: row[1] for row in _rows(page_a.device_table)}
    assert devices == {"Counter A (this device)": "active", "Counter B": "active"}

    # -- a conflict: the same price changed on both counters while apart
    add_item(a, ItemDraft(ITEM, unit="NOS", hsn="0902", sale_price=D("40.00")))
    sync_service.sync_now(a)
    sync_service.sync_now(b)
    _price(a, "45.00")
    _price(b, "50.00")  # later: wins everywhere
    sync_service.sync_now(a)
    sync_service.sync_now(b)
    page_b.refresh()
    qtbot.waitUntil(lambda: page_b.conflict_table.rowCount() == 1, timeout=WAIT_MS)
    record, field, kept, lost, won_by, _ = _rows(page_b.conflict_table)[0]
    assert (record, field, kept, lost) == (f"{ITEM} (items)", "sale_price", "50.00", "45.00")
    assert won_by == sync_service.status(b).device_id[:8]  # type: ignore[index]

    # -- a held change: B's June is locked, so A's sale waits; retried after the unlock
    lock_period(b, date(2025, 6, 30))
    _sell(a)
    sync_service.sync_now(a)
    sync_service.sync_now(b)
    page_b.refresh()
    qtbot.waitUntil(lambda: page_b.held_table.rowCount() == 1, timeout=WAIT_MS)
    held = _rows(page_b.held_table)[0]
    assert held[1] == "apply_failed" and "locked" in held[2]
    assert page_b.retry_button.isEnabled()
    qtbot.mouseClick(page_b.retry_button, LEFT)
    qtbot.waitUntil(lambda: page_b.held_note.text() == "Still held back.", timeout=WAIT_MS)
    qtbot.waitUntil(page_b.retry_button.isEnabled, timeout=WAIT_MS)
    lock_period(b, None)
    qtbot.mouseClick(page_b.retry_button, LEFT)
    qtbot.waitUntil(lambda: page_b.held_note.text() == "1 applied.", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page_b.held_table.rowCount() == 0, timeout=WAIT_MS)
    assert sync_service.status(b).quarantined == 0

    # -- revoke B from A, after the confirmation
    assert not page_a.revoke_button.isEnabled()
    row_b = [r[0] for r in _rows(page_a.device_table)].index("Counter B")
    page_a.device_table.selectRow(row_b)
    assert page_a.revoke_button.isEnabled()
    page_a.device_table.selectRow(1 - row_b)  # this device: never revocable from here
    assert not page_a.revoke_button.isEnabled()
    page_a.device_table.selectRow(row_b)
    qtbot.mouseClick(page_a.revoke_button, LEFT)
    box = page_a.revoke_box
    assert box is not None and "Revoke Counter B?" in box.text()
    with qtbot.waitSignal(page_a.membership_changed, timeout=WAIT_MS):
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), LEFT)
    qtbot.waitUntil(
        lambda: {r[0]: r[1] for r in _rows(page_a.device_table)}.get("Counter B") == "revoked",
        timeout=WAIT_MS,
    )
    assert sync_service.load_membership(a).keys.current_epoch == 2
    runner.wait()


def test_only_the_owner_adds_or_revokes_devices(
    make_company: CompanyFactory, service: Service
) -> None:
    a = make_company()
    sync_service.create_shop(a, service.url, device_name="Counter A", series_prefix="A")
    add_user(a, "ravi", Role.CASHIER, "cashier-pass-1")
    cashier = a.as_user("ravi")
    with pytest.raises(AccessDenied):
        sync_service.offer(cashier)
    with pytest.raises(AccessDenied):
        sync_service.revoke(cashier, "0" * 32)


def test_the_status_bar_label_and_the_palette_open_the_page(
    qtbot: QtBot, runner: Runner, make_company: CompanyFactory, service: Service
) -> None:
    from app.ui.shell import MainWindow

    company = make_company()
    sync_service.create_shop(company, service.url, device_name="Counter A", series_prefix="A")
    window = MainWindow(company, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    settings = window.settings
    assert settings.currentWidget() is not settings.sync
    qtbot.mouseClick(window.status_sync, LEFT)
    assert window.screens.currentWidget() is window.workspace
    assert settings.currentWidget() is settings.sync and settings.sync.isVisible()
    qtbot.waitUntil(lambda: "series A" in settings.sync.summary.text(), timeout=WAIT_MS)
    settings.setCurrentIndex(0)
    command = next(c for c in window.commands if c.name.startswith("Sync: devices"))
    command.run()
    assert settings.currentWidget() is settings.sync
    # "Sync now" on the page runs the status bar's engine
    _sell(company)
    with qtbot.waitSignal(window.sync_engine.state_changed, timeout=WAIT_MS):
        qtbot.mouseClick(settings.sync.findChild(QPushButton, "syncNow"), LEFT)
    qtbot.waitUntil(lambda: window.status_sync.text() == "Sync: synced", timeout=WAIT_MS)
    window.sync_engine.stop()
    window.close()
    runner.wait()


# -- pairing: cancel on either side, and the QR code read back -------------------------------


def _two_pages(qtbot: QtBot, runner: Runner, a: Company, b: Company) -> tuple[SyncPage, SyncPage]:
    """A (the shop's first device) on its Add a device tab, B (new) on its Join tab."""
    page_a, page_b = SyncPage(a, runner), SyncPage(b, runner)
    for page, tab in ((page_a, "&Add a device"), (page_b, "&Join a shop")):
        qtbot.addWidget(page)
        labels = [page.sections.tabText(i) for i in range(page.sections.count())]
        page.sections.setCurrentIndex(labels.index(tab))
        # The main window's size: a bare page at its minimum size squeezes the QR label
        # (its wrapped labels need more height than the minimum allows for).
        page.resize(1180, 720)
        page.show()  # the first show reads the state
    qtbot.waitUntil(lambda: "series A" in page_a.summary.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "does not sync yet" in page_b.summary.text(), timeout=WAIT_MS)
    page_a.offer_prefix.setText("B")
    page_b.join_name.setText("Counter B")
    return page_a, page_b


def _escape(qtbot: QtBot, page: SyncPage, focus: QWidget) -> None:
    """Press Esc as a user would: in the page's active window, the focus in the tab."""
    page.activateWindow()
    page.raise_()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=3000)
    focus.setFocus()
    qtbot.keyClick(focus, Qt.Key.Key_Escape)


def _database(company: Company) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the company file."""
    with company.reader() as conn:
        return {
            name: [tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}"'))]
            for name in inspect(conn).get_table_names()
        }


def _offer_code(qtbot: QtBot, page: SyncPage) -> str:
    qtbot.mouseClick(page.offer_button, LEFT)
    qtbot.waitUntil(lambda: bool(page.offer_code.text()), timeout=WAIT_MS)
    return page.offer_code.text()


def _join_until_digits(qtbot: QtBot, page_a: SyncPage, page_b: SyncPage, code: str) -> None:
    page_b.join_code.setText(code)
    qtbot.mouseClick(page_b.join_button, LEFT)
    assert page_b.cancel_join_button.isEnabled() and not page_b.join_button.isEnabled()
    qtbot.waitUntil(lambda: len(page_b.join_confirmation) == 6, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(page_a.offer_confirmation) == 6, timeout=WAIT_MS)
    assert page_a.offer_confirmation == page_b.join_confirmation


CANCELLED = "Pairing cancelled; nothing was shared."


def test_pairing_cancelled_on_either_side_leaves_nothing_and_starts_again(
    qtbot: QtBot, runner: Runner, make_company: CompanyFactory, service: Service
) -> None:
    a, b = make_company(), make_company()
    sync_service.create_shop(a, service.url, device_name="Counter A", series_prefix="A")
    page_a, page_b = _two_pages(qtbot, runner, a, b)
    page_b.join_server.setText(service.url)
    before = _database(b)

    # -- the owner cancels while the service is still answering: no code is ever shown
    qtbot.mouseClick(page_a.offer_button, LEFT)
    assert page_a.cancel_offer_button.isEnabled() and not page_a.offer_button.isEnabled()
    qtbot.mouseClick(page_a.cancel_offer_button, LEFT)
    qtbot.waitUntil(lambda: page_a.offer_status.text() == CANCELLED, timeout=WAIT_MS)
    assert page_a.pairing_offer is None and not page_a.offer_code.text()
    assert page_a.offer_qr.pixmap().isNull()
    assert page_a.offer_button.isEnabled() and not page_a.cancel_offer_button.isEnabled()

    # -- the owner stops waiting for a new device with Esc: the code and its QR code go
    _offer_code(qtbot, page_a)
    assert page_a.cancel_offer_button.text() == "Cance&l"
    _escape(qtbot, page_a, page_a.offer_prefix)
    qtbot.waitUntil(lambda: page_a.offer_status.text() == CANCELLED, timeout=WAIT_MS)
    assert not page_a.offer_code.text() and page_a.offer_qr.pixmap().isNull()
    assert page_a.pairing_offer is None and page_a.offer_button.isEnabled()

    # -- B joins, both show the six digits, and B stops waiting for the approval with Esc
    _join_until_digits(qtbot, page_a, page_b, _offer_code(qtbot, page_a))
    assert page_a.cancel_offer_button.text() == "They differ: cance&l"
    _escape(qtbot, page_b, page_b.join_code)
    qtbot.waitUntil(lambda: page_b.join_status.text().startswith("Cancelled"), timeout=WAIT_MS)
    assert page_b.join_button.isEnabled() and not page_b.cancel_join_button.isEnabled()
    assert not page_b.join_digits.text()
    # B's file is exactly as before it tried: no membership, no device code, no audit row
    assert _database(b) == before
    assert not sync_service.status(b).enabled
    with pytest.raises(NotFound):
        sync_service.load_membership(b)

    # -- the owner, shown the digits, cancels too (nothing runs: at once)
    qtbot.mouseClick(page_a.cancel_offer_button, LEFT)
    assert page_a.offer_status.text() == f"{CANCELLED} Cancel the wait on the other device too."
    assert not page_a.approve_button.isEnabled() and page_a.pairing_offer is None

    # -- and both start again: a new code, typed on B, approved on A
    _join_until_digits(qtbot, page_a, page_b, _offer_code(qtbot, page_a))
    with qtbot.waitSignal(page_b.membership_changed, timeout=WAIT_MS):
        qtbot.mouseClick(page_a.approve_button, LEFT)
    assert (
        page_b.join_status.text().startswith("Paired") and "series B" in page_b.join_status.text()
    )
    assert not page_b.cancel_join_button.isEnabled()
    assert sync_service.status(b).series_prefix == "B"
    qtbot.waitUntil(lambda: not page_b.join_button.isEnabled(), timeout=WAIT_MS)  # joined now
    runner.wait()


def _decode(widget: QWidget) -> list[tuple[str, str]]:
    """The barcodes a real decoder reads in the widget as it is drawn on screen."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    pixels = np.ascontiguousarray(rows[:, : image.width()])
    return [(r.format.name, r.text) for r in zxingcpp.read_barcodes(pixels)]


def test_the_qr_code_on_screen_decodes_to_the_offer_and_joins(
    qtbot: QtBot, runner: Runner, make_company: CompanyFactory, service: Service
) -> None:
    a, b = make_company(), make_company()
    sync_service.create_shop(a, service.url, device_name="Counter A", series_prefix="A")
    page_a, page_b = _two_pages(qtbot, runner, a, b)
    code = _offer_code(qtbot, page_a)
    offer = page_a.pairing_offer
    assert offer is not None and offer.code == code
    assert page_a.offer_qr.isVisible()
    # Grab it once the layout has made room for the whole code (a later event than the text).
    shown = page_a.offer_qr
    qtbot.waitUntil(lambda: shown.contentsRect().contains(shown.pixmap().rect()), timeout=WAIT_MS)

    decoded = _decode(page_a.offer_qr)
    assert decoded == [("QRCode", offer.uri)]
    uri = decoded[0][1]
    assert parse_pairing_uri(uri) == (
        service.url,
        sync_service.status(a).shop_id,
        normalize_code(code),
    )

    # -- B is given the scanned text alone: the server and the shop come from it
    page_b.join_server.clear()
    _join_until_digits(qtbot, page_a, page_b, uri)
    with qtbot.waitSignal(page_b.membership_changed, timeout=WAIT_MS):
        qtbot.mouseClick(page_a.approve_button, LEFT)
    joined = sync_service.status(b)
    assert (joined.server_url, joined.shop_id) == (service.url, sync_service.status(a).shop_id)
    assert joined.series_prefix == "B" and "series B" in page_b.join_status.text()
    runner.wait()
