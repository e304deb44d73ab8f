"""The document form for the office: a B2B tax invoice, a credit note against one, or a
supplier's purchase bill. Choose the party (the list narrows as you type), type lines (an
item's name fills its HSN, GST rate, unit and price), and the place of supply is shown as
the rules decide it. Ctrl+S saves on the writer lane.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing import queries
from app.billing.model import DocKind, DocumentDraft, DraftLine, PostedDocument
from app.billing.queries import PartyView
from app.billing.service import Posted, post_document
from app.errors import AppError, ValidationError
from app.gst import SupplyKind, place_of_supply, state_by_code
from app.inventory import queries as stock_queries
from app.money import D
from app.storage.company import Company
from app.ui.ops import JobContext, Runner
from app.ui.widgets import DateField, problems_label, save_cancel_buttons, show_failure

COLUMNS = ("Item", "Qty", "Price", "Disc %", "GST %", "HSN", "Unit")
ITEM, QTY, PRICE, DISC, GST, HSN, UNIT = range(7)
START_LINES = 5


class InvoiceForm(QDialog):
    """``saved(Posted)`` once the document is in the books."""

    saved = Signal(object)

    def __init__(
        self,
        company: Company,
        runner: Runner,
        kind: DocKind,
        parent: QWidget,
        original: PostedDocument | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("invoiceForm")
        self.setWindowTitle(f"New {kind.label.lower()}")
        self.company, self.runner, self.kind, self.original = company, runner, kind, original
        self.parties: dict[str, PartyView] = {}
        self.item_ids: dict[int, int] = {}  # row -> item id, for the stock move
        self.party = QLineEdit()
        self.party.setObjectName("invoiceParty")
        self.party.setPlaceholderText("Supplier" if not kind.outward else "Customer")
        self.party.textChanged.connect(lambda _text: self.party_chosen())
        self.pos_label = QLabel()
        self.pos_label.setObjectName("placeOfSupply")
        self.doc_date = DateField(original.doc_date if original else date.today())
        self.supplier_number = QLineEdit()
        self.supplier_number.setObjectName("supplierNumber")
        self.itc = QCheckBox("Input tax credit can be claimed")
        self.itc.setChecked(True)
        self.reverse_charge = QCheckBox("Tax payable on reverse charge")
        self.reason = QLineEdit("Goods returned" if original else "")
        self.reason.setObjectName("noteReason")
        self.table = QTableWidget(START_LINES, len(COLUMNS))
        self.table.setObjectName("invoiceLines")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(ITEM, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self.cell_changed)
        self.message = problems_label("invoiceMessage")
        buttons, self.save_button = save_cancel_buttons(self, self.save)
        self.save_button.setText("Save (Ctrl+S)")
        self.save_button.setAutoDefault(False)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        self._lay_out(buttons)
        self.resize(820, 480)
        self.load_parties()
        if original is not None:
            self.fill_from(original)
        self.party.setFocus()

    def _lay_out(self, buttons: QDialogButtonBox) -> None:
        form = QFormLayout()
        form.addRow("&Party", self.party)
        form.addRow("Place of supply", self.pos_label)
        form.addRow("&Date", self.doc_date)
        if self.kind is DocKind.PURCHASE_BILL:
            form.addRow("Supplier's &bill no.", self.supplier_number)
            form.addRow("", self.itc)
            form.addRow("", self.reverse_charge)
        if self.kind.is_note:
            number = self.original.number if self.original else ""
            form.addRow("Against", QLabel(number))
            form.addRow("&Reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    # -- the party ----------------------------------------------------------------------------
    def load_parties(self) -> None:
        company = self.company

        def read(_ctx: JobContext) -> list[PartyView]:
            with company.reader() as conn:
                return queries.find_parties(conn, "", limit=100_000)

        self.runner.read("Parties", read, on_done=self._parties_loaded)

    def _parties_loaded(self, rows: list[PartyView]) -> None:
        self.parties = {p.name.casefold(): p for p in rows if p.active}
        completer = QCompleter([p.name for p in rows if p.active], self.party)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.party.setCompleter(completer)
        self.party_chosen()

    def chosen_party(self) -> PartyView | None:
        return self.parties.get(" ".join(self.party.text().split()).casefold())

    def party_chosen(self) -> None:
        party = self.chosen_party()
        if party is None:
            self.pos_label.setText("" if not self.party.text() else "Choose a party from the list")
            return
        seller = self.company.profile.state_code
        try:
            if not self.kind.outward:
                code = seller
            elif self.original is not None:
                code = self.original.place_of_supply
            else:
                code = place_of_supply(
                    seller_state=seller,
                    kind=SupplyKind.GOODS,
                    recipient_gstin=party.gstin,
                    billing_state=party.state_code or None,
                    delivery_state=party.shipping_state or None,
                ).state_code
            state = state_by_code(code)
        except AppError as error:
            self.pos_label.setText(str(error))
            return
        supply = (
            "intra-state: CGST + SGST"
            if code == (seller if self.kind.outward else party.state_code)
            else "inter-state: IGST"
        )
        self.pos_label.setText(f"{state.code} {state.name} ({supply})")

    # -- lines --------------------------------------------------------------------------------
    def fill_from(self, doc: PostedDocument) -> None:
        self.party.setText(doc.counterparty.name)
        self.table.setRowCount(max(START_LINES, len(doc.lines) + 1))
        self.table.blockSignals(True)
        for row, line in enumerate(doc.lines):
            values = (
                line.description,
                _qty(line.qty),
                f"{line.unit_price:.2f}",
                _qty(line.discount_pct),
                _qty(line.gst_rate),
                line.hsn,
                line.uqc,
            )
            for column, text in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if line.item_id is not None:
                self.item_ids[row] = line.item_id
        self.table.blockSignals(False)

    def cell_changed(self, cell: QTableWidgetItem) -> None:
        row = cell.row()
        if cell.column() == ITEM:
            self.item_ids.pop(row, None)
            self.look_up_item(row, cell.text())
        if row == self.table.rowCount() - 1 and cell.text().strip():
            self.table.insertRow(self.table.rowCount())

    def look_up_item(self, row: int, name: str) -> None:
        if not name.strip():
            return
        try:
            with self.company.reader() as conn:  # one indexed read, as the counter does
                item = stock_queries.item_by_name(conn, name)
        except AppError:
            return  # a free-text line (a service, a charge)
        price = item.sale_price if self.kind.outward else item.purchase_price
        self.item_ids[row] = item.id
        self.table.blockSignals(True)
        for column, text in (
            (ITEM, item.name),
            (QTY, self._text(row, QTY) or "1"),
            (PRICE, f"{price:.2f}"),
            (GST, _qty(item.gst_rate)),
            (HSN, item.hsn),
            (UNIT, item.unit),
        ):
            self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.blockSignals(False)

    def _text(self, row: int, column: int) -> str:
        cell = self.table.item(row, column)
        return cell.text().strip() if cell else ""

    def _number(self, row: int, column: int, what: str, default: str = "0") -> Decimal:
        text = self._text(row, column).replace(",", "") or default
        try:
            return D(text)
        except ValueError:
            raise ValidationError(f"Line {row + 1}: the {what} {text!r} is not a number.") from None

    def lines(self) -> tuple[DraftLine, ...]:
        found = []
        for row in range(self.table.rowCount()):
            description = self._text(row, ITEM)
            if not description:
                continue
            found.append(
                DraftLine(
                    description=description,
                    qty=self._number(row, QTY, "quantity", "1"),
                    unit_price=self._number(row, PRICE, "price"),
                    gst_rate=self._number(row, GST, "GST rate"),
                    item_id=self.item_ids.get(row),
                    hsn=self._text(row, HSN),
                    uqc=self._text(row, UNIT) or "NOS",
                    discount_pct=self._number(row, DISC, "discount"),
                )
            )
        return tuple(found)

    def draft(self) -> DocumentDraft:
        party = self.chosen_party()
        if party is None:
            raise ValidationError("Choose the party from the list (type part of the name).")
        on = self.doc_date.value()
        if on is None:
            raise ValidationError("Type the date as dd-mm-yyyy.")
        return DocumentDraft(
            kind=self.kind,
            doc_date=on,
            lines=self.lines(),
            party_id=party.id,
            original_id=self.original.id if self.original else None,
            reason=self.reason.text() if self.kind.is_note else "",
            supplier_number=self.supplier_number.text().strip(),
            itc_eligible=self.itc.isChecked(),
            reverse_charge=self.reverse_charge.isChecked(),
        )

    # -- saving -------------------------------------------------------------------------------
    def save(self) -> None:
        try:
            draft = self.draft()
        except AppError as error:
            self.message.setText(str(error))
            return
        company = self.company
        self.save_button.setEnabled(False)

        def write(_ctx: JobContext) -> Posted:
            return post_document(company, draft)

        self.runner.write("Save the document", write, on_done=self._saved, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_failure(self, error, self.message.setText)

    def _saved(self, posted: Posted) -> None:
        self.accept()
        self.saved.emit(posted)


def _qty(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
