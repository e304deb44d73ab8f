"""The counter's dialogs: payment, held bills, returns against a bill, shift open and close.

Each opens with ``open()`` (modal to the window, never blocking the event loop) and reports
by signal; whatever writes goes to the runner's writer lane.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing import counter
from app.billing.cart import CartCustomer, note_totals, return_cart
from app.billing.model import DocumentDraft, PaymentMode, PostedDocument, Tender
from app.billing.service import Posted, post_document, settle_tenders
from app.errors import AppError, ValidationError
from app.gst import Rounding
from app.money import ZERO, D, format_inr
from app.storage.company import Company
from app.ui.ops import JobContext, Runner, show_error


def local_time(stamp: str) -> str:
    """An ISO time kept in UTC, as the clock on the wall shows it."""
    try:
        return f"{datetime.fromisoformat(stamp).astimezone():%d-%m-%Y %H:%M}"
    except ValueError:
        return stamp


def amount_field(name: str, text: str = "") -> QLineEdit:
    field = QLineEdit(text)
    field.setObjectName(name)
    field.setAlignment(Qt.AlignmentFlag.AlignRight)
    field.setMaxLength(14)
    return field


def read_amount(field: QLineEdit, what: str) -> Decimal:
    text = field.text().replace(",", "").strip()
    if not text:
        return ZERO
    try:
        value = D(text)
    except ValueError:
        raise ValidationError(f"The {what} {text!r} is not an amount.") from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"The {what} must be rupees and paise, not negative.")
    return value


def big_label(text: str, name: str, size: int = 26) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    font = QFont()
    font.setPointSize(size)
    font.setBold(True)
    label.setFont(font)
    return label


class PaymentDialog(QDialog):
    """Cash, UPI and card in any split; change is worked out from the cash."""

    paid = Signal(object)  # tuple[Tender, ...]

    def __init__(
        self, total: Decimal, on_account: bool, customer: CartCustomer, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("paymentDialog")
        self.setWindowTitle("Take payment")
        self.total = total
        self.on_account = on_account
        self.total_label = big_label(format_inr(total, symbol=True), "payTotal", 30)
        self.cash = amount_field("payCash", f"{total:.2f}")
        self.upi = amount_field("payUpi")
        self.upi_ref = QLineEdit()
        self.upi_ref.setObjectName("payUpiRef")
        self.upi_ref.setPlaceholderText("UPI transaction id (optional)")
        self.card = amount_field("payCard")
        self.card_ref = QLineEdit()
        self.card_ref.setObjectName("payCardRef")
        self.card_ref.setPlaceholderText("card slip number (optional)")
        self.change_label = big_label("", "payChange", 20)
        self.message = QLabel()
        self.message.setObjectName("payMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b91c1c;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Save bill (Enter)")
        ok.setDefault(True)
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Total", self.total_label)
        for label, field in (
            ("&Cash", self.cash),
            ("&UPI", self.upi),
            ("UPI &ref", self.upi_ref),
            ("C&ard", self.card),
            ("Card r&ef", self.card_ref),
        ):
            form.addRow(label, field)
        layout = QVBoxLayout(self)
        who = customer.label if customer.party_id is not None else "Walk-in"
        layout.addWidget(QLabel(f"Customer: {who}"))
        layout.addLayout(form)
        layout.addWidget(self.change_label)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for field in (self.cash, self.upi, self.card):
            field.textChanged.connect(self.update_change)
        self.update_change()
        self.cash.setFocus()
        self.cash.selectAll()

    def tenders(self) -> tuple[Tender, ...]:
        found = []
        for mode, field, ref in (
            (PaymentMode.CASH, self.cash, None),
            (PaymentMode.UPI, self.upi, self.upi_ref),
            (PaymentMode.CARD, self.card, self.card_ref),
        ):
            amount = read_amount(field, f"{mode.value} amount")
            if amount:
                found.append(Tender(mode, amount, ref.text().strip() if ref else ""))
        return tuple(found)

    def update_change(self) -> None:
        try:
            paid = sum((t.amount for t in self.tenders()), ZERO)
        except ValidationError:
            self.change_label.setText("")
            return
        if paid >= self.total:
            self.change_label.setText(f"Change due {format_inr(paid - self.total, symbol=True)}")
        else:
            rest = format_inr(self.total - paid, symbol=True)
            self.change_label.setText(
                f"{rest} on account" if self.on_account else f"{rest} still due"
            )

    def confirm(self) -> None:
        try:
            tenders = self.tenders()
            settle_tenders(self.total, tenders)  # only cash can be given back as change
            paid = sum((t.amount for t in tenders), ZERO)
            if paid < self.total and not self.on_account:
                raise ValidationError(
                    f"{format_inr(self.total - paid)} is still due. Take the full amount, or "
                    "choose the customer (F3) to put the rest on their account."
                )
        except AppError as error:
            self.message.setText(str(error))
            return
        self.accept()
        self.paid.emit(tenders)


class HeldBillsDialog(QDialog):
    chosen = Signal(int)

    def __init__(self, bills: list[counter.HeldBill], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("heldBillsDialog")
        self.setWindowTitle("Bills on hold")
        self.list = QListWidget()
        self.list.setObjectName("heldList")
        for bill in bills:
            entry = QListWidgetItem(
                f"{bill.label}    {format_inr(bill.shelf_total, symbol=True)}    "
                f"held {local_time(bill.held_at)} by {bill.held_by}"
            )
            entry.setData(Qt.ItemDataRole.UserRole, bill.id)
            self.list.addItem(entry)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.choose())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Enter brings the chosen bill back; Esc closes."))
        layout.addWidget(self.list)
        self.resize(520, 300)
        self.list.setFocus()

    def choose(self) -> None:
        entry = self.list.currentItem()
        if entry is None:
            return
        self.accept()
        self.chosen.emit(int(entry.data(Qt.ItemDataRole.UserRole)))


RETURN_COLUMNS = ("Item", "Sold", "Returned before", "Return now", "Price")
RETURN_NOW = 3


class ReturnDialog(QDialog):
    """Goods back against a bill found by its number: a credit note, and the refund."""

    returned = Signal(object)  # Posted

    def __init__(
        self, company: Company, runner: Runner, rounding: Rounding, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("returnDialog")
        self.setWindowTitle("Return against a bill")
        self.company = company
        self.runner = runner
        self.rounding = rounding
        self.original: PostedDocument | None = None
        self.earlier: dict[int, Decimal] = {}
        self.number = QLineEdit()
        self.number.setObjectName("returnNumber")
        self.number.setPlaceholderText("Bill number, then Enter")
        self.number.returnPressed.connect(self.look_up)
        self.found = QLabel()
        self.found.setObjectName("returnFound")
        self.table = QTableWidget(0, len(RETURN_COLUMNS))
        self.table.setObjectName("returnLines")
        self.table.setHorizontalHeaderLabels(list(RETURN_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.itemChanged.connect(lambda _item: self.update_refund())
        self.mode = QComboBox()
        self.mode.setObjectName("returnMode")
        self.reason = QLineEdit("Goods returned")
        self.reason.setObjectName("returnReason")
        self.refund = big_label("", "returnRefund", 18)
        self.message = QLabel()
        self.message.setObjectName("returnMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b91c1c;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Save credit note (Ctrl+Enter)")
        self.ok.setEnabled(False)
        self.ok.setAutoDefault(False)
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Bill number", self.number)
        form.addRow("", self.found)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table)
        bottom = QFormLayout()
        bottom.addRow("Refund &by", self.mode)
        bottom.addRow("&Reason", self.reason)
        layout.addLayout(bottom)
        layout.addWidget(self.refund)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(640, 420)
        self.number.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Ctrl+Enter saves; a plain Enter belongs to the number field and the table.
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.confirm()
            return
        super().keyPressEvent(event)

    def look_up(self) -> None:
        company, number = self.company, self.number.text()

        def read(_ctx: JobContext) -> tuple[PostedDocument, dict[int, Decimal]]:
            with company.reader() as conn:
                original = counter.original_for_return(conn, number)
                return original, counter.returned_quantities(conn, original)

        self.runner.read("Find the bill", read, on_done=self.show_original, on_error=self._problem)

    def _problem(self, error: BaseException) -> None:
        if isinstance(error, AppError):
            self.message.setText(str(error))
        else:
            show_error(self, error)

    def show_original(self, found: tuple[PostedDocument, dict[int, Decimal]]) -> None:
        original, earlier = found
        self.original, self.earlier = original, earlier
        self.message.clear()
        self.found.setText(
            f"{original.kind.label} {original.number} of {original.doc_date:%d-%m-%Y}, "
            f"{original.counterparty.name}, {format_inr(original.grand_total, symbol=True)}"
        )
        self.table.blockSignals(True)
        self.table.setRowCount(len(original.lines))
        for row, line in enumerate(original.lines):
            cells = (
                line.description,
                _qty(line.qty),
                _qty(earlier.get(line.line_no, ZERO)),
                "0",
                format_inr(line.unit_price),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column != RETURN_NOW:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.mode.clear()
        for mode in (PaymentMode.CASH, PaymentMode.UPI, PaymentMode.CARD):
            self.mode.addItem(f"{mode.value.upper() if mode is not PaymentMode.CASH else 'Cash'}")
        if original.party_id is not None:
            self.mode.addItem("On account")
        self.ok.setEnabled(True)
        self.table.setFocus()
        self.table.setCurrentCell(0, RETURN_NOW)
        self.update_refund()

    def quantities(self) -> dict[int, Decimal]:
        assert self.original is not None
        found = {}
        for row, line in enumerate(self.original.lines):
            item = self.table.item(row, RETURN_NOW)
            text = item.text().strip() if item else ""
            try:
                qty = D(text or "0")
            except ValueError:
                raise ValidationError(f"Line {row + 1}: {text!r} is not a quantity.") from None
            if qty:
                found[line.line_no] = qty
        return found

    def _draft_and_refund(self) -> tuple[DocumentDraft, Decimal]:
        assert self.original is not None
        draft = return_cart(
            self.original,
            self.quantities(),
            date.today(),
            already_returned=self.earlier,
            reason=self.reason.text(),
        )
        total = note_totals(self.original, draft, self.rounding).grand_total
        return draft, total

    def update_refund(self) -> None:
        if self.original is None:
            return
        try:
            _draft, total = self._draft_and_refund()
        except AppError as error:
            self.refund.setText("")
            self.message.setText(str(error))
            return
        self.message.clear()
        self.refund.setText(f"Refund {format_inr(total, symbol=True)}")

    def confirm(self) -> None:
        if self.original is None:
            return
        try:
            draft, total = self._draft_and_refund()
        except AppError as error:
            self.message.setText(str(error))
            return
        modes = (PaymentMode.CASH, PaymentMode.UPI, PaymentMode.CARD)
        index = self.mode.currentIndex()
        tenders = (Tender(modes[index], total),) if index < len(modes) else ()
        draft = replace(draft, tenders=tenders)
        company = self.company
        self.ok.setEnabled(False)

        def write(_ctx: JobContext) -> Posted:
            return post_document(company, draft)

        self.runner.write(
            "Save the credit note", write, on_done=self._posted, on_error=self._not_posted
        )

    def _not_posted(self, error: BaseException) -> None:
        self.ok.setEnabled(True)
        self._problem(error)

    def _posted(self, posted: Posted) -> None:
        self.accept()
        self.returned.emit(posted)


def _qty(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class ShiftDialog(QDialog):
    """Open a shift with the cash in the drawer, or close it with the cash counted."""

    changed = Signal(object)  # the open Shift, or None once closed

    def __init__(
        self, company: Company, runner: Runner, shift: counter.Shift | None, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shiftDialog")
        self.company = company
        self.runner = runner
        self.shift = shift
        self.summary: counter.ShiftReport | None = None
        self.report: counter.ShiftReport | None = None
        self.cash = amount_field("shiftCash")
        self.note = QLineEdit()
        self.note.setObjectName("shiftNote")
        self.note.setPlaceholderText("Why the drawer differs (needed when it does)")
        self.explained = QLabel()
        self.explained.setObjectName("shiftExplained")
        self.explained.setStyleSheet("font-family: monospace; font-size: 14px;")
        self.difference = big_label("", "shiftDifference", 16)
        self.message = QLabel()
        self.message.setObjectName("shiftMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b91c1c;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        layout = QVBoxLayout(self)
        if shift is None:
            self.setWindowTitle("Open a shift")
            self.ok.setText("Open shift")
            form.addRow("&Cash in the drawer", self.cash)
            layout.addLayout(form)
        else:
            self.setWindowTitle("Close the shift")
            self.ok.setText("Close shift")
            layout.addWidget(QLabel(f"Opened {local_time(shift.opened_at)} by {shift.opened_by}"))
            layout.addWidget(self.explained)
            form.addRow("&Cash counted", self.cash)
            form.addRow("&Note", self.note)
            layout.addLayout(form)
            layout.addWidget(self.difference)
            self.cash.textChanged.connect(self.update_difference)
            self.load_summary()
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.cash.setFocus()

    def load_summary(self) -> None:
        company, shift = self.company, self.shift
        assert shift is not None

        def read(_ctx: JobContext) -> counter.ShiftReport:
            with company.reader() as conn:
                return counter.shift_summary(conn, shift)

        self.runner.read("Shift so far", read, on_done=self._summary_loaded)

    def _summary_loaded(self, summary: counter.ShiftReport) -> None:
        self.summary = summary
        self.explained.setText(
            summary.explained()
            + f"\nBills {summary.bills} · UPI {summary.upi:.2f} · card {summary.card:.2f}"
        )
        self.update_difference()

    def update_difference(self) -> None:
        if self.summary is None:
            return
        try:
            counted = read_amount(self.cash, "counted cash")
        except ValidationError:
            self.difference.setText("")
            return
        gap = counted - self.summary.expected
        if not self.cash.text().strip():
            self.difference.setText(f"Expected {format_inr(self.summary.expected)}")
        elif gap == 0:
            self.difference.setText("The drawer agrees.")
        else:
            word = "Short" if gap < 0 else "Over"
            self.difference.setText(f"{word} by {format_inr(abs(gap))}: say why in the note")

    def confirm(self) -> None:
        if self.report is not None:
            self.accept()
            return
        try:
            cash = read_amount(self.cash, "cash")
        except ValidationError as error:
            self.message.setText(str(error))
            return
        company, note = self.company, self.note.text()
        self.ok.setEnabled(False)
        if self.shift is None:

            def open_it(_ctx: JobContext) -> counter.Shift:
                return counter.open_shift(company, cash)

            self.runner.write("Open the shift", open_it, on_done=self._opened, on_error=self._no)
        else:

            def close_it(_ctx: JobContext) -> counter.ShiftReport:
                return counter.close_shift(company, cash, note)

            self.runner.write("Close the shift", close_it, on_done=self._closed, on_error=self._no)

    def _no(self, error: BaseException) -> None:
        self.ok.setEnabled(True)
        if isinstance(error, AppError):
            self.message.setText(str(error))
        else:
            show_error(self, error)

    def _opened(self, shift: counter.Shift) -> None:
        self.changed.emit(shift)
        self.accept()

    def _closed(self, report: counter.ShiftReport) -> None:
        self.report = report
        self.message.clear()
        self.explained.setText(report.explained())
        self.difference.setText("Shift closed.")
        self.cash.setEnabled(False)
        self.note.setEnabled(False)
        self.ok.setText("Done")
        self.ok.setEnabled(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()
        self.changed.emit(None)
