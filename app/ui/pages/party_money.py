"""Money received from a customer or paid to a supplier, allocated against open bills.

Typing the amount fills the allocations oldest bill first (the usual way); any line can be
changed by hand. What is not allocated stays on the party's account as an advance.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing.model import DocumentId, PartyId, PartyKind, PaymentMode, Tender
from app.billing.queries import OpenDocument, PartyView
from app.billing.service import record_settlement
from app.errors import AppError, ValidationError
from app.money import ZERO, D, format_inr
from app.storage.company import Company
from app.ui.ops import JobContext, Runner, show_error
from app.ui.widgets import DateField

ALLOCATE = 4
MODES = (PaymentMode.CASH, PaymentMode.UPI, PaymentMode.CARD, PaymentMode.BANK)


def allocate_oldest_first(amount: Decimal, docs: list[OpenDocument]) -> list[Decimal]:
    left, shares = amount, []
    for doc in docs:
        share = min(left, doc.outstanding) if left > 0 else ZERO
        shares.append(share)
        left -= share
    return shares


class SettlementDialog(QDialog):
    recorded = Signal(int)

    def __init__(
        self,
        company: Company,
        runner: Runner,
        party: PartyView,
        docs: list[OpenDocument],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settlementDialog")
        receiving = party.kind is not PartyKind.SUPPLIER
        self.setWindowTitle(f"{'Receive from' if receiving else 'Pay to'} {party.name}")
        self.company, self.runner, self.party, self.docs = company, runner, party, docs
        self.amount = QLineEdit()
        self.amount.setObjectName("settleAmount")
        self.mode = QComboBox()
        self.mode.setObjectName("settleMode")
        for mode in MODES:
            self.mode.addItem(mode.value.upper() if mode is not PaymentMode.CASH else "Cash")
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("cheque, UTR or slip number")
        self.on = DateField(date.today())
        self.table = QTableWidget(len(docs), 5)
        self.table.setObjectName("settleTable")
        self.table.setHorizontalHeaderLabels(["Bill", "Date", "Due", "Outstanding", "Allocate"])
        for row, doc in enumerate(docs):
            cells = (
                doc.number,
                f"{doc.doc_date:%d-%m-%Y}",
                f"{doc.due_date:%d-%m-%Y}",
                format_inr(doc.outstanding),
                "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column != ALLOCATE:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        self.message = QLabel()
        self.message.setObjectName("settleMessage")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Amount", self.amount)
        form.addRow("&Mode", self.mode)
        form.addRow("&Reference", self.reference)
        form.addRow("&Date", self.on)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Allocated against open bills (oldest first; change any line):"))
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.amount.textEdited.connect(self.fill_oldest_first)
        self.resize(620, 420)
        self.amount.setFocus()

    def _amount(self) -> Decimal:
        text = self.amount.text().replace(",", "").strip()
        try:
            return D(text) if text else ZERO
        except ValueError:
            raise ValidationError(f"{text!r} is not an amount.") from None

    def fill_oldest_first(self) -> None:
        try:
            amount = self._amount()
        except ValidationError:
            return
        for row, share in enumerate(allocate_oldest_first(amount, self.docs)):
            self.table.setItem(row, ALLOCATE, QTableWidgetItem(f"{share:.2f}" if share else ""))
        rest = amount - sum((d.outstanding for d in self.docs), ZERO)
        self.message.setText(
            f"{format_inr(rest)} stays on account as an advance." if rest > 0 else ""
        )

    def allocations(self) -> list[tuple[DocumentId, Decimal]]:
        found = []
        for row, doc in enumerate(self.docs):
            cell = self.table.item(row, ALLOCATE)
            text = cell.text().replace(",", "").strip() if cell else ""
            if not text:
                continue
            try:
                share = D(text)
            except ValueError:
                raise ValidationError(f"{doc.number}: {text!r} is not an amount.") from None
            if share:
                found.append((doc.id, share))
        return found

    def save(self) -> None:
        on = self.on.value()
        try:
            if on is None:
                raise ValidationError("Type the date as dd-mm-yyyy.")
            tender = Tender(
                MODES[self.mode.currentIndex()], self._amount(), self.reference.text().strip()
            )
            against = self.allocations()
        except AppError as error:
            self.message.setText(str(error))
            return
        company, party_id = self.company, PartyId(self.party.id)
        self.save_button.setEnabled(False)

        def write(_ctx: JobContext) -> int:
            return record_settlement(company, party_id, on, tender, against)

        self.runner.write("Record the money", write, on_done=self._done, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, AppError):
            self.message.setText(str(error))
        else:
            show_error(self, error)

    def _done(self, settlement_id: int) -> None:
        self.accept()
        self.recorded.emit(settlement_id)
