"""Every report as a table: period picker, search, column sort, print or PDF, CSV and XLSX.

Reports are read on the runner's pool and arrive as ``app.reports.table.Table``; the view
is a Qt model that filters and sorts in memory and hands rows to the view in batches, so a
100,000-row ledger paints its first screen at once and scrolls smoothly.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ledger import queries
from app.ledger.model import financial_year
from app.reports.margins import By, sales_margins
from app.reports.registers import day_book, ledger_statement
from app.reports.statements import balance_sheet, profit_and_loss
from app.reports.table import Cell, Table
from app.reports.trial_balance import trial_balance
from app.storage.company import Company
from app.ui.batched import BatchedTableModel, ModelIndex
from app.ui.exports import ask_export_path, export_table
from app.ui.ops import JobContext, Runner, watch
from app.ui.widgets import DateField, amount_text, show_failure

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
FETCH_BATCH = 1000
MAX_COLUMN = 360  # pixels


def cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return amount_text(cell) or "0.00"
    if isinstance(cell, date):
        return f"{cell:%d-%m-%Y}"
    return str(cell)


def _sort_key(cell: Cell) -> tuple[int, Any]:
    # Blanks last; numbers, dates and text each compare among themselves.
    if cell is None or cell == "":
        return (3, 0)
    if isinstance(cell, (Decimal, int)):
        return (0, cell)
    if isinstance(cell, date):
        return (1, cell)
    return (2, str(cell).casefold())


class ReportTableModel(BatchedTableModel):
    """A report table with search and sort in memory; rows reach the view in batches."""

    batch = FETCH_BATCH

    def __init__(self) -> None:
        super().__init__()
        self.table = Table("", (), ())
        self.rows: list[tuple[Cell, ...]] = []  # after the search filter and the sort
        self._search = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._numeric: tuple[bool, ...] = ()

    def set_table(self, table: Table) -> None:
        self.table = table
        self._numeric = tuple(
            any(isinstance(row[i], Decimal) for row in table.rows[:200])
            for i in range(len(table.columns))
        )
        self._rebuild()

    def set_search(self, text: str) -> None:
        self._search = text.casefold().strip()
        self._rebuild()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order) if column >= 0 else None
        self._rebuild()

    def _rebuild(self) -> None:
        self.beginResetModel()
        words = self._search.split()
        rows = list(self.table.rows)
        if words:
            rows = [
                row
                for row in rows
                if all(any(w in cell_text(c).casefold() for c in row) for w in words)
            ]
        if self._sort is not None:
            column, order = self._sort
            rows.sort(
                key=lambda row: _sort_key(row[column]),
                reverse=order == Qt.SortOrder.DescendingOrder,
            )
        self.rows = rows
        self.shown = min(len(rows), FETCH_BATCH)
        self.endResetModel()

    def available(self) -> int:
        return len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.table.columns[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and self._numeric[section]:
            return _RIGHT
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if cell is None else cell_text(cell)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(cell, Decimal):
            return _RIGHT
        return None

    def numeric(self, column: int) -> bool:
        return self._numeric[column]

    def visible_table(self) -> Table:
        """What the user sees (searched and sorted), for printing and export."""
        return Table(self.table.title, self.table.columns, tuple(self.rows))


def table_html(table: Table, company_name: str) -> str:
    """The table as simple HTML for QTextDocument: printing and PDF."""
    numeric = [
        any(isinstance(row[i], Decimal) for row in table.rows) for i in range(len(table.columns))
    ]
    head = "".join(
        f'<th align="{"right" if numeric[i] else "left"}">{html.escape(name)}</th>'
        for i, name in enumerate(table.columns)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td align="{"right" if isinstance(c, Decimal) else "left"}">'
            f"{html.escape(cell_text(c) if c is not None else '')}</td>"
            for c in row
        )
        + "</tr>"
        for row in table.rows
    )
    return (
        f"<h3>{html.escape(company_name)}</h3><h2>{html.escape(table.title)}</h2>"
        '<table border="0.5" cellspacing="0" cellpadding="3" width="100%">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def save_pdf(table: Table, company_name: str, path: Path) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    document = QTextDocument()
    document.setHtml(table_html(table, company_name))
    document.print_(printer)


def _report_table(model: ReportTableModel) -> QTableView:
    table = QTableView()
    table.setObjectName("reportTable")
    table.setModel(model)
    table.setSortingEnabled(True)
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


@dataclass(frozen=True)
class ReportKind:
    name: str
    period: bool  # True: from and to; False: as of one date
    needs_account: bool
    read: Callable[[Company, date, date, str, JobContext], Table]  # on the pool
    # Replays every stock move (seconds on a big shop): shows the progress dialog, whose
    # Cancel the read checks for.
    long: bool = False


def _sales_margin(by: By) -> Callable[[Company, date, date, str, JobContext], Table]:
    def read(company: Company, start: date, end: date, _account: str, ctx: JobContext) -> Table:
        ctx.progress(0, 0, "Costing the period's sales from the stock moves…")
        return sales_margins(company, start, end, check=ctx.check).table(by)

    return read


REPORTS: tuple[ReportKind, ...] = (
    ReportKind("Trial balance", False, False, lambda c, _s, e, _a, _j: trial_balance(c, e).table()),
    ReportKind(
        "Profit & loss", True, False, lambda c, s, e, _a, _j: profit_and_loss(c, s, e).table()
    ),
    ReportKind("Balance sheet", False, False, lambda c, _s, e, _a, _j: balance_sheet(c, e).table()),
    ReportKind("Day book", True, False, lambda c, s, e, _a, _j: day_book(c, s, e).table()),
    ReportKind("Ledger", True, True, lambda c, s, e, a, _j: ledger_statement(c, a, s, e).table()),
    ReportKind("Sales margin by invoice", True, False, _sales_margin("invoice"), long=True),
    ReportKind("Sales margin by item", True, False, _sales_margin("item"), long=True),
)


class ReportViewer(QWidget):
    """Pick a report and a period; Ctrl+F searches, a header click sorts, Ctrl+P prints."""

    loaded = Signal(object)  # Table

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        today = date.today()
        self.kind = QComboBox()
        self.kind.setObjectName("reportKind")
        self.kind.addItems([r.name for r in REPORTS])
        self.account = QComboBox()
        self.account.setObjectName("reportAccount")
        self.account.setEditable(True)
        self.account.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.start = DateField(financial_year(today, company.profile.fy_start_month).start)
        self.end = DateField(today)
        self.search = QLineEdit()
        self.search.setObjectName("reportSearch")
        self.search.setPlaceholderText("Search (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.model = ReportTableModel()
        self.table = _report_table(self.model)
        self.title = QLabel()
        self.status = QLabel()
        show = QPushButton("&Show")
        show.setDefault(True)
        self._lay_out(show)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        show.clicked.connect(self.refresh)
        self.search.textChanged.connect(self._searched)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_report)
        self._accounts_loaded = False
        self._request = 0
        self._kind_changed()

    def _lay_out(self, show: QPushButton) -> None:
        kind_caption = QLabel("&Report")
        kind_caption.setBuddy(self.kind)
        self.account_caption = QLabel("&Account")
        self.account_caption.setBuddy(self.account)
        self.start_caption = QLabel("&From")
        self.start_caption.setBuddy(self.start)
        end_caption = QLabel("&To")
        end_caption.setBuddy(self.end)
        top = QHBoxLayout()
        for widget in (
            kind_caption,
            self.kind,
            self.account_caption,
            self.account,
            self.start_caption,
            self.start,
            end_caption,
            self.end,
            show,
        ):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.search)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        for text, handler in (
            ("&Print…", self.print_report),
            ("P&DF…", self.ask_pdf),
            ("CS&V…", lambda: self.ask_export("csv")),
            ("E&xcel…", lambda: self.ask_export("xlsx")),
        ):
            button = QPushButton(text)
            button.clicked.connect(handler)
            bottom.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    @property
    def report(self) -> ReportKind:
        return REPORTS[self.kind.currentIndex()]

    def show_report(self, name: str, account: str = "") -> None:
        """Open a report by name (from the dashboard or the palette) and load it."""
        self.kind.setCurrentIndex([r.name for r in REPORTS].index(name))
        if account:
            self.account.setCurrentText(account)
        self.refresh()

    def _kind_changed(self) -> None:
        report = self.report
        self.account.setVisible(report.needs_account)
        self.account_caption.setVisible(report.needs_account)
        self.start.setVisible(report.period)
        self.start_caption.setVisible(report.period)
        if report.needs_account and not self._accounts_loaded:
            self._accounts_loaded = True
            company = self.company

            def read(_ctx: JobContext) -> list[str]:
                with company.reader() as conn:
                    return [a.name for a in queries.chart(conn) if a.active]

            self.runner.read("Accounts", read, on_done=self._accounts_arrived)

    def _accounts_arrived(self, names: list[str]) -> None:
        typed = self.account.currentText()
        self.account.addItems(names)
        self.account.setCurrentText(typed)

    def refresh(self) -> None:
        start, end = self.start.value(), self.end.value()
        if start is None or end is None:
            self.status.setText("Type dates as dd-mm-yyyy.")
            return
        report = self.report
        if report.period and start > end:
            self.status.setText("The period ends before it starts.")
            return
        account = self.account.currentText().strip()
        if report.needs_account and not account:
            self.status.setText("Choose an account.")
            self.account.setFocus()
            return
        company = self.company
        self._request += 1
        request = self._request
        self.status.setText("Loading…")

        def read(ctx: JobContext) -> Table:
            return report.read(company, start, end, account, ctx)

        job = self.runner.read(
            report.name,
            read,
            on_done=lambda table: self._loaded(request, table),
            on_error=self._failed,
        )
        if report.long:
            job.cancelled.connect(lambda: self._cancelled(request))
            watch(job, self)

    def _failed(self, exc: BaseException) -> None:
        show_failure(self, exc, self.status.setText)

    def _cancelled(self, request: int) -> None:
        if request == self._request:
            self.status.setText("Cancelled.")

    def _loaded(self, request: int, table: Table) -> None:
        if request != self._request:
            return  # an older request came back after a newer one was asked for
        self.model.set_table(table)
        self._fit_columns()
        self.title.setText(f"<h2>{html.escape(table.title)}</h2>")
        self._show_count()
        self.loaded.emit(table)

    def _fit_columns(self) -> None:
        """Columns as wide as their first screens of text, within reason; the first text
        column takes what is left."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        widths = [min(header.sectionSize(i), MAX_COLUMN) for i in range(header.count())]
        spare = self.table.viewport().width() - sum(widths)
        text_columns = [i for i in range(header.count()) if not self.model.numeric(i)]
        if spare > 0 and text_columns:
            widths[text_columns[0]] += spare
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

    def _searched(self, text: str) -> None:
        self.model.set_search(text)
        self._show_count()

    def _show_count(self) -> None:
        shown, total = len(self.model.rows), len(self.model.table.rows)
        self.status.setText(f"{total} rows" if shown == total else f"{shown} of {total} rows")

    # -- output ----------------------------------------------------------------------------
    def _suggested_name(self, suffix: str) -> str:
        title = self.model.table.title or self.report.name
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in title)
        return f"{safe.strip('-')}.{suffix}"

    def ask_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save as PDF", self._suggested_name("pdf"), "PDF (*.pdf)"
        )
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        save_pdf(self.model.visible_table(), self.company.profile.name, path)
        self.status.setText(f"Saved {path}")

    def ask_export(self, kind: str) -> None:
        path = ask_export_path(self, kind, self._suggested_name(kind))
        if path:
            self.export(path)

    def export(self, path: Path) -> None:
        export_table(
            self.runner, self.model.visible_table(), path, self.status.setText, self._failed
        )

    def print_report(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        document = QTextDocument()
        document.setHtml(table_html(self.model.visible_table(), self.company.profile.name))
        document.print_(printer)
