"""The GST page's tables: summaries, the documents behind a row, and one document's lines.

Each table is a ``Table`` (the report viewer's cells and text) with a key per row, so that
activating a row can say which documents, or which document, it stands for.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.billing.model import PostedDocument
from app.errors import ValidationError
from app.gst.states import state_by_code
from app.reports.eway_bill import eway_bill_needed
from app.reports.table import Cell, Table
from app.ui.batched import BatchedTableModel, ModelIndex
from app.ui.pages.report_viewer import cell_text

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MAX_COLUMN = 360  # pixels


class KeyedTableModel(BatchedTableModel):
    """A ``Table`` shown as it is (its order is the form's), with a key behind each row."""

    batch = 1000

    def __init__(self) -> None:
        super().__init__()
        self.table = Table("", (), ())
        self.keys: tuple[object, ...] = ()

    def set_table(self, table: Table, keys: Sequence[object]) -> None:
        if len(keys) != len(table.rows):
            raise ValueError("one key per row")
        self.beginResetModel()
        self.table = table
        self.keys = tuple(keys)
        self.shown = min(len(table.rows), self.batch)
        self.endResetModel()

    def available(self) -> int:
        return len(self.table.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.table.columns[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self.table.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if cell is None else cell_text(cell)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(cell, (Decimal, int)):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(cell, str) and len(cell) > 40:
            return cell  # a long problem or description, whole
        return None

    def key(self, row: int) -> object:
        return self.keys[row]

    def cells(self, row: int) -> tuple[Cell, ...]:
        return self.table.rows[row]


def keyed_view(model: KeyedTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(24)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def fit_columns(view: QTableView, stretch: int = 0) -> None:
    """Columns as wide as their text, within reason; column ``stretch`` takes what is left
    (also when the view is resized, or fitted while its tab was hidden)."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN))
    if 0 <= stretch < header.count():
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def select_first(view: QTableView) -> None:
    model = view.model()
    if model.rowCount():
        view.setCurrentIndex(model.index(0, 0))


def party_text(document: PostedDocument) -> str:
    return document.counterparty.name or "Walk-in customer"


def documents_table(title: str, documents: Sequence[PostedDocument]) -> Table:
    """The documents behind a summary row, amounts as printed on them (always positive)."""
    rows: list[tuple[Cell, ...]] = [
        (
            d.number,
            d.doc_date,
            d.kind.label + (" (cancelled)" if d.cancelled else ""),
            party_text(d),
            d.counterparty.gstin or "",
            d.taxable,
            d.total_tax,
            d.grand_total,
        )
        for d in documents
    ]
    columns = ("Number", "Date", "Type", "Party", "GSTIN", "Taxable", "Tax", "Total")
    return Table(title, columns, tuple(rows))


def lines_table(document: PostedDocument) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (
            line.line_no,
            line.description,
            line.hsn,
            line.qty,
            line.uqc,
            line.unit_price,
            line.taxable,
            f"{line.gst_rate.normalize():f}%",
            line.cgst,
            line.sgst,
            line.igst,
            line.cess,
            line.total,
        )
        for line in document.lines
    ]
    head = document.state_tax_head
    columns = (
        "#",
        "Description",
        "HSN/SAC",
        "Qty",
        "UQC",
        "Price",
        "Taxable",
        "GST",
        "CGST",
        head,
        "IGST",
        "Cess",
        "Total",
    )
    return Table(f"{document.kind.label} {document.number}", columns, tuple(rows))


def _state_text(code: str) -> str:
    try:
        return f"{state_by_code(code).name} ({code})"
    except ValidationError:
        return code or "not set"


def document_heading(document: PostedDocument) -> str:
    """The document's head as rich text: who, where, and its totals."""
    party = document.counterparty
    facts = [
        f"<b>{html.escape(document.kind.label)} {html.escape(document.number)}</b> dated "
        f"{document.doc_date:%d-%m-%Y}" + (" · <b>cancelled</b>" if document.cancelled else ""),
        f"Party: {html.escape(party_text(document))}"
        + (f" · GSTIN {html.escape(party.gstin)}" if party.gstin else " · unregistered"),
        f"Place of supply: {html.escape(_state_text(document.place_of_supply))}"
        + (" · inter-state" if document.inter_state else " · intra-state")
        + (" · reverse charge" if document.reverse_charge else ""),
    ]
    if document.original_number:
        when = f" dated {document.original_date:%d-%m-%Y}" if document.original_date else ""
        facts.append(f"Against {html.escape(document.original_number)}{when}")
    totals = (
        f"Taxable {cell_text(document.taxable)} · CGST {cell_text(document.cgst)} · "
        f"{document.state_tax_head} {cell_text(document.sgst)} · IGST {cell_text(document.igst)}"
        f" · Cess {cell_text(document.cess)} · Round-off {cell_text(document.round_off)} · "
        f"<b>Total {cell_text(document.grand_total)}</b>"
    )
    facts.append(totals)
    return "<br>".join(facts)


class DocumentsPane(QWidget):
    """The documents behind one summary row; Enter or a double-click opens one."""

    opened = Signal(int)  # document id
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("gstDocumentsTitle")
        self.model = KeyedTableModel()
        self.view = keyed_view(self.model, "gstDocuments")
        self.view.activated.connect(self._activated)
        back = QPushButton("&Back (Esc)")
        back.clicked.connect(self.back.emit)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(back)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

    def show_documents(self, title: str, documents: Sequence[PostedDocument]) -> None:
        self.title.setText(f"<h3>{html.escape(title)}</h3>")
        self.model.set_table(documents_table(title, documents), [d.id for d in documents])
        fit_columns(self.view, stretch=3)  # the party
        select_first(self.view)
        self.view.setFocus()

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            key = self.model.key(index.row())
            assert isinstance(key, int)
            self.opened.emit(key)


class DocumentPane(QWidget):
    """One document, read-only: its head, lines and totals."""

    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: PostedDocument | None = None
        self.heading = QLabel()
        self.heading.setObjectName("gstDocumentHeading")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = QLabel()  # the e-way bill warning, wrapped under the head
        self.warning.setObjectName("gstDocumentWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #92400e;")
        self.model = KeyedTableModel()
        self.view = keyed_view(self.model, "gstDocumentLines")
        back = QPushButton("&Back (Esc)")
        back.clicked.connect(self.back.emit)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(back, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.warning)
        layout.addWidget(self.view, 1)

    def show_document(self, document: PostedDocument) -> None:
        self.document = document
        self.heading.setText(document_heading(document))
        warning = eway_bill_needed(document)
        self.warning.setText(warning or "")
        self.warning.setVisible(bool(warning))
        table = lines_table(document)
        self.model.set_table(table, [line.line_no for line in document.lines])
        fit_columns(self.view, stretch=1)  # the description
        select_first(self.view)
        self.view.setFocus()
