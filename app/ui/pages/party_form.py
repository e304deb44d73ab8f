"""Add or change a customer or supplier. The GSTIN is checked as it is typed, and the fault
is named (wrong length, wrong check character, unknown state); nothing is saved while any
detail is wrong."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.billing.model import Address, PartyDraft, PartyId, PartyKind
from app.billing.parties import add_party, party_problems, update_party
from app.billing.queries import PartyView
from app.errors import AppError, ValidationError
from app.gst import all_states, check_gstin
from app.money import ZERO, D
from app.storage.company import Company
from app.ui.ops import JobContext, Runner
from app.ui.widgets import BAD, GOOD, problems_label, save_cancel_buttons, show_failure

KINDS = (PartyKind.CUSTOMER, PartyKind.SUPPLIER, PartyKind.BOTH)


def gstin_verdict(text: str) -> tuple[bool, str]:
    """(acceptable, what to show) for the GSTIN field as it stands."""
    if not text.strip():
        return True, "Unregistered (no GSTIN)"
    check = check_gstin(text)
    if check.valid:
        return True, f"Valid GSTIN, state {check.state_code}"
    return False, f"Not a valid GSTIN: {check.problem}"


class PartyForm(QDialog):
    """``saved(party_id)`` once the party is in the books."""

    saved = Signal(int)

    def __init__(
        self,
        company: Company,
        runner: Runner,
        parent: QWidget,
        existing: PartyView | None = None,
        kind: PartyKind = PartyKind.CUSTOMER,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("partyForm")
        self.setWindowTitle(f"Change {existing.name}" if existing else "New party")
        self.company = company
        self.runner = runner
        self.existing = existing
        self._build_fields(existing, kind)
        self._lay_out(existing)
        self.gstin.textChanged.connect(self.check_gstin_field)
        self.check_gstin_field()
        self.name.setFocus()

    def _build_fields(self, existing: PartyView | None, kind: PartyKind) -> None:
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setObjectName("partyName")
        self.kind = QComboBox()
        self.kind.setObjectName("partyKind")
        for choice in KINDS:
            self.kind.addItem(choice.value.title())
        self.kind.setCurrentIndex(KINDS.index(existing.kind if existing else kind))
        self.gstin = QLineEdit(existing.gstin or "" if existing else "")
        self.gstin.setObjectName("partyGstin")
        self.gstin.setMaxLength(15)
        self.gstin_fault = QLabel()
        self.gstin_fault.setObjectName("gstinFault")
        self.state = QComboBox()
        self.state.setObjectName("partyState")
        self.state.addItem("(from the GSTIN, or choose)", "")
        for state in all_states():
            self.state.addItem(f"{state.code} {state.name}", state.code)
        if existing:
            self.state.setCurrentIndex(max(0, self.state.findData(existing.state_code)))
        self.address = QLineEdit(existing.billing_address if existing else "")
        self.address.setObjectName("partyAddress")
        self.pin = QLineEdit(existing.billing_pin if existing else "")
        self.pin.setObjectName("partyPin")
        self.pin.setMaxLength(6)
        self.phone = QLineEdit(existing.phone if existing else "")
        self.phone.setObjectName("partyPhone")
        self._build_extras(existing)

    def _build_extras(self, existing: PartyView | None) -> None:
        self.email = QLineEdit(existing.email if existing else "")
        self.credit_limit = QLineEdit(
            f"{existing.credit_limit:.2f}" if existing and existing.credit_limit else ""
        )
        self.credit_limit.setObjectName("partyCreditLimit")
        self.credit_days = QSpinBox()
        self.credit_days.setRange(0, 365)
        self.credit_days.setValue(existing.credit_days if existing else 0)
        self.composition = QCheckBox("Supplier under the composition scheme")
        self.composition.setChecked(bool(existing and existing.composition))
        self.opening = QLineEdit()
        self.opening.setObjectName("partyOpening")
        self.opening.setPlaceholderText("+ they owe us, - we owe them")
        self.problems = problems_label("partyProblems")
        self.buttons, self.save_button = save_cancel_buttons(self, self.save)

    def _lay_out(self, existing: PartyView | None) -> None:
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Kind", self.kind)
        form.addRow("&GSTIN", self.gstin)
        form.addRow("", self.gstin_fault)
        form.addRow("&State", self.state)
        form.addRow("&Address", self.address)
        form.addRow("P&IN", self.pin)
        form.addRow("&Phone", self.phone)
        form.addRow("&Email", self.email)
        form.addRow("Credit &limit", self.credit_limit)
        form.addRow("Credit &days", self.credit_days)
        form.addRow("", self.composition)
        if existing is None:
            form.addRow("&Opening balance", self.opening)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)

    def check_gstin_field(self) -> None:
        ok, text = gstin_verdict(self.gstin.text())
        self.gstin_fault.setText(text)
        self.gstin_fault.setStyleSheet(GOOD if ok else BAD)
        if ok and self.gstin.text().strip():
            # The state follows the GSTIN (its first two digits).
            index = self.state.findData(check_gstin(self.gstin.text()).state_code)
            if index >= 0:
                self.state.setCurrentIndex(index)

    def _amount(self, field: QLineEdit, what: str) -> Decimal | None:
        text = field.text().replace(",", "").strip()
        if not text:
            return None
        try:
            return D(text)
        except ValueError:
            raise ValidationError(f"The {what} {text!r} is not an amount.") from None

    def draft(self) -> PartyDraft:
        opening = self._amount(self.opening, "opening balance") if self.existing is None else None
        gstin = self.gstin.text().strip().upper() or None
        return PartyDraft(
            name=self.name.text(),
            kind=KINDS[self.kind.currentIndex()],
            gstin=gstin,
            state_code="" if gstin else self.state.currentData(),
            billing=Address(
                self.address.text(),
                "" if gstin else self.state.currentData(),
                self.pin.text().strip(),
            ),
            phone=self.phone.text().strip(),
            email=self.email.text(),
            credit_limit=self._amount(self.credit_limit, "credit limit"),
            credit_days=self.credit_days.value(),
            composition=self.composition.isChecked(),
            opening_balance=opening or ZERO,
        )

    def save(self) -> None:
        try:
            draft = self.draft()
        except AppError as error:
            self.problems.setText(str(error))
            return
        found = party_problems(draft)
        if found:
            self.problems.setText("\n".join(found))
            return
        self.problems.clear()
        self.save_button.setEnabled(False)
        company, existing = self.company, self.existing

        def write(_ctx: JobContext) -> int:
            if existing is None:
                return int(add_party(company, draft))
            update_party(company, PartyId(existing.id), draft)
            return int(existing.id)

        self.runner.write("Save the party", write, on_done=self._saved, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_failure(self, error, self.problems.setText)

    def _saved(self, party_id: int) -> None:
        self.accept()
        self.saved.emit(party_id)
