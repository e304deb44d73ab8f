"""Barcode labels and item import on the Inventory page.

Labels: pick items (search, Enter adds), copies each, A4 sheet or 50 x 25 mm roll, save a
PDF. Import: choose a CSV or Excel sheet, see every row with its problems, then Accept
(writes, all or none, or only the good rows) or Cancel (writes nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationError
from app.inventory import queries
from app.inventory.item_import import ImportPreview, ImportResult, accept_import, preview_import
from app.inventory.labels import LabelLayout, label_for, labels_pdf
from app.inventory.queries import ItemRow
from app.storage.company import Company
from app.ui.ops import JobContext, Runner, watch
from app.ui.pages.inventory_items import qty_text
from app.ui.widgets import StatusTab

LAYOUTS = (
    (LabelLayout.A4, "A4 sheet, 24 labels (70 x 37 mm)"),
    (LabelLayout.ROLL, "Roll, 50 x 25 mm"),
)


@dataclass(frozen=True)
class Chosen:
    item_id: int
    name: str
    copies: int


class LabelsTab(StatusTab):
    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(company, runner, parent)
        self.setObjectName("inventoryLabels")
        self.status.setObjectName("labelStatus")
        self.found: list[ItemRow] = []
        self.search = QLineEdit()
        self.search.setObjectName("labelSearch")
        self.search.setPlaceholderText("Find an item (name, SKU or barcode); Enter adds it")
        self.search.returnPressed.connect(self.find_items)
        self.hits = QTableWidget(0, 2)
        self.hits.setObjectName("labelHits")
        self.hits.setHorizontalHeaderLabels(["Item", "SKU"])
        self.hits.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.hits.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.hits.horizontalHeader().setStretchLastSection(True)
        self.hits.itemActivated.connect(lambda _cell: self.add_selected())
        self.copies = QSpinBox()
        self.copies.setRange(1, 500)
        add = QPushButton("&Add →")
        add.clicked.connect(self.add_selected)
        self.chosen = QTableWidget(0, 2)
        self.chosen.setObjectName("labelChosen")
        self.chosen.setHorizontalHeaderLabels(["Item", "Copies"])
        self.chosen.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.chosen.horizontalHeader().setStretchLastSection(True)
        self.items: list[Chosen] = []
        remove = QPushButton("&Remove")
        remove.clicked.connect(self.remove_selected)
        self.layout_choice = QComboBox()
        self.layout_choice.setObjectName("labelLayout")
        for layout, text in LAYOUTS:
            self.layout_choice.addItem(text, layout.value)
        self.price_list = QLineEdit("retail")
        self.price_list.setMaximumWidth(120)
        self.save_button = QPushButton("&Save PDF…")
        self.save_button.setObjectName("labelSave")
        self.save_button.clicked.connect(self.ask_pdf)
        self._lay_out(add, remove)

    def _lay_out(self, add: QPushButton, remove: QPushButton) -> None:
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.hits, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Copies"))
        row.addWidget(self.copies)
        row.addWidget(add)
        left.addLayout(row)
        right = QVBoxLayout()
        right.addWidget(QLabel("Labels to print"))
        right.addWidget(self.chosen, 1)
        right.addWidget(remove)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Layout"))
        bottom.addWidget(self.layout_choice)
        bottom.addWidget(QLabel("Price list"))
        bottom.addWidget(self.price_list)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.status)

    def find_items(self) -> None:
        company, term = self.company, self.search.text()

        def read(_ctx: JobContext) -> list[ItemRow]:
            with company.reader() as conn:
                return queries.search_items(conn, term, 100)

        self.runner.read("Find items", read, on_done=self._found, on_error=self.failed)

    def _found(self, rows: list[ItemRow]) -> None:
        self.found = rows
        self.hits.setRowCount(len(rows))
        for number, row in enumerate(rows):
            self.hits.setItem(number, 0, QTableWidgetItem(row.name))
            self.hits.setItem(number, 1, QTableWidgetItem(row.sku or ""))
        if len(rows) == 1:
            self.hits.setCurrentCell(0, 0)
            self.add_selected()  # a scanned barcode adds its item at once
        elif rows:
            self.hits.setCurrentCell(0, 0)
            self.hits.setFocus()
        else:
            self.say("No item matches.", ok=False)

    def add_selected(self) -> None:
        row = self.hits.currentRow()
        if not 0 <= row < len(self.found):
            return
        item = self.found[row]
        self.add(Chosen(int(item.id), item.name, self.copies.value()))
        self.search.selectAll()
        self.search.setFocus()

    def add(self, chosen: Chosen) -> None:
        self.items.append(chosen)
        number = self.chosen.rowCount()
        self.chosen.insertRow(number)
        self.chosen.setItem(number, 0, QTableWidgetItem(chosen.name))
        self.chosen.setItem(number, 1, QTableWidgetItem(str(chosen.copies)))
        total = sum(c.copies for c in self.items)
        self.say(f"{len(self.items)} items, {total} labels.")

    def remove_selected(self) -> None:
        row = self.chosen.currentRow()
        if 0 <= row < len(self.items):
            del self.items[row]
            self.chosen.removeRow(row)

    def ask_pdf(self) -> None:
        if not self.items:
            self.say("Choose at least one item to print labels for.", ok=False)
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save labels", "labels.pdf", "PDF (*.pdf)")
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        company, chosen = self.company, list(self.items)
        layout = LabelLayout(self.layout_choice.currentData())
        price_list = self.price_list.text().strip() or "retail"

        def make(ctx: JobContext) -> tuple[Path, int]:
            labels = []
            with company.reader() as conn:
                for number, pick in enumerate(chosen):
                    ctx.check()
                    ctx.progress(number, len(chosen), f"Label for {pick.name}")
                    label = label_for(queries.item(conn, pick.item_id), price_list)
                    labels += [label] * pick.copies
            pdf = labels_pdf(labels, layout)
            path.write_bytes(pdf)
            return path, len(labels)

        job = self.runner.read(
            "Barcode labels",
            make,
            on_done=lambda done: self.say(f"Saved {done[1]} labels to {done[0]}."),
            on_error=self.failed,
        )
        watch(job, self)


class ImportTab(StatusTab):
    """Preview first; only Accept writes."""

    imported = Signal(object)  # ImportResult

    columns = ("Line", "Item", "Opening qty", "Godown", "Problems")

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(company, runner, parent)
        self.setObjectName("inventoryImport")
        self.status.setObjectName("importStatus")
        self.preview: ImportPreview | None = None
        self.path = QLineEdit()
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText("A .csv or .xlsx sheet; the first row names the columns")
        choose = QPushButton("&Choose file…")
        choose.clicked.connect(self.ask_file)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.clicked.connect(self.load_preview)
        self.path.returnPressed.connect(self.load_preview)
        self.table = QTableWidget(0, len(self.columns))
        self.table.setObjectName("importTable")
        self.table.setHorizontalHeaderLabels(list(self.columns))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.skip = QCheckBox("Import only the good rows, skip rows with problems")
        self.skip.setObjectName("importSkip")
        self.accept_button = QPushButton("&Accept and import")
        self.accept_button.setObjectName("importAccept")
        self.accept_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton("Ca&ncel")
        self.cancel_button.setObjectName("importCancel")
        self.cancel_button.clicked.connect(self.cancel)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(choose)
        top.addWidget(self.preview_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.skip)
        bottom.addStretch(1)
        bottom.addWidget(self.accept_button)
        bottom.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        self._enable()

    def _enable(self) -> None:
        has = self.preview is not None
        self.accept_button.setEnabled(has)
        self.cancel_button.setEnabled(has)

    def ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import items", "", "Sheets (*.csv *.xlsx *.xlsm)"
        )
        if path:
            self.path.setText(path)
            self.load_preview()

    def load_preview(self) -> None:
        text = self.path.text().strip()
        if not text:
            self.say("Choose a file first.", ok=False)
            return
        company, path = self.company, Path(text)

        def read(ctx: JobContext) -> ImportPreview:
            if not path.is_file():
                raise ValidationError(f"There is no file {path}.")
            ctx.progress(0, 0, f"Reading {path.name}…")
            return preview_import(company, path)

        job = self.runner.read(
            "Import preview", read, on_done=self._previewed, on_error=self.failed
        )
        watch(job, self)

    def _previewed(self, preview: ImportPreview) -> None:
        self.preview = preview
        rows = preview.rows
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            cells = (
                str(row.line),
                row.name,
                qty_text(row.opening_qty) if row.opening_qty else "",
                row.godown if row.opening_qty else "",
                " ".join(row.problems),
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if row.problems:
                    cell.setBackground(QColor("#fecaca"))
                if column == 4:
                    cell.setToolTip(text)
                self.table.setItem(number, column, cell)
        bad = len(preview.problem_rows)
        text = f"{len(rows)} rows: {len(rows) - bad} good, {bad} with problems."
        if preview.ignored_columns:
            text += f" Columns not used: {', '.join(preview.ignored_columns)}."
        text += " Nothing is written until you accept."
        self.say(text, ok=not bad)
        self._enable()
        self.accept_button.setFocus()

    def accept(self) -> None:
        preview = self.preview
        if preview is None:
            return
        company, skip = self.company, self.skip.isChecked()

        def write(ctx: JobContext) -> ImportResult:
            ctx.progress(0, 0, "Importing…")
            return accept_import(company, preview, skip_problems=skip)

        job = self.runner.write("Import items", write, on_done=self._accepted, on_error=self.failed)
        watch(job, self)

    def _accepted(self, result: ImportResult) -> None:
        self._clear()
        self.say(
            f"Imported {len(result.item_ids)} items with {result.opening_lines} opening stock "
            f"lines; {result.skipped} rows skipped."
        )
        self.imported.emit(result)

    def cancel(self) -> None:
        self._clear()
        self.say("Import cancelled: nothing was written.")

    def _clear(self) -> None:
        self.preview = None
        self.table.setRowCount(0)
        self._enable()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
