"""Reviewing a stored bill: the page beside the fields read from it, the field in focus
outlined on the page, the supplier and items matched against the books, and one button that
makes the purchase bill (the click is the confirmation; nothing is posted before it).

With a model loaded on the Assistant page, "Fill missing fields with the model" asks it for
the fields still empty (``documents_model``); its checked proposals wait for Accept and are
stored only by Save, like any correction. "Save original…" writes the file as received.

Keys: Tab moves through the fields (each highlights where it was read) · Ctrl+S saves the
corrections · Ctrl+Enter creates the purchase bill · PgUp/PgDown turn the page · Alt+M fills
empty fields with the model · Alt+O saves the original file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QPen, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Connection

from app.assistant.runtime import ModelRuntime
from app.billing.model import PartyId, PartyKind
from app.billing.queries import find_parties
from app.documents import queries, service
from app.documents.bill import BillProposal, ProposedLine, SupplierMatch, bill_totals
from app.documents.model import FIELD_NAMES
from app.documents.queries import StoredView
from app.documents.stored import PageImage, StoredDocumentId, StoredStatus
from app.errors import NotFound, ValidationError
from app.gst import Rounding
from app.inventory import queries as stock_queries
from app.money import format_inr
from app.storage.company import Company
from app.ui.ops import JobContext, Runner, show_error
from app.ui.pages.documents_model import MODEL_TINT, ModelFill

LABELS = {
    "supplier_name": "Supplier",
    "supplier_gstin": "Supplier GSTIN",
    "buyer_gstin": "Buyer GSTIN",
    "invoice_number": "Bill number",
    "invoice_date": "Bill date",
    "place_of_supply": "Place of supply",
    "currency": "Currency",
    "taxable_value": "Taxable value",
    "cgst_rate": "CGST %",
    "cgst": "CGST",
    "sgst_rate": "SGST %",
    "sgst": "SGST",
    "igst_rate": "IGST %",
    "igst": "IGST",
    "cess_rate": "Cess %",
    "cess": "Cess",
    "round_off": "Round off",
    "grand_total": "Grand total",
}
LOW_CONFIDENCE = 0.9  # fields read with less are tinted: look at these first
DESC, ITEM, HSN, QTY, PRICE, GST, AMOUNT = range(7)


class PageView(QGraphicsView):
    """One page picture, scaled to fit, with the region of the selected field outlined."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pageView")
        self.setScene(QGraphicsScene(self))
        self.pixmap_item = QGraphicsPixmapItem()
        self.scene().addItem(self.pixmap_item)
        self.mark = QGraphicsRectItem()
        self.mark.setPen(QPen(QColor("#ea580c"), 3))
        self.mark.setBrush(QBrush(QColor(245, 158, 11, 70)))
        self.mark.setZValue(1)
        self.mark.setVisible(False)
        self.scene().addItem(self.mark)
        self.page_no = 0

    def show_page(self, page: PageImage) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(page.data)
        self.pixmap_item.setPixmap(pixmap)
        self.scene().setSceneRect(QRectF(pixmap.rect()))
        self.page_no = page.page_no
        self.mark.setVisible(False)
        self.fitInView(self.pixmap_item, Qt.AspectRatioMode.KeepAspectRatio)

    def highlight(self, bbox: tuple[float, float, float, float] | None) -> None:
        """Outline a region given as fractions of the page (x0, top, x1, bottom)."""
        size = self.pixmap_item.pixmap().size()
        if bbox is None or size.isEmpty():
            self.mark.setVisible(False)
            return
        x0, top, x1, bottom = bbox
        pad = 4
        self.mark.setRect(
            QRectF(
                x0 * size.width() - pad,
                top * size.height() - pad,
                (x1 - x0) * size.width() + 2 * pad,
                (bottom - top) * size.height() + 2 * pad,
            )
        )
        self.mark.setVisible(True)
        self.ensureVisible(self.mark)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self.pixmap_item.pixmap().isNull():
            self.fitInView(self.pixmap_item, Qt.AspectRatioMode.KeepAspectRatio)


@dataclass(frozen=True)
class Loaded:
    view: StoredView
    pages: tuple[PageImage, ...]
    proposal: BillProposal
    suppliers: tuple[tuple[int, str, str | None], ...]  # id, name, GSTIN
    our_state: str
    rounding: Rounding


class DocumentReview(QWidget):
    """``changed`` is emitted after corrections, posting or rejection (the list refreshes);
    ``posted`` carries the service's PostedBill."""

    changed = Signal()
    posted = Signal(object)
    closed = Signal()

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentReview")
        self.company, self.runner = company, runner
        self.loaded: Loaded | None = None
        self.pages: dict[int, PageImage] = {}
        self._after_load = ""  # a message that outlives the reload after an action

        self.page_view = PageView()
        self.page_label = QLabel()
        self.page_label.setObjectName("pageLabel")
        self.prev_button = QPushButton("◀ Page")
        self.next_button = QPushButton("Page ▶")
        self.prev_button.clicked.connect(lambda: self.turn(-1))
        self.next_button.clicked.connect(lambda: self.turn(1))
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        turn = QHBoxLayout()
        turn.addWidget(self.prev_button)
        turn.addWidget(self.page_label, 1, Qt.AlignmentFlag.AlignCenter)
        turn.addWidget(self.next_button)
        left_layout.addLayout(turn)
        left_layout.addWidget(self.page_view, 1)

        scroll = self._build_form()

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(self._build_buttons())
        for keys, slot in (
            ("Ctrl+S", self.save),
            ("Ctrl+Return", self.create_bill),
            ("PgDown", lambda: self.turn(1)),
            ("PgUp", lambda: self.turn(-1)),
            ("Escape", self.closed.emit),
        ):
            shortcut = QShortcut(QKeySequence(keys), self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_form(self) -> QScrollArea:
        """The fields read (one line each), the party and the lines for the books."""
        self.heading = QLabel()
        self.heading.setObjectName("reviewHeading")
        self.heading.setWordWrap(True)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name in FIELD_NAMES:
            edit = QLineEdit()
            edit.setObjectName(f"field_{name}")
            edit.installEventFilter(self)
            self.edits[name] = edit
            form.addRow(LABELS[name], edit)
        self.supplier = QComboBox()
        self.supplier.setObjectName("supplierChoice")
        self.supplier_note = QLabel()
        self.supplier_note.setObjectName("supplierNote")
        self.lines = QTableWidget(0, 7)
        self.lines.setObjectName("billLines")
        self.lines.setHorizontalHeaderLabels(
            ["Description", "Item in books", "HSN", "Qty", "Price", "GST %", "Amount"]
        )
        self.lines.horizontalHeader().setSectionResizeMode(DESC, QHeaderView.ResizeMode.Stretch)
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.itemChanged.connect(self._line_changed)
        self.lines.currentCellChanged.connect(self._line_selected)
        self.totals = QLabel()
        self.totals.setObjectName("billTotals")
        self.problems = QLabel()
        self.problems.setObjectName("reviewProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b45309;")
        self.message = QLabel()
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)
        self.model_fill = ModelFill(self.company, self.runner, LABELS, self.shown_fields)
        self.model_fill.accepted.connect(self.take_proposal)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.heading)
        right_layout.addLayout(form)
        right_layout.addWidget(self.model_fill)
        supplier_row = QHBoxLayout()
        supplier_row.addWidget(QLabel("Party in books"))
        supplier_row.addWidget(self.supplier, 1)
        right_layout.addLayout(supplier_row)
        right_layout.addWidget(self.supplier_note)
        right_layout.addWidget(self.lines, 1)
        right_layout.addWidget(self.totals)
        right_layout.addWidget(self.problems)
        right_layout.addWidget(self.message)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(right)
        return scroll

    def _build_buttons(self) -> QHBoxLayout:
        """Back to the list, reject, save corrections, create the purchase bill."""
        self.back_button = QPushButton("← Documents")
        self.back_button.setObjectName("backToList")
        self.back_button.clicked.connect(self.closed.emit)
        self.save_button = QPushButton("&Save corrections")
        self.save_button.setObjectName("saveFields")
        self.save_button.clicked.connect(self.save)
        self.reject_button = QPushButton("&Reject…")
        self.reject_button.setObjectName("rejectDocument")
        self.reject_button.clicked.connect(self.ask_reject)
        self.create_button = QPushButton("&Create purchase bill")
        self.create_button.setObjectName("createBill")
        self.create_button.clicked.connect(self.create_bill)
        self.original_button = QPushButton("Save &original…")
        self.original_button.setObjectName("saveOriginal")
        self.original_button.setToolTip("Write the bill's file, byte for byte as received")
        self.original_button.clicked.connect(self.ask_save_original)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.original_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.create_button)
        return buttons

    # -- loading -----------------------------------------------------------------------------
    def open_document(self, doc_id: int) -> None:
        company = self.company
        self.message.setText("Opening…")

        def read(_ctx: JobContext) -> Loaded:
            with company.reader() as conn:
                view = queries.stored_document(conn, doc_id)
                pages = tuple(
                    queries.page_image(conn, doc_id, n) for n in range(1, view.row.page_count + 1)
                )
                proposal = queries.propose_bill(conn, company.profile, doc_id)
                suppliers = tuple(
                    (p.id, p.name, p.gstin)
                    for p in find_parties(conn, "", limit=5000)
                    if p.kind in (PartyKind.SUPPLIER, PartyKind.BOTH) and p.active
                )
                rounding = queries.rounding(conn)
            return Loaded(view, pages, proposal, suppliers, company.profile.state_code, rounding)

        self.runner.read("Open the bill", read, on_done=self._loaded, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        self.message.setText("")
        show_error(self, error)

    def _loaded(self, loaded: Loaded) -> None:
        self.loaded = loaded
        view, proposal = loaded.view, loaded.proposal
        row = view.row
        self.pages = {page.page_no: page for page in loaded.pages}
        state = row.status.value
        linked = f" · purchase bill {view.billing_reference}" if view.billing_reference else ""
        self.heading.setText(
            f"<b>{row.source_name}</b> · document {row.id} · {row.page_count} page(s) · "
            f"{state}{linked}"
        )
        for found in view.fields:
            edit = self.edits[found.name]
            edit.setText(found.value or "")
            tint = found.value is not None and found.confidence < LOW_CONFIDENCE
            edit.setStyleSheet("background: #fff4cc;" if tint else "")
            edit.setToolTip(
                f"confidence {found.confidence:.2f} · from {found.source}"
                if found.value
                else "not found on the bill"
            )
        self._fill_supplier(proposal.supplier, loaded.suppliers)
        self._fill_lines(proposal.lines)
        self.problems.setText("\n".join(f"• {p}" for p in proposal.problems))
        draft = row.status is StoredStatus.DRAFT
        for widget in (self.save_button, self.reject_button, self.create_button, self.lines):
            widget.setEnabled(draft)
        for edit in self.edits.values():
            edit.setReadOnly(not draft)
        self.supplier.setEnabled(draft)
        self.model_fill.set_document(view, draft)
        if proposal.duplicate_of and draft:
            self.message.setText(proposal.duplicate_of)
            self.create_button.setEnabled(False)
        else:
            self.message.setText("" if draft else f"This bill is {state}.")
        if self._after_load:
            self.message.setText(self._after_load)
            self._after_load = ""
        if self.pages:
            self.show_page(min(self.pages))
        self._update_totals()

    def _fill_supplier(
        self, match: SupplierMatch, suppliers: tuple[tuple[int, str, str | None], ...]
    ) -> None:
        self.supplier.clear()
        if match.is_new:
            self.supplier.addItem(f"New supplier: {match.name} {match.gstin or ''}".strip(), None)
            self.supplier_note.setText(
                "No party in the books has this GSTIN; a new supplier is added on posting."
            )
        else:
            self.supplier.addItem(f"{match.name} {match.gstin or ''}".strip(), match.party_id)
            self.supplier_note.setText(f"Matched by {match.matched_by}.")
        for party_id, name, gstin in suppliers:
            if party_id != match.party_id:
                self.supplier.addItem(f"{name} {gstin or ''}".strip(), party_id)

    def _fill_lines(self, lines: tuple[ProposedLine, ...]) -> None:
        self.lines.blockSignals(True)
        self.lines.setRowCount(len(lines) + 1)  # one empty row to add a line
        for row, line in enumerate(lines):
            cells = (
                line.description,
                line.item_name,
                line.hsn,
                f"{line.qty.normalize():f}",
                str(line.unit_price),
                f"{line.gst_rate.normalize():f}",
                format_inr(line.amount),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == AMOUNT:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column == ITEM and line.matched_by:
                    item.setToolTip(f"matched by {line.matched_by}")
                self.lines.setItem(row, column, item)
        self.lines.blockSignals(False)

    # -- pages and highlights ----------------------------------------------------------------
    def show_page(self, page_no: int) -> None:
        page = self.pages.get(page_no)
        if page is None:
            return
        self.page_view.show_page(page)
        source = {"text": "text layer", "ocr": "OCR"}.get(page.text_source, "not read")
        self.page_label.setText(f"Page {page_no} of {len(self.pages)} ({source})")
        self.prev_button.setEnabled(page_no > 1)
        self.next_button.setEnabled(page_no < len(self.pages))

    def turn(self, step: int) -> None:
        wanted = self.page_view.page_no + step
        if wanted in self.pages:
            self.show_page(wanted)

    def highlight_region(self, region: Any) -> None:
        """Show the region's page and outline it; None clears the outline."""
        if not region:
            self.page_view.highlight(None)
            return
        page = int(region["page"])
        if page != self.page_view.page_no:
            self.show_page(page)
        x0, top, x1, bottom = (float(v) for v in region["bbox"])
        self.page_view.highlight((x0, top, x1, bottom))

    def highlight_field(self, name: str) -> None:
        if self.loaded is not None:
            self.highlight_region(self.loaded.view.field(name).region)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            for name, edit in self.edits.items():
                if edit is watched:
                    self.highlight_field(name)
        return False

    def _line_selected(self, row: int, _column: int, _prev_row: int, _prev_col: int) -> None:
        if self.loaded is None or not 0 <= row < len(self.loaded.view.lines):
            return
        self.highlight_region(self.loaded.view.lines[row].get("region"))

    # -- the model's proposals ---------------------------------------------------------------
    def set_runtime(self, runtime: ModelRuntime | None) -> None:
        """The model loaded on the Assistant page (None: none loaded)."""
        self.model_fill.set_runtime(runtime)

    def shown_fields(self) -> dict[str, str]:
        return {name: edit.text() for name, edit in self.edits.items()}

    def take_proposal(self, name: str, text: str, reason: str) -> None:
        """An accepted proposal goes into its field, marked as the model's, unsaved."""
        edit = self.edits[name]
        if edit.isReadOnly():
            return
        edit.setText(text)
        edit.setStyleSheet(MODEL_TINT)
        edit.setToolTip(f"Proposed by {reason}. Not saved yet: Save corrections keeps it.")
        self.message.setText("Accepted values are saved with Save corrections (Ctrl+S).")

    # -- editing -----------------------------------------------------------------------------
    def changes(self) -> dict[str, str | None]:
        """Fields whose text differs from what is stored (read or corrected before)."""
        if self.loaded is None:
            return {}
        found = {}
        for state in self.loaded.view.fields:
            typed = self.edits[state.name].text().strip()
            if typed != (state.value or ""):
                found[state.name] = typed or None
        return found

    def edited_lines(self) -> list[tuple[ProposedLine, str]]:
        """The lines as shown (with the item name typed), or a ValidationError."""
        found = []
        for row in range(self.lines.rowCount()):
            cells = [self._cell(row, column) for column in range(7)]
            if not any(cells[:AMOUNT]):
                continue
            try:
                qty = Decimal(cells[QTY].replace(",", "") or "1")
                price = Decimal(cells[PRICE].replace(",", ""))
                rate = Decimal(cells[GST].rstrip("%") or "0")
            except InvalidOperation:
                raise ValidationError(
                    f"Line {row + 1}: quantity, price and GST % must be numbers."
                ) from None
            line = ProposedLine(cells[DESC], cells[HSN], qty, price, rate)
            found.append((line, cells[ITEM]))
        return found

    def _cell(self, row: int, column: int) -> str:
        item = self.lines.item(row, column)
        return item.text().strip() if item is not None else ""

    def _line_changed(self, item: QTableWidgetItem) -> None:
        row = item.row()
        if row == self.lines.rowCount() - 1 and item.text().strip():
            self.lines.setRowCount(self.lines.rowCount() + 1)
        self._update_totals()

    def current_proposal(self) -> BillProposal | None:
        if self.loaded is None:
            return None
        try:
            lines = tuple(line for line, _name in self.edited_lines())
        except ValidationError:
            return None
        return replace(self.loaded.proposal, lines=lines)

    def _update_totals(self) -> None:
        proposal = self.current_proposal()
        if proposal is None or self.loaded is None:
            self.totals.setText("")
            return
        self.lines.blockSignals(True)
        for row, line in enumerate(proposal.lines):
            cell = self.lines.item(row, AMOUNT)
            if cell is not None:
                cell.setText(format_inr(line.amount))
        self.lines.blockSignals(False)
        totals = bill_totals(proposal, self.loaded.our_state, self.loaded.rounding)
        if totals is None:
            self.totals.setText("")
            return
        printed = proposal.bill_total
        self.totals.setText(
            f"Bahi's figures: taxable {format_inr(totals.taxable)} · tax "
            f"{format_inr(totals.tax)} · total <b>{format_inr(totals.grand_total)}</b>"
            + (f" · the bill says {format_inr(printed)}" if printed is not None else "")
        )

    # -- actions -----------------------------------------------------------------------------
    def save(self) -> None:
        if self.loaded is None:
            return
        company, doc_id, changes = self.company, self.loaded.view.row.id, self.changes()
        if not changes:
            self.message.setText("Nothing to save.")
            return

        def write(_ctx: JobContext) -> None:
            service.correct_fields(company, doc_id, changes)

        self.runner.write("Save corrections", write, on_done=self._saved, on_error=self._failed)

    def _saved(self, _result: object) -> None:
        self.changed.emit()
        self._after_load = "Corrections saved."
        if self.loaded is not None:
            self.open_document(self.loaded.view.row.id)

    def create_bill(self) -> None:
        """Post the purchase bill as shown: the user's click is the confirmation."""
        if self.loaded is None or not self.create_button.isEnabled():
            return
        try:
            lines = self.edited_lines()
        except ValidationError as error:
            show_error(self, error)
            return
        company, doc_id, changes = self.company, self.loaded.view.row.id, self.changes()
        chosen = self.supplier.currentData()
        chosen_name = self.supplier.currentText()
        as_matched = self.supplier.currentIndex() == 0

        def write(_ctx: JobContext) -> service.PostedBill:
            if changes:
                service.correct_fields(company, doc_id, changes)
            with company.reader() as conn:
                proposal = queries.propose_bill(conn, company.profile, doc_id)
                resolved = [_with_item(conn, line, name) for line, name in lines]
            supplier = proposal.supplier
            if not as_matched and chosen is not None:
                supplier = SupplierMatch(
                    PartyId(int(chosen)), chosen_name, supplier.gstin, "chosen"
                )
            proposal = replace(proposal, supplier=supplier, lines=tuple(resolved))
            return service.post_bill(company, proposal, confirmed=True)

        self.create_button.setEnabled(False)
        self.message.setText("Posting the purchase bill…")
        self.runner.write(
            "Create purchase bill", write, on_done=self._posted, on_error=self._not_posted
        )

    def _not_posted(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        self._failed(error)

    def _posted(self, done: service.PostedBill) -> None:
        document = done.posted.document
        self.posted.emit(done)
        self.changed.emit()
        self._after_load = (
            f"Posted purchase bill {document.our_reference} (bill {document.number}), "
            f"total {format_inr(document.grand_total)}."
        )
        self.open_document(done.document_id)

    def ask_save_original(self) -> None:
        """Choose where to write the file as received (an export the user asks for)."""
        if self.loaded is None:
            return
        dialog = QFileDialog(self, "Save the original file")
        dialog.setObjectName("saveOriginalDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(self.loaded.view.row.source_name)
        dialog.fileSelected.connect(lambda name: self.save_original(Path(name)))
        dialog.open()
        self.original_dialog = dialog

    def save_original(self, target: Path) -> None:
        if self.loaded is None:
            return
        company, doc_id = self.company, self.loaded.view.row.id

        def read(_ctx: JobContext) -> Path:
            with company.reader() as conn:
                data = queries.original_file(conn, doc_id)
            try:
                target.write_bytes(data)
            except OSError as exc:
                raise ValidationError(
                    f"{target} could not be written ({exc.strerror}); choose another folder."
                ) from None
            return target

        def done(path: Path) -> None:
            self.message.setText(f"Saved the original file as {path}.")

        self.runner.read("Save the original", read, on_done=done, on_error=self._failed)

    def ask_reject(self) -> None:
        if self.loaded is None:
            return
        dialog = QInputDialog(self)
        dialog.setObjectName("rejectReason")
        dialog.setLabelText("Why is this not a bill for the books? (kept with the document)")
        dialog.textValueSelected.connect(self.reject_with)
        dialog.open()
        self.reason_dialog = dialog

    def reject_with(self, reason: str) -> None:
        if self.loaded is None:
            return
        company, doc_id = self.company, self.loaded.view.row.id

        def write(_ctx: JobContext) -> None:
            service.reject_document(company, doc_id, reason)

        def done(_result: object) -> None:
            self.changed.emit()
            self.open_document(doc_id)

        self.runner.write("Reject the document", write, on_done=done, on_error=self._failed)


def _with_item(conn: Connection, line: ProposedLine, item_name: str) -> ProposedLine:
    """The line tied to the item typed in its cell (by name or SKU); empty: no item."""
    if not item_name:
        return line
    try:
        found = stock_queries.item_by_name(conn, item_name)
    except NotFound:
        raise ValidationError(
            f"There is no item named {item_name!r}; clear the cell to enter the line "
            "without an item, or add the item first."
        ) from None
    return replace(line, item_id=found.id, item_name=found.name, uqc=found.unit)


__all__ = ["DocumentReview", "PageView", "StoredDocumentId"]
