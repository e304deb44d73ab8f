"""The dashboard's tiles and the report viewer: search, sort, CSV, Excel and PDF read back."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pdfplumber
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.ledger.model import Line, Voucher, VoucherType
from app.ledger.service import add_account, post_vouchers, resolve_accounts
from app.money import D, format_inr
from app.reports.dashboard import dashboard
from app.reports.registers import day_book
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.report_viewer import ReportTableModel
from app.ui.shell import MainWindow
from tests.ui.conftest import wait_idle

TODAY = date.today()


def _post_some(company: Company) -> None:
    add_account(company, "Patel Traders", "Sundry Debtors")
    ids = resolve_accounts(company, ["Cash", "Sales", "Rent", "Electricity", "Patel Traders"])

    def v(kind: VoucherType, days_ago: int, narration: str, *lines: tuple[str, str]) -> Voucher:
        day = TODAY - timedelta(days=days_ago)
        return Voucher(kind, day, tuple(Line(ids[a], D(x)) for a, x in lines), narration)

    post_vouchers(
        company,
        [
            v(VoucherType.SALES, 0, "Counter sale", ("Cash", "1250.50"), ("Sales", "-1250.50")),
            v(VoucherType.SALES, 0, "Credit sale", ("Patel Traders", "4000"), ("Sales", "-4000")),
            v(VoucherType.PAYMENT, 0, "Shop rent", ("Rent", "9000"), ("Cash", "-9000")),
            v(VoucherType.PAYMENT, 0, "Power bill", ("Electricity", "1400"), ("Cash", "-1400")),
        ],
    )


def test_dashboard_tiles_show_the_books_and_open_reports(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company
) -> None:
    _post_some(company)
    page = window.dashboard
    window.show_screen("Dashboard")
    page.refresh()
    qtbot.waitUntil(lambda: page.board is not None and page.board.sales_today > 0, timeout=10_000)
    expected = dashboard(company, TODAY)
    assert page.tiles["sales_today"].value.text() == f"₹ {format_inr(expected.sales_today)}"
    assert expected.sales_today == D("5250.50")
    assert page.tiles["receivables"].value.text() == "₹ 4,000.00"
    assert page.tiles["cash"].value.text() == f"₹ {format_inr(expected.cash_and_bank)}"
    qtbot.waitUntil(lambda: page.chart_layouts["sales"].count() == 2, timeout=5000)

    page.tiles["cash"].setFocus()
    qtbot.keyClick(page.tiles["cash"], Qt.Key.Key_Return)  # Enter on a tile opens its report
    viewer = window.ledger.viewer
    assert window.current_screen == "Ledger"
    qtbot.waitUntil(lambda: viewer.model.table.title.startswith("Ledger: Cash"), timeout=10_000)
    wait_idle(qtbot, runner)


def test_report_viewer_search_sort_and_exports(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company, tmp_path: Path
) -> None:
    _post_some(company)
    viewer = window.ledger.viewer
    window.open_report("Day book", "")
    qtbot.waitUntil(lambda: viewer.model.table.title.startswith("Day Book"), timeout=10_000)
    book = day_book(company, viewer.start.value() or TODAY, TODAY).table()
    assert viewer.model.rowCount() == len(book.rows) == 8

    viewer.search.setText("rent")
    assert [r[6] for r in viewer.model.rows] == ["Shop rent"]
    assert "1 of 8 rows" in viewer.status.text()
    viewer.search.clear()

    debit = book.columns.index("Debit")
    viewer.table.sortByColumn(debit, Qt.SortOrder.DescendingOrder)
    debits = [r[debit] for r in viewer.model.rows if r[debit] is not None]
    assert debits == sorted(debits, reverse=True) and debits[0] == D("9000.00")

    viewer.export(tmp_path / "day-book.csv")
    viewer.export(tmp_path / "day-book.xlsx")
    wait_idle(qtbot, runner)
    with (tmp_path / "day-book.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(book.columns)
    assert sorted(D(r[debit]) for r in rows[1:] if r[debit]) == sorted(debits)
    sheet = load_workbook(tmp_path / "day-book.xlsx").active
    assert sheet is not None
    numbers = [c.value for c in next(sheet.iter_cols(min_col=debit + 1, min_row=2))]
    assert sorted(D(str(n)) for n in numbers if n is not None) == sorted(debits)

    viewer.save_pdf(tmp_path / "day-book.pdf")
    with pdfplumber.open(tmp_path / "day-book.pdf") as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert company.profile.name in text
    assert "Day Book" in text
    for figure in ("9,000.00", "1,250.50", "4,000.00", "Shop rent", "Power bill"):
        assert figure in text


def test_a_hundred_thousand_rows_are_fetched_in_batches(qtbot: QtBot) -> None:
    from app.reports.table import Table

    rows = tuple((f"row {n}", D(n)) for n in range(100_000))
    model = ReportTableModel()
    model.set_table(Table("Big", ("Name", "Amount"), rows))
    assert model.rowCount() == 1000  # the first batch only: the view paints at once
    assert model.canFetchMore(model.index(-1, -1))
    model.fetchMore(model.index(-1, -1))
    assert model.rowCount() == 2000
    model.set_search("row 99999")
    assert model.rowCount() == 1 and model.rows[0][0] == "row 99999"


def test_ledger_shows_its_first_rows_then_the_rest(
    qtbot: QtBot, company: Company, runner: Runner
) -> None:
    from app.ui.pages.reports import FETCH_BATCH, FIRST_PAGE, LedgerView

    ids = resolve_accounts(company, ["Cash", "Sales"])
    start = TODAY.replace(day=1) - timedelta(days=40)
    total = FETCH_BATCH + FIRST_PAGE + 50
    post_vouchers(
        company,
        [
            Voucher(
                VoucherType.SALES,
                start + timedelta(days=n % 30),
                (Line(ids["Cash"], D(f"{n + 1}.25")), Line(ids["Sales"], D(f"-{n + 1}.25"))),
                f"sale {n}",
            )
            for n in range(total)
        ],
    )
    view = LedgerView(company, runner)
    qtbot.addWidget(view)
    view.show()
    view.load("Cash", TODAY)
    qtbot.waitUntil(lambda: view.complete, timeout=20_000)
    wait_idle(qtbot, runner)
    rows = view.model.all_rows
    assert len(rows) == total
    assert rows[-1].balance == sum(D(f"{n + 1}.25") for n in range(total))
    assert view.model.rowCount() >= FIRST_PAGE  # what was on screen stayed
    while view.model.canFetchMore(view.model.index(-1, -1)):
        view.model.fetchMore(view.model.index(-1, -1))
    assert view.model.rowCount() == total
    assert f"({total} postings)" in view.closing.text()
