"""The main window driven from the keyboard: vouchers, palette, drill-down, closing."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.ledger.checks import check_books
from app.ledger.model import Line, Voucher, VoucherType
from app.ledger.service import post_voucher, resolve_accounts
from app.money import D
from app.reports.trial_balance import trial_balance
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.shell import SCREENS, MainWindow
from tests.ui.conftest import type_keys, wait_idle


def test_status_bar_and_rail(window: MainWindow) -> None:
    assert [window.rail.item(i).text() for i in range(window.rail.count())] == list(SCREENS)
    assert window.status_company.text() == "Company: Verma Hardware"
    assert window.status_user.text() == "User: owner (owner)"
    assert window.status_year.text().startswith("FY 20")
    assert window.status_sync.text() == "Sync: not set up"
    window.show_screen("GST")
    page = window.pages.currentWidget()
    assert "GSTR-1" in " ".join(w.text() for w in page.findChildren(type(window.status_sync)))


def test_journal_voucher_from_the_keyboard(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company
) -> None:
    entry = window.ledger.vouchers
    qtbot.keyClick(window, Qt.Key.Key_F7)
    assert entry.voucher_type is VoucherType.JOURNAL
    assert QApplication.focusWidget() is entry.date_field

    qtbot.keyClick(entry.date_field, Qt.Key.Key_Tab)  # today's date stands
    assert QApplication.focusWidget() is entry.table
    type_keys(qtbot, "Rent")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    type_keys(qtbot, "5000")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # to Credit
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # to the next line
    assert "Difference 5,000.00" in entry.difference.text()
    type_keys(qtbot, "cash")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # balancing credit fills in
    assert entry.table.item(1, 0).text() == "Cash"
    assert entry.table.item(1, 2).text() == "5,000.00"
    assert "Difference" not in entry.difference.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # Debit
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Credit stands; Enter moves on
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # an empty line ends the lines
    assert QApplication.focusWidget() is entry.narration
    type_keys(qtbot, "Shop rent")
    qtbot.keyClick(entry.narration, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Posted" in entry.message.text(), timeout=10_000)
    wait_idle(qtbot, runner)

    assert "JV/" in entry.message.text()
    assert not entry.has_unsaved()
    report = trial_balance(company, date.today())
    shown = {row.account: (row.debit, row.credit) for row in report.rows}
    assert shown == {"Rent": (D("5000.00"), D("0.00")), "Cash": (D("0.00"), D("5000.00"))}
    assert check_books(company).ok


def test_unbalanced_voucher_is_refused_inline(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company
) -> None:
    entry = window.ledger.vouchers
    window.open_voucher_entry(VoucherType.PAYMENT)
    entry.table.item(0, 0).setText("Rent")
    entry.table.item(0, 1).setText("100.00")
    entry.table.item(1, 0).setText("Cash")
    entry.table.item(1, 2).setText("90.00")
    entry.post()
    assert "differ by 10.00" in entry.message.text()
    wait_idle(qtbot, runner)
    assert trial_balance(company, date.today()).rows == ()


def test_palette_finds_payment(qtbot: QtBot, window: MainWindow) -> None:
    window.show_screen("Dashboard")
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    palette = window.command_palette
    assert palette is not None and palette.isVisible()
    names = [c.name for c in palette.commands]
    for screen in SCREENS:
        assert screen in names
    qtbot.keyClicks(palette.search, "Payment")
    assert palette.list.count() == 1
    assert palette.list.currentItem().text().startswith("Payment voucher")
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert not palette.isVisible()
    assert window.current_screen == "Ledger"
    assert window.ledger.currentWidget() is window.ledger.vouchers
    assert window.ledger.vouchers.voucher_type is VoucherType.PAYMENT


def test_drill_down_trial_balance_ledger_voucher(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company
) -> None:
    ids = resolve_accounts(company, ["Rent", "Cash"])
    posted = post_voucher(
        company,
        Voucher(
            VoucherType.PAYMENT,
            date.today(),
            (Line(ids["Rent"], D("18000.00")), Line(ids["Cash"], D("-18000.00"))),
            "May rent",
        ),
    )
    window.open_trial_balance()
    reports = window.ledger.reports
    tb = reports.trial_balance
    tb.refresh()
    qtbot.waitUntil(lambda: tb.model.rowCount() == 2, timeout=5000)
    assert "36,000.00" not in tb.totals.text() and "18,000.00" in tb.totals.text()

    tb.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # Rent, then Cash
    assert [tb.model.row_at(r).account for r in range(2)] == ["Rent", "Cash"]
    tb.table.setFocus()
    tb.table.setCurrentIndex(tb.model.index(0, 0))
    qtbot.keyClick(tb.table, Qt.Key.Key_Return)
    assert reports.level == "ledger"
    ledger = reports.ledger
    qtbot.waitUntil(lambda: ledger.model.rowCount() == 1, timeout=5000)
    assert ledger.model.index(0, 1).data() == posted.number_text
    assert ledger.model.index(0, 6).data() == "18,000.00 Dr"

    qtbot.keyClick(ledger.table, Qt.Key.Key_Return)
    assert reports.level == "voucher"
    viewer = reports.voucher
    qtbot.waitUntil(lambda: viewer.voucher is not None, timeout=5000)
    assert viewer.voucher is not None and viewer.voucher.id == posted.id
    assert posted.number_text in viewer.heading.text()
    assert viewer.model.rowCount() == 2

    qtbot.keyClick(viewer.table, Qt.Key.Key_Escape)
    assert reports.level == "ledger"
    qtbot.keyClick(ledger.table, Qt.Key.Key_Escape)
    assert reports.level == "trial balance"
    wait_idle(qtbot, runner)


def test_ledger_fetches_lazily(qtbot: QtBot) -> None:
    from app.ui.pages.reports import FETCH_BATCH, LedgerTableModel

    model = LedgerTableModel()
    model.all_rows = tuple(range(FETCH_BATCH * 2 + 7))  # type: ignore[arg-type]
    assert model.rowCount() == 0
    from PySide6.QtCore import QModelIndex

    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == FETCH_BATCH * 2 + 7


def _answer_later(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(50, answer)


def test_closing_with_an_unsaved_voucher_asks(qtbot: QtBot, window: MainWindow) -> None:
    entry = window.ledger.vouchers
    window.open_voucher_entry(VoucherType.JOURNAL)
    entry.table.item(0, 0).setText("Rent")
    seen: list[str] = []

    _answer_later(QMessageBox.StandardButton.Cancel, seen)
    window.close()
    assert window.isVisible()
    assert entry.table.item(0, 0).text() == "Rent"

    _answer_later(QMessageBox.StandardButton.Discard, seen)
    window.close()
    assert not window.isVisible()
    assert len(seen) == 2 and "not been posted" in seen[0]
