"""The drill-down: trial balance -> an account's ledger -> one voucher (read-only).

Enter or a double-click goes one level down, Esc or Backspace one level up, as in Tally.
Every read runs on the runner's pool; tables are Qt models, the ledger fetched lazily.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ledger import queries
from app.ledger.model import AccountId, VoucherId, financial_year
from app.reports.registers import LedgerStatement, StatementRow, ledger_statement
from app.reports.trial_balance import TrialBalance, TrialBalanceRow, trial_balance
from app.storage.company import Company
from app.ui.batched import BatchedTableModel, ModelIndex
from app.ui.ops import JobContext, Runner
from app.ui.widgets import amount_text, dr_cr

log = logging.getLogger(__name__)

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
FETCH_BATCH = 500  # ledger rows handed to the view at a time
FIRST_PAGE = 100  # ledger rows read first, to paint while the rest loads


class TrialBalanceTableModel(QAbstractTableModel):
    COLUMNS = ("Account", "Group", "Debit", "Credit")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TrialBalanceRow] = []

    def set_report(self, report: TrialBalance) -> None:
        self.beginResetModel()
        self.rows = list(report.rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section >= 2:
                return _RIGHT
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.account, row.group, amount_text(row.debit), amount_text(row.credit))[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return _RIGHT
        if role == Qt.ItemDataRole.UserRole:
            return row.account_id
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        keys: tuple[Any, ...] = (
            lambda r: r.account.casefold(),
            lambda r: (r.group.casefold(), r.account.casefold()),
            lambda r: r.debit,
            lambda r: r.credit,
        )
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=keys[column], reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def row_at(self, row: int) -> TrialBalanceRow:
        return self.rows[row]


class LedgerTableModel(BatchedTableModel):
    """An account's postings; the view asks for more rows as it scrolls."""

    COLUMNS = ("Date", "Voucher", "Particulars", "Narration", "Debit", "Credit", "Balance")
    batch = FETCH_BATCH

    def __init__(self) -> None:
        super().__init__()
        self.all_rows: tuple[StatementRow, ...] = ()

    def available(self) -> int:
        return len(self.all_rows)

    def set_statement(self, statement: LedgerStatement) -> None:
        self.beginResetModel()
        self.all_rows = statement.rows
        self.shown = 0
        self.endResetModel()

    def extend(self, statement: LedgerStatement) -> None:
        """The whole ledger after its first rows: the rows shown are the same, so no reset."""
        self.all_rows = statement.rows
        if self.shown > len(self.all_rows):  # cannot happen with the same query; be safe
            self.set_statement(statement)
        elif self.shown < FETCH_BATCH:
            self.fetchMore(QModelIndex())

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section >= 4:
                return _RIGHT
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self.shown:
            return None
        row = self.all_rows[index.row()]
        posting = row.posting
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            amount = posting.amount
            return (
                f"{posting.posting_date:%d-%m-%Y}",
                posting.number_text,
                posting.other_accounts,
                posting.narration,
                amount_text(amount) if amount > 0 else "",
                amount_text(-amount) if amount < 0 else "",
                dr_cr(row.balance),
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 4:
            return _RIGHT
        if role == Qt.ItemDataRole.UserRole:
            return posting.voucher_id
        return None


class VoucherTableModel(QAbstractTableModel):
    COLUMNS = ("Account", "Debit", "Credit")

    def __init__(self) -> None:
        super().__init__()
        self.lines: tuple[queries.PostedLine, ...] = ()

    def set_voucher(self, voucher: queries.VoucherView) -> None:
        self.beginResetModel()
        self.lines = voucher.lines
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self.lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            amount = line.amount
            return (
                line.account,
                amount_text(amount) if amount > 0 else "",
                amount_text(-amount) if amount < 0 else "",
            )[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 1:
            return _RIGHT
        return None


class DrillTable(QTableView):
    """A read-only table where Enter opens the current row."""

    activated_row = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        self.doubleClicked.connect(lambda index: self.activated_row.emit(index.row()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            if index.isValid():
                self.activated_row.emit(index.row())
            return
        super().keyPressEvent(event)


def _heading(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


class TrialBalanceView(QWidget):
    open_account = Signal(object, str)  # AccountId, name

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.heading = _heading(f"<h2>Trial balance</h2>{company.profile.name}")
        self.as_of = QDateEdit()
        self.as_of.setObjectName("asOf")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("dd-MM-yyyy")
        self.as_of.setDate(QDate.currentDate())
        self.as_of.dateChanged.connect(self.refresh)
        self.model = TrialBalanceTableModel()
        self.table = DrillTable()
        self.table.setObjectName("trialBalance")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for column in (2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(column, 150)
        self.table.activated_row.connect(self._open_row)
        self.totals = QLabel()
        self.totals.setObjectName("totals")
        self.totals.setAlignment(_RIGHT)
        self.status = QLabel()
        refresh = QPushButton("&Refresh")
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        as_of_label = QLabel("&As of:")
        as_of_label.setBuddy(self.as_of)
        top.addWidget(as_of_label)
        top.addWidget(self.as_of)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.status)
        self.report: TrialBalance | None = None

    def as_of_date(self) -> date:
        value = self.as_of.date().toPython()
        assert isinstance(value, date)
        return value

    def refresh(self) -> None:
        company, as_of = self.company, self.as_of_date()
        self.status.setText("Loading…")

        def read(_ctx: JobContext) -> TrialBalance:
            return trial_balance(company, as_of)

        self.runner.read("Trial balance", read, on_done=self._loaded)

    def _loaded(self, report: TrialBalance) -> None:
        if report.as_of != self.as_of_date():
            return  # an older request came back after the date changed
        self.report = report
        current = self.table.currentIndex()
        self.model.set_report(report)
        self.totals.setText(
            f"<b>Total</b>    Debit {amount_text(report.total_debit) or '0.00'}"
            f"    Credit {amount_text(report.total_credit) or '0.00'}"
        )
        self.status.setText(
            "Enter opens an account's ledger." if report.rows else "Nothing posted yet."
        )
        if self.model.rowCount():
            row = min(max(current.row(), 0), self.model.rowCount() - 1)
            self.table.setCurrentIndex(self.model.index(row, 0))

    def _open_row(self, row: int) -> None:
        line = self.model.row_at(row)
        if line.account_id is None:
            self.status.setText(
                "The Profit & Loss A/c row is earlier years' result; it has no postings of its own."
            )
            return
        self.open_account.emit(line.account_id, line.account)


class LedgerView(QWidget):
    open_voucher = Signal(object)  # VoucherId
    back = Signal()

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.heading = _heading()
        self.opening = QLabel()
        self.closing = QLabel()
        self.closing.setAlignment(_RIGHT)
        self.model = LedgerTableModel()
        self.table = DrillTable()
        self.table.setObjectName("ledger")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 95)
        self.table.setColumnWidth(1, 130)
        for column in (4, 5, 6):
            self.table.setColumnWidth(column, 130)
        self.table.activated_row.connect(
            lambda row: self.open_voucher.emit(self.model.all_rows[row].posting.voucher_id)
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.opening)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.closing)
        self.statement: LedgerStatement | None = None
        self.complete = False
        self._request = 0

    def load(self, account_name: str, as_of: date) -> None:
        """The first screen of postings at once, the rest right after (two reads at once)."""
        company = self.company
        start = financial_year(as_of, company.profile.fy_start_month).start
        self.heading.setText(f"<h2>Ledger: {account_name}</h2>Loading…")
        self.model.set_statement(
            LedgerStatement(_no_account(account_name), start, as_of, Decimal(0), ())
        )
        self.complete = False
        self._request += 1
        request = self._request

        def first(_ctx: JobContext) -> LedgerStatement:
            return ledger_statement(company, account_name, start, as_of, FIRST_PAGE)

        def whole(_ctx: JobContext) -> LedgerStatement:
            return ledger_statement(company, account_name, start, as_of)

        self.runner.read(
            "Ledger", first, on_done=lambda part: self._loaded(request, part, complete=False)
        )
        self.runner.read(
            "Ledger", whole, on_done=lambda all_: self._loaded(request, all_, complete=True)
        )

    def _loaded(self, request: int, statement: LedgerStatement, *, complete: bool) -> None:
        if request != self._request or self.complete:
            return  # an older account, or the whole ledger came first
        self.complete = complete
        shown_before = self.model.rowCount()
        self.statement = statement
        self.heading.setText(
            f"<h2>Ledger: {statement.account.name}</h2>"
            f"{statement.start:%d-%m-%Y} to {statement.end:%d-%m-%Y} · {statement.account.group}"
            " · Enter opens a voucher, Esc goes back"
        )
        self.opening.setText(f"Opening balance: {dr_cr(statement.opening)}")
        if complete:
            self.closing.setText(
                f"<b>Closing balance: {dr_cr(statement.closing)}</b>    "
                f"({len(statement.rows)} postings)"
            )
        else:
            self.closing.setText("Loading the rest…")
        if complete and shown_before:
            self.model.extend(statement)  # the rows on screen stay put; more come on scrolling
            return
        self.model.set_statement(statement)
        if self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus()


def _no_account(name: str) -> queries.Account:
    """A stand-in while the real account loads."""
    from app.ledger.model import Nature

    return queries.Account(AccountId(0), name, 0, "", "", Nature.ASSET, False, None, True)


class VoucherViewer(QWidget):
    """A posted voucher, read-only: posted vouchers are never edited (DESIGN.md §4)."""

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.heading = _heading()
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.model = VoucherTableModel()
        self.table = DrillTable()
        self.table.setObjectName("voucherLines")
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            self.table.setColumnWidth(column, 150)
        note = QLabel(
            "Posted vouchers cannot be changed. To correct one, reverse it and post a new one."
        )
        note.setStyleSheet("color: palette(mid);")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.details)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        self.voucher: queries.VoucherView | None = None

    def load(self, voucher_id: VoucherId) -> None:
        company = self.company
        self.heading.setText("<h2>Voucher</h2>Loading…")

        def read(_ctx: JobContext) -> queries.VoucherView:
            with company.reader() as conn:
                return queries.voucher(conn, voucher_id)

        self.runner.read("Voucher", read, on_done=self._loaded)

    def _loaded(self, voucher: queries.VoucherView) -> None:
        self.voucher = voucher
        self.heading.setText(f"<h2>{voucher.voucher_type.value} voucher {voucher.number_text}</h2>")
        details = f"Date {voucher.posting_date:%d-%m-%Y} · Total {amount_text(voucher.total)}"
        if voucher.reference:
            details += f" · Reference {voucher.reference}"
        if voucher.narration:
            details += f"<br>Narration: {voucher.narration}"
        self.details.setText(details)
        self.model.set_voucher(voucher)
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus()


class ReportsPage(QWidget):
    """Trial balance with drill-down; Esc or Backspace goes back one level."""

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trial_balance = TrialBalanceView(company, runner)
        self.ledger = LedgerView(company, runner)
        self.voucher = VoucherViewer(company, runner)
        self.stack = QStackedWidget()
        for view in (self.trial_balance, self.ledger, self.voucher):
            self.stack.addWidget(view)
        self.back_button = QPushButton("← Back (Esc)")
        self.back_button.clicked.connect(self.go_back)
        self.back_button.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.stack, 1)
        self.trial_balance.open_account.connect(self.open_ledger)
        self.ledger.open_voucher.connect(self.open_voucher)
        self._loaded_once = False

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.trial_balance.refresh()

    def refresh(self) -> None:
        """Something was posted: the numbers shown may have changed."""
        self._loaded_once = True
        self.trial_balance.refresh()
        if self.stack.currentWidget() is self.ledger and self.ledger.statement is not None:
            self.ledger.load(self.ledger.statement.account.name, self.trial_balance.as_of_date())

    def open_ledger(self, _account_id: AccountId, name: str) -> None:
        self.ledger.load(name, self.trial_balance.as_of_date())
        self._show(self.ledger)

    def open_voucher(self, voucher_id: VoucherId) -> None:
        self.voucher.load(voucher_id)
        self._show(self.voucher)

    def go_back(self) -> None:
        current = self.stack.currentWidget()
        if current is self.voucher:
            self._show(self.ledger)
            self.ledger.table.setFocus()
        elif current is self.ledger:
            self._show(self.trial_balance)
            self.trial_balance.table.setFocus()

    @property
    def level(self) -> str:
        current = self.stack.currentWidget()
        if current is self.voucher:
            return "voucher"
        return "ledger" if current is self.ledger else "trial balance"

    def _show(self, view: QWidget) -> None:
        self.stack.setCurrentWidget(view)
        self.back_button.setVisible(view is not self.trial_balance)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace) and self.level != (
            "trial balance"
        ):
            self.go_back()
            return
        super().keyPressEvent(event)


__all__ = [
    "LedgerTableModel",
    "ReportsPage",
    "TrialBalanceTableModel",
    "VoucherViewer",
]
