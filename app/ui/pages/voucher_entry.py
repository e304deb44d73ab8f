"""Voucher entry for Journal, Payment, Receipt and Contra, keyboard first (Tally's F4-F7).

Type an account (the list narrows as you type), Tab to Debit or Credit, Tab on; a new line
opens by itself and the balancing amount is filled in. Ctrl+S posts on the writer thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QObject,
    QRegularExpression,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationError
from app.ledger import queries
from app.ledger.model import AccountId, Line, Voucher, VoucherType
from app.ledger.service import PostedVoucher, post_voucher
from app.money import ZERO, D
from app.storage.company import Company
from app.ui.batched import ModelIndex
from app.ui.ops import JobContext, Runner, error_text, show_error
from app.ui.widgets import DateField, amount_text

log = logging.getLogger(__name__)

ENTRY_TYPES = (VoucherType.CONTRA, VoucherType.PAYMENT, VoucherType.RECEIPT, VoucherType.JOURNAL)
ACCOUNT, DEBIT, CREDIT = 0, 1, 2


@dataclass(frozen=True)
class AccountChoice:
    id: AccountId
    name: str
    group: str


class _CellDelegate(QStyledItemDelegate):
    """Enter moves on like Tab (as in Tally); on an empty line it leaves for the narration."""

    def __init__(self, page: VoucherEntryPage) -> None:
        super().__init__(page)
        self.page = page
        self.editor: QLineEdit | None = None
        self.row = -1

    def _track(self, editor: QLineEdit, index: ModelIndex) -> QLineEdit:
        self.editor = editor
        self.row = index.row()
        editor.destroyed.connect(self._forget)
        return editor

    def _forget(self, _obj: QObject | None = None) -> None:
        self.editor = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, QLineEdit)
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            if not watched.text().strip() and self.page.leave_lines_from(self.row, self):
                return True
            self.commitData.emit(watched)
            self.closeEditor.emit(watched, QStyledItemDelegate.EndEditHint.EditNextItem)
            return True
        return super().eventFilter(watched, event)


class AccountDelegate(_CellDelegate):
    """An account cell: a line edit whose list narrows to matching account names."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex
    ) -> QWidget:
        editor = QLineEdit(parent)
        completer = QCompleter([a.name for a in self.page.accounts], editor)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setMaxVisibleItems(12)
        editor.setCompleter(completer)
        return self._track(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        text = editor.text().strip()
        found = self.page.find_account(text)
        model.setData(index, found.name if found else text)


class AmountDelegate(_CellDelegate):
    """An amount cell: digits and at most two decimals."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        editor.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"^[0-9,]{0,15}(\.[0-9]{0,2})?$"))
        )
        return self._track(editor, index)

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        editor.setText(str(index.data() or "").replace(",", ""))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        amount = parse_amount(editor.text())
        model.setData(index, amount_text(amount) if amount else "")


def parse_amount(text: str) -> Decimal | None:
    cleaned = text.replace(",", "").strip()
    if not cleaned:
        return None
    try:
        return D(cleaned)
    except (InvalidOperation, ValueError):
        return None


class VoucherEntryPage(QWidget):
    """One voucher at a time; ``posted`` carries the PostedVoucher for pages to refresh."""

    posted = Signal(object)

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.accounts: list[AccountChoice] = []
        self._by_name: dict[str, AccountChoice] = {}
        self._updating = False
        self._posting = False

        self.heading = QLabel()
        self.type_box = QComboBox()
        self.type_box.setObjectName("voucherType")
        for kind in ENTRY_TYPES:
            self.type_box.addItem(kind.value)
        self.type_box.setCurrentIndex(ENTRY_TYPES.index(VoucherType.JOURNAL))
        self.type_box.currentIndexChanged.connect(self._type_changed)
        self.date_field = DateField(date.today())
        self.date_field.setObjectName("postingDate")

        self.table = self._build_table()

        self.difference = QLabel()
        self.difference.setObjectName("difference")
        self.narration = QLineEdit()
        self.narration.setObjectName("narration")
        self.narration.setPlaceholderText("Narration: what this voucher is for")
        self.narration.setMaxLength(500)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.post_button = QPushButton("&Post (Ctrl+S)")
        self.post_button.clicked.connect(self.post)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)

        self._lay_out()
        save = QShortcut(QKeySequence("Ctrl+S"), self, self.post)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self._reset_lines()
        self._type_changed()
        self.load_accounts()

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, 3)
        table.setObjectName("lines")
        table.setHorizontalHeaderLabels(["Account", "Debit", "Credit"])
        header = table.horizontalHeader()
        header.setSectionResizeMode(ACCOUNT, QHeaderView.ResizeMode.Stretch)
        for column in (DEBIT, CREDIT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            table.setColumnWidth(column, 150)
        table.verticalHeader().setVisible(False)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        table.setTabKeyNavigation(True)
        self.account_delegate = AccountDelegate(self)
        self.amount_delegate = AmountDelegate(self)
        table.setItemDelegateForColumn(ACCOUNT, self.account_delegate)
        table.setItemDelegateForColumn(DEBIT, self.amount_delegate)
        table.setItemDelegateForColumn(CREDIT, self.amount_delegate)
        table.itemChanged.connect(self._item_changed)
        return table

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        type_label = QLabel("&Type:")
        type_label.setBuddy(self.type_box)
        top.addWidget(type_label)
        top.addWidget(self.type_box)
        date_label = QLabel("&Date:")
        date_label.setBuddy(self.date_field)
        top.addWidget(date_label)
        top.addWidget(self.date_field)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.clear_button)
        bottom.addWidget(self.post_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.difference)
        layout.addWidget(self.narration)
        keys = QLabel(
            "Tab or Enter moves on · Enter on an empty line goes to the narration · "
            "Ctrl+S posts · F4 Contra, F5 Payment, F6 Receipt, F7 Journal"
        )
        keys.setStyleSheet("color: #6b7280;")
        layout.addWidget(keys)
        layout.addLayout(bottom)
        self.setTabOrder(self.date_field, self.table)
        self.setTabOrder(self.table, self.narration)
        self.setTabOrder(self.narration, self.post_button)

    # -- accounts ---------------------------------------------------------------------------
    def load_accounts(self) -> None:
        company = self.company

        def read(_ctx: JobContext) -> list[AccountChoice]:
            with company.reader() as conn:
                return [
                    AccountChoice(a.id, a.name, a.group) for a in queries.chart(conn) if a.active
                ]

        self.runner.read("Load accounts", read, on_done=self._accounts_loaded)

    def _accounts_loaded(self, accounts: list[AccountChoice]) -> None:
        self.accounts = accounts
        self._by_name = {a.name.casefold(): a for a in accounts}

    def find_account(self, text: str) -> AccountChoice | None:
        """The account named exactly, else the only one whose name starts with or holds it."""
        wanted = " ".join(text.split()).casefold()
        if not wanted:
            return None
        exact = self._by_name.get(wanted)
        if exact is not None:
            return exact
        for test in (str.startswith, str.__contains__):
            found = [a for key, a in self._by_name.items() if test(key, wanted)]
            if len(found) == 1:
                return found[0]
        return None

    # -- the form ---------------------------------------------------------------------------
    @property
    def voucher_type(self) -> VoucherType:
        return ENTRY_TYPES[max(0, self.type_box.currentIndex())]

    def start(self, kind: VoucherType) -> None:
        """Open for a new voucher of this type (keeps lines already typed)."""
        self.type_box.setCurrentIndex(ENTRY_TYPES.index(kind))
        self.date_field.setFocus()
        self.date_field.selectAll()

    def _type_changed(self) -> None:
        kind = self.voucher_type
        self.heading.setText(f"<h2>{kind.value} voucher</h2>")

    def _reset_lines(self) -> None:
        self._updating = True
        self.table.setRowCount(0)
        for _ in range(2):
            self._append_row()
        self._updating = False
        self._update_difference()

    def _append_row(self) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column in (ACCOUNT, DEBIT, CREDIT):
            item = QTableWidgetItem("")
            if column != ACCOUNT:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def _set_text(self, row: int, column: int, text: str) -> None:
        item = self.table.item(row, column)
        if item is not None:
            item.setText(text)

    def leave_lines_from(self, row: int, delegate: QStyledItemDelegate) -> bool:
        """Enter or Tab on an empty account line ends the lines: on to the narration."""
        if delegate is not self.account_delegate or self._row_used(row) or row < 2:
            return False
        editor = self.account_delegate.editor
        if editor is not None:
            self.account_delegate.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)
        self.narration.setFocus()
        return True

    def _row_used(self, row: int) -> bool:
        return any(self._text(row, column) for column in (ACCOUNT, DEBIT, CREDIT))

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            row, column = item.row(), item.column()
            if column in (DEBIT, CREDIT) and item.text():
                self._set_text(row, CREDIT if column == DEBIT else DEBIT, "")  # one side a line
            if column == ACCOUNT and item.text() and not self._amount(row):
                difference = self.totals()[2]
                if difference:  # fill the balancing amount on the short side, as Tally does
                    self._set_text(
                        row, CREDIT if difference > 0 else DEBIT, amount_text(abs(difference))
                    )
            if self._row_used(self.table.rowCount() - 1):
                self._append_row()
        finally:
            self._updating = False
        self.message.clear()
        self._update_difference()

    def _amount(self, row: int) -> Decimal:
        debit = parse_amount(self._text(row, DEBIT)) or ZERO
        credit = parse_amount(self._text(row, CREDIT)) or ZERO
        return debit - credit

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """(debits, credits, debits minus credits) of the lines typed so far."""
        debit = sum(
            (parse_amount(self._text(r, DEBIT)) or ZERO for r in range(self.table.rowCount())),
            ZERO,
        )
        credit = sum(
            (parse_amount(self._text(r, CREDIT)) or ZERO for r in range(self.table.rowCount())),
            ZERO,
        )
        return debit, credit, debit - credit

    def _update_difference(self) -> None:
        debit, credit, difference = self.totals()
        text = f"Debit {amount_text(debit) or '0.00'}    Credit {amount_text(credit) or '0.00'}"
        if difference:
            side = "debit" if difference > 0 else "credit"
            text += f"    Difference {amount_text(abs(difference))} (more on the {side} side)"
            self.difference.setStyleSheet("color: #b3261e;")
        else:
            self.difference.setStyleSheet("")
        self.difference.setText(text)

    def has_unsaved(self) -> bool:
        return self._posting or bool(
            self.narration.text().strip()
            or any(self._row_used(r) for r in range(self.table.rowCount()))
        )

    def clear(self) -> None:
        self._close_editor()
        self._reset_lines()
        self.narration.clear()
        self.message.clear()

    # -- posting ----------------------------------------------------------------------------
    def _close_editor(self) -> None:
        """Keep what is typed in an open cell: commit it, then close the editor."""
        for delegate in (self.account_delegate, self.amount_delegate):
            editor = delegate.editor
            if editor is not None:
                delegate.commitData.emit(editor)
                delegate.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)

    def build_voucher(self) -> Voucher:
        """The voucher on screen; raises ValidationError naming the line to fix."""
        posting_date = self.date_field.value()
        if posting_date is None:
            raise ValidationError("Type the date as dd-mm-yyyy, for example 05-04-2025.")
        lines = []
        for row in range(self.table.rowCount()):
            if not self._row_used(row):
                continue
            name = self._text(row, ACCOUNT)
            account = self.find_account(name)
            if account is None:
                raise ValidationError(
                    f"Line {row + 1}: there is no account named {name!r}. "
                    "Pick one from the list as you type."
                    if name
                    else f"Line {row + 1} has an amount but no account. Type the account."
                )
            amount = self._amount(row)
            if amount == 0:
                raise ValidationError(f"Line {row + 1} ({account.name}) needs an amount.")
            lines.append(Line(account.id, amount))
        return Voucher(self.voucher_type, posting_date, tuple(lines), self.narration.text().strip())

    def post(self) -> None:
        if self._posting:
            return
        self._close_editor()
        try:
            voucher = self.build_voucher()
        except ValidationError as exc:
            self._show_error(str(exc))
            return
        company = self.company

        def write(_ctx: JobContext) -> PostedVoucher:
            return post_voucher(company, voucher)

        self._posting = True
        self.post_button.setEnabled(False)
        self.message.setText("Posting…")
        self.runner.write("Post voucher", write, on_done=self._posted, on_error=self._failed)

    def _posted(self, posted: PostedVoucher) -> None:
        self._posting = False
        self.post_button.setEnabled(True)
        self.clear()
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(
            f"Posted {posted.voucher_type.value.lower()} voucher {posted.number_text} "
            f"dated {posted.posting_date:%d-%m-%Y}."
        )
        self.table.setCurrentCell(0, ACCOUNT)
        self.table.setFocus()
        log.info("posted voucher %s", posted.number_text)
        self.posted.emit(posted)

    def _failed(self, exc: BaseException) -> None:
        self._posting = False
        self.post_button.setEnabled(True)
        text = error_text(exc)
        if text is None:
            self.message.clear()
            show_error(self, exc)
        else:
            self._show_error(text)

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet("color: #b3261e;")
        self.message.setText(text)
