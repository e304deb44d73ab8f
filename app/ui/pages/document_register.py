"""A register of documents (sales or purchases) for a period, searchable, with each document
opened to its lines and totals; cancelling (with a reason) for owners and accountants.

Keys: type to search · Ctrl+N new document · Enter opens the document.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing import queries
from app.billing.model import DocKind, DocumentId, PostedDocument
from app.billing.queries import DocumentRow
from app.billing.service import Posted, cancel_document
from app.ledger.model import financial_year
from app.money import ZERO, format_inr
from app.storage.access import Permission
from app.storage.company import Company
from app.ui.batched import ModelIndex
from app.ui.ops import JobContext, Runner, show_error
from app.ui.pages.bill_printing import BillOutput, printing_available, save_bill_pdf
from app.ui.pages.invoice_form import InvoiceForm
from app.ui.row_table import RowsTableModel
from app.ui.widgets import DateField


class DocumentsTableModel(RowsTableModel[DocumentRow]):
    headers = ("Date", "Number", "Kind", "Party", "GSTIN", "Taxable", "Tax", "Total", "Status")

    def data(self, index: ModelIndex, role: int = 0) -> object:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (5, 6, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        return (
            f"{row.doc_date:%d-%m-%Y}",
            row.number,
            row.kind.label,
            row.party,
            row.gstin or "",
            format_inr(row.taxable),
            format_inr(row.tax),
            format_inr(row.grand_total),
            row.status.value,
        )[index.column()]


class DocumentView(QDialog):
    """One document as posted: its lines, tax and total; cancel, note, PDF."""

    changed = Signal()

    def __init__(
        self, company: Company, runner: Runner, doc: PostedDocument, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentView")
        self.setWindowTitle(f"{doc.kind.label} {doc.number}")
        self.company, self.runner, self.doc = company, runner, doc
        cp = doc.counterparty
        head = QLabel(
            f"<b>{doc.kind.label} {doc.number}</b> of {doc.doc_date:%d-%m-%Y} · "
            f"{cp.name} {cp.gstin or ''} · place of supply {doc.place_of_supply}"
            + (f" · against {doc.original_number}" if doc.original_number else "")
            + (" · <b>CANCELLED</b>" if doc.cancelled else "")
        )
        lines = QTableWidget(len(doc.lines), 7)
        lines.setObjectName("documentLines")
        lines.setHorizontalHeaderLabels(["Item", "HSN", "Qty", "Price", "Taxable", "GST %", "Tax"])
        lines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, line in enumerate(doc.lines):
            cells = (
                line.description,
                line.hsn,
                f"{line.qty.normalize():f}",
                format_inr(line.unit_price),
                format_inr(line.taxable),
                f"{line.gst_rate.normalize():f}",
                format_inr(line.tax),
            )
            for column, text in enumerate(cells):
                lines.setItem(row, column, QTableWidgetItem(text))
        totals = QLabel(
            f"Taxable {format_inr(doc.taxable)} · CGST {format_inr(doc.cgst)} · "
            f"SGST {format_inr(doc.sgst)} · IGST {format_inr(doc.igst)} · "
            f"Round off {format_inr(doc.round_off)} · <b>Total {format_inr(doc.grand_total)}</b>"
        )
        totals.setObjectName("documentTotals")
        self.message = QLabel()
        self.message.setObjectName("documentMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.cancel_button = QPushButton("Cancel document…")
        may_cancel = company.actor.may(Permission.POST_VOUCHERS) and not doc.cancelled
        self.cancel_button.setEnabled(may_cancel)
        self.cancel_button.clicked.connect(self.ask_reason)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.note_button = QPushButton("Credit note…")
        self.note_button.setVisible(doc.kind is DocKind.SALES_INVOICE and not doc.cancelled)
        self.note_button.clicked.connect(self.credit_note)
        buttons.addButton(self.note_button, QDialogButtonBox.ButtonRole.ActionRole)
        if printing_available():
            pdf = QPushButton("Save PDF")
            pdf.clicked.connect(self.save_pdf)
            buttons.addButton(pdf, QDialogButtonBox.ButtonRole.ActionRole)
            self.output = BillOutput(self, company, runner, self.message.setText)
            for text, name, keys, slot in (
                ("&Print…", "printButton", "Ctrl+P", lambda: self.output.print_bill(self.doc)),
                ("&Email…", "emailButton", "Ctrl+E", lambda: self.output.email_bill(self.doc)),
            ):
                button = QPushButton(text)
                button.setObjectName(name)
                button.setToolTip(keys)
                button.clicked.connect(slot)
                QShortcut(QKeySequence(keys), self, slot)
                buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(lines, 1)
        layout.addWidget(totals)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(820, 420)

    def ask_reason(self) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("cancelReason")
        dialog.setLabelText(f"Why is {self.doc.number} cancelled? (kept with the document)")
        dialog.textValueSelected.connect(self.cancel)
        dialog.open()
        self.reason_dialog = dialog

    def cancel(self, reason: str) -> None:
        company, doc_id = self.company, DocumentId(self.doc.id)
        on = max(date.today(), self.doc.doc_date)

        def write(_ctx: JobContext) -> None:
            cancel_document(company, doc_id, on, reason)

        self.runner.write(
            "Cancel the document", write, on_done=self._cancelled, on_error=self._not_cancelled
        )

    def _not_cancelled(self, error: BaseException) -> None:
        show_error(self, error)

    def _cancelled(self, _result: object) -> None:
        self.message.setText(f"{self.doc.number} is cancelled; its number stays taken.")
        self.cancel_button.setEnabled(False)
        self.changed.emit()

    def credit_note(self) -> None:
        form = InvoiceForm(self.company, self.runner, DocKind.CREDIT_NOTE, self, self.doc)
        form.saved.connect(lambda _posted: self.changed.emit())
        form.open()
        self.form = form

    def save_pdf(self) -> None:
        company, doc = self.company, self.doc

        def read(_ctx: JobContext) -> object:
            return save_bill_pdf(company, doc, receipt=False)

        self.runner.read("Save PDF", read, on_done=lambda p: self.message.setText(f"Saved {p}"))


class DocumentRegister(QWidget):
    """``posted`` carries each document saved from here."""

    posted = Signal(object)

    def __init__(
        self,
        company: Company,
        runner: Runner,
        kinds: tuple[DocKind, ...],
        new_kind: DocKind,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.company, self.runner, self.kinds, self.new_kind = company, runner, kinds, new_kind
        year = financial_year(date.today(), company.profile.fy_start_month)
        self.start = DateField(max(year.start, company.profile.books_begin))
        self.end = DateField(date.today())
        self.search = QLineEdit()
        self.search.setObjectName("registerSearch")
        self.search.setPlaceholderText("Search number or party")
        self.new_button = QPushButton(f"&New {new_kind.label.lower()} (Ctrl+N)")
        self.new_button.clicked.connect(self.new_document)
        self.model = DocumentsTableModel()
        self.table = QTableView()
        self.table.setObjectName("registerTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self.open_document)
        self.summary = QLabel()
        self.summary.setObjectName("registerSummary")
        top = QHBoxLayout()
        top.addWidget(QLabel("From"))
        top.addWidget(self.start)
        top.addWidget(QLabel("to"))
        top.addWidget(self.end)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self.table.setFocus)
        for field in (self.start, self.end):
            field.editingFinished.connect(self.refresh)
        shortcut = QShortcut(QKeySequence("Ctrl+N"), self, self.new_document)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.search.setFocus)

    def refresh(self) -> None:
        company, kinds, term = self.company, self.kinds, self.search.text()
        start, end = self.start.value(), self.end.value()
        if start is None or end is None:
            self.summary.setText("Type the dates as dd-mm-yyyy.")
            return

        def read(_ctx: JobContext) -> list[DocumentRow]:
            with company.reader() as conn:
                return queries.register(conn, start, end, kinds, term)

        self.runner.read("Register", read, on_done=self._listed)

    def _listed(self, rows: list[DocumentRow]) -> None:
        self.model.set_rows(rows)
        live = [r for r in rows if r.status.value == "posted"]
        total = sum(
            (
                r.grand_total
                * (-1 if r.kind in (DocKind.CREDIT_NOTE, DocKind.PURCHASE_RETURN) else 1)
                for r in live
            ),
            ZERO,
        )
        self.summary.setText(
            f"{len(rows)} documents · total {format_inr(total)} (cancelled left out)"
        )
        if rows:
            self.table.selectRow(0)

    def new_document(self) -> None:
        form = InvoiceForm(self.company, self.runner, self.new_kind, self)
        form.saved.connect(self._saved)
        form.open()
        self.form = form

    def _saved(self, posted: Posted) -> None:
        self.posted.emit(posted)
        self.refresh()

    def open_document(self, index: QModelIndex) -> None:
        if not 0 <= index.row() < len(self.model.rows):
            return
        company, doc_id = self.company, self.model.rows[index.row()].id

        def read(_ctx: JobContext) -> PostedDocument:
            with company.reader() as conn:
                return queries.document(conn, doc_id)

        self.runner.read("Open the document", read, on_done=self._show)

    def _show(self, doc: PostedDocument) -> None:
        view = DocumentView(self.company, self.runner, doc, self)
        view.changed.connect(self.refresh)
        view.open()
        self.view = view
