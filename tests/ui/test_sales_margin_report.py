"""The sales margin reports in the report viewer, read on the runner's pool, over the
hand-checked shop of tests/reports/margin_shop.py posted through billing."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.shell import MainWindow
from tests.reports.margin_shop import hand_checked
from tests.ui.conftest import wait_idle


def _cells(window: MainWindow, row: int) -> list[str]:
    model = window.ledger.viewer.model
    return [model.data(model.index(row, column)) for column in range(model.columnCount())]


def test_sales_margin_by_invoice_and_by_item(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company
) -> None:
    hand_checked(company)
    viewer = window.ledger.viewer
    viewer.start.set_date(date(2025, 6, 1))
    viewer.end.set_date(date(2025, 6, 30))
    window.open_report("Sales margin by invoice", "")
    qtbot.waitUntil(lambda: viewer.model.table.title.startswith("Sales margin by invoice"))
    wait_idle(qtbot, runner)
    assert viewer.start.isVisible()  # a period report
    assert viewer.model.rowCount() == 3  # the invoice, the credit note, the total
    header = [viewer.model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)]
    assert header == ["Date", "Number", "Document", "Party", "Value", "Cost", "Margin", "Margin %"]
    assert _cells(window, 0) == [
        "15-06-2025",
        "INV/2526/0001",
        "Invoice",
        "Rao Stores",
        "7,300.00",
        "4,920.00",
        "2,380.00",
        "32.60",
    ]
    assert _cells(window, 2)[1] == "Total" and _cells(window, 2)[5:] == [
        "4,460.00",
        "2,240.00",
        "33.43",
    ]
    assert viewer.status.text() == "3 rows"

    viewer.kind.setCurrentIndex(viewer.kind.findText("Sales margin by item"))
    viewer.refresh()
    qtbot.waitUntil(lambda: viewer.model.table.title.startswith("Sales margin by item"))
    wait_idle(qtbot, runner)
    assert _cells(window, 0) == [
        "Rice",
        "KGS",
        "110.00",
        "6,600.00",
        "4,460.00",
        "2,140.00",
        "32.42",
    ]
    assert _cells(window, 1)[0] == "(lines without an item)"
