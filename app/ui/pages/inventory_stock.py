"""Godowns, transfers between them and physical counts; batches with their expiry and the
first-expiry-first-out suggestion. Items are named as people name them: by name, SKU or a
scanned barcode. Every write goes through the inventory services on the writer thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
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
from sqlalchemy import Connection

from app.errors import NotFound, ValidationError
from app.inventory import queries
from app.inventory.model import BatchId, GodownId, ItemId
from app.inventory.queries import BatchPick, Godown, ItemRow
from app.inventory.service import (
    CountLine,
    PostedStock,
    StockLine,
    add_godown,
    count_stock,
    transfer_stock,
)
from app.inventory.stock_reports import BatchRow, ExpiryStatus, batch_report
from app.storage.company import Company
from app.ui.ops import JobContext, Runner
from app.ui.pages.inventory_form import parse_number
from app.ui.pages.inventory_items import qty_text
from app.ui.widgets import DateField, StatusTab

_STATUS_COLOURS = {ExpiryStatus.EXPIRED: "#fecaca", ExpiryStatus.EXPIRING: "#fef3c7"}


def find_item(conn: Connection, text: str) -> ItemRow:
    """The item a person means: a scanned barcode, a name or SKU, or the one search hit."""
    text = " ".join(text.split())
    if not text:
        raise ValidationError("Name the item: its name, SKU or barcode.")
    by_code = queries.item_by_barcode(conn, text)
    if by_code is not None:
        return by_code
    try:
        return queries.item_by_name(conn, text)
    except NotFound:
        hits = queries.search_items(conn, text, 2)
        if len(hits) == 1:
            return hits[0]
        raise NotFound(
            f"No single item matches {text!r}. Type its full name, SKU or barcode."
        ) from None


def find_batch(conn: Connection, item: ItemRow, batch_no: str) -> int | None:
    if not item.batch_tracked:
        if batch_no.strip():
            raise ValidationError(f"{item.name} is not tracked by batch; leave the batch empty.")
        return None
    if not batch_no.strip():
        raise ValidationError(f"{item.name} is tracked by batch: give the batch number.")
    return int(queries.batch_by_number(conn, item.id, batch_no).id)


def quantity(field: QLineEdit, what: str = "quantity") -> Decimal:
    value = parse_number(field.text(), what)
    if value is None:
        raise ValidationError(f"Give the {what}.")
    return value


class _Panel(StatusTab):
    """A page of forms that read through the pool, write through the writer, and show the
    outcome (or what to fix) in its status line."""

    changed = Signal()  # stock or godowns changed

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(company, runner, parent)
        self.status.setObjectName("stockStatus")
        self.loaded_once = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded_once:  # read when first shown, not when the window opens
            self.loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError

    def write(
        self, name: str, fn: Callable[[JobContext], Any], done: Callable[[Any], None]
    ) -> None:
        self.runner.write(name, fn, on_done=done, on_error=self.failed)


class GodownsTab(_Panel):
    """Godowns with their stock lines; transfers between them; a physical count."""

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(company, runner, parent)
        self.setObjectName("inventoryGodowns")
        self.godowns: list[Godown] = []
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("godownTable")
        self.table.setHorizontalHeaderLabels(["Godown", "Address", "Open"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("godownName")
        self.new_name.setPlaceholderText("New godown name")
        self.new_address = QLineEdit()
        self.new_address.setPlaceholderText("Address")
        add = QPushButton("&Add godown")
        add.clicked.connect(self.add_godown)
        self.new_name.returnPressed.connect(self.add_godown)
        self._build_transfer()
        self._build_count()
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_name)
        row.addWidget(self.new_address)
        row.addWidget(add)
        left.addLayout(row)
        right = QVBoxLayout()
        right.addWidget(self.transfer_box)
        right.addWidget(self.count_box)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.status)

    def _build_transfer(self) -> None:
        self.transfer_box = QGroupBox("Transfer stock between godowns")
        self.from_godown = QComboBox()
        self.from_godown.setObjectName("transferFrom")
        self.to_godown = QComboBox()
        self.to_godown.setObjectName("transferTo")
        self.transfer_item = QLineEdit()
        self.transfer_item.setObjectName("transferItem")
        self.transfer_item.setPlaceholderText("Item name, SKU or barcode")
        self.transfer_qty = QLineEdit()
        self.transfer_qty.setObjectName("transferQty")
        self.transfer_batch = QLineEdit()
        self.transfer_batch.setPlaceholderText("only for batch-tracked items")
        self.transfer_date = DateField(date.today())
        self.transfer_note = QLineEdit()
        self.transfer_button = QPushButton("&Transfer")
        self.transfer_button.setObjectName("transferButton")
        self.transfer_button.clicked.connect(self.transfer)
        form = QFormLayout(self.transfer_box)
        form.addRow("&From", self.from_godown)
        form.addRow("T&o", self.to_godown)
        form.addRow("&Item", self.transfer_item)
        form.addRow("&Quantity (base unit)", self.transfer_qty)
        form.addRow("&Batch", self.transfer_batch)
        form.addRow("&Date", self.transfer_date)
        form.addRow("&Narration", self.transfer_note)
        form.addRow("", self.transfer_button)

    def _build_count(self) -> None:
        self.count_box = QGroupBox("Physical count: set the books to what is on the shelf")
        self.count_godown = QComboBox()
        self.count_godown.setObjectName("countGodown")
        self.count_item = QLineEdit()
        self.count_item.setObjectName("countItem")
        self.count_item.setPlaceholderText("Item name, SKU or barcode")
        self.counted = QLineEdit()
        self.counted.setObjectName("countQty")
        self.count_batch = QLineEdit()
        self.count_batch.setPlaceholderText("only for batch-tracked items")
        self.count_date = DateField(date.today())
        self.count_button = QPushButton("&Record the count")
        self.count_button.setObjectName("countButton")
        self.count_button.clicked.connect(self.count)
        form = QFormLayout(self.count_box)
        form.addRow("Go&down", self.count_godown)
        form.addRow("It&em", self.count_item)
        form.addRow("&Counted", self.counted)
        form.addRow("Batc&h", self.count_batch)
        form.addRow("Dat&e", self.count_date)
        form.addRow("", self.count_button)

    # -- godowns -------------------------------------------------------------------------------
    def refresh(self) -> None:
        company = self.company

        def read(_ctx: JobContext) -> list[Godown]:
            with company.reader() as conn:
                return queries.godown_list(conn)

        self.runner.read("Godowns", read, on_done=self._listed, on_error=self.failed)

    def _listed(self, godowns: list[Godown]) -> None:
        self.godowns = godowns
        self.table.setRowCount(len(godowns))
        for row, godown in enumerate(godowns):
            for column, text in enumerate(
                (godown.name, godown.address, "yes" if godown.active else "closed")
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
        for combo in (self.from_godown, self.to_godown, self.count_godown):
            kept = combo.currentData()
            combo.clear()
            for godown in godowns:
                if godown.active:
                    combo.addItem(godown.name, int(godown.id))
            combo.setCurrentIndex(max(0, combo.findData(kept)))
        if self.to_godown.count() > 1 and self.to_godown.currentIndex() == 0:
            self.to_godown.setCurrentIndex(1)

    def add_godown(self) -> None:
        company, name, address = self.company, self.new_name.text(), self.new_address.text()

        def write(_ctx: JobContext) -> int:
            return int(add_godown(company, name, address))

        def done(_godown_id: int) -> None:
            self.new_name.clear()
            self.new_address.clear()
            self.say(f"Added godown {' '.join(name.split())}.")
            self.refresh()
            self.changed.emit()

        self.write("Add a godown", write, done)

    # -- transfer and count --------------------------------------------------------------------
    def transfer(self) -> None:
        try:
            qty = quantity(self.transfer_qty)
            on = self.transfer_date.value()
            if on is None:
                raise ValidationError("Type the date as dd-mm-yyyy.")
            if self.from_godown.currentIndex() < 0 or self.to_godown.currentIndex() < 0:
                raise ValidationError("Choose both godowns.")
        except ValidationError as exc:
            self.say(str(exc), ok=False)
            return
        company = self.company
        source = GodownId(self.from_godown.currentData())
        target = GodownId(self.to_godown.currentData())
        item_text, batch_text = self.transfer_item.text(), self.transfer_batch.text()
        narration = self.transfer_note.text()

        def write(_ctx: JobContext) -> tuple[str, PostedStock]:
            with company.reader() as conn:
                item = find_item(conn, item_text)
                batch = find_batch(conn, item, batch_text)
            line = StockLine(ItemId(item.id), qty, None if batch is None else BatchId(batch))
            posted = transfer_stock(company, source, target, [line], on, narration)
            return f"{qty_text(qty)} {item.unit} of {item.name}", posted

        def done(result: tuple[str, PostedStock]) -> None:
            what, posted = result
            text = f"Moved {what} from {self.from_godown.currentText()} to "
            text += f"{self.to_godown.currentText()}."
            self.say(" ".join([text, *posted.warnings]), ok=not posted.warnings)
            self.transfer_qty.clear()
            self.changed.emit()

        self.write("Transfer stock", write, done)

    def count(self) -> None:
        try:
            counted = quantity(self.counted, "counted quantity")
            on = self.count_date.value()
            if on is None:
                raise ValidationError("Type the date as dd-mm-yyyy.")
            if self.count_godown.currentIndex() < 0:
                raise ValidationError("Choose the godown that was counted.")
        except ValidationError as exc:
            self.say(str(exc), ok=False)
            return
        company = self.company
        godown = GodownId(self.count_godown.currentData())
        item_text, batch_text = self.count_item.text(), self.count_batch.text()

        def write(_ctx: JobContext) -> tuple[str, PostedStock | None]:
            with company.reader() as conn:
                item = find_item(conn, item_text)
                batch = find_batch(conn, item, batch_text)
            line = CountLine(ItemId(item.id), counted, None if batch is None else BatchId(batch))
            return item.name, count_stock(company, godown, [line], on)

        def done(result: tuple[str, PostedStock | None]) -> None:
            name, posted = result
            if posted is None:
                self.say(f"The count of {name} matches the books; nothing to adjust.")
            else:
                self.say(" ".join([f"{name} adjusted to {self.counted.text()}.", *posted.warnings]))
                self.changed.emit()
            self.counted.clear()

        self.write("Record a physical count", write, done)


@dataclass(frozen=True)
class FefoAnswer:
    item: ItemRow
    picks: tuple[BatchPick, ...]
    short: Decimal


class BatchesTab(_Panel):
    """Batches in stock, soonest expiry first (expired in red, expiring soon in amber), and
    which batches to sell a quantity from, first expiry first out."""

    columns = ("Item", "Batch", "Mfg", "Expiry", "Godown", "Quantity", "Days left", "Status")

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(company, runner, parent)
        self.setObjectName("inventoryBatches")
        self.rows: list[BatchRow] = []
        self._request = 0
        self.on = DateField(date.today())
        self.within = QSpinBox()
        self.within.setRange(0, 3650)
        self.within.setValue(90)
        show = QPushButton("&Show")
        show.clicked.connect(self.refresh)
        self.table = QTableWidget(0, len(self.columns))
        self.table.setObjectName("batchTable")
        self.table.setHorizontalHeaderLabels(list(self.columns))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fefo_item = QLineEdit()
        self.fefo_item.setObjectName("fefoItem")
        self.fefo_item.setPlaceholderText("Item name, SKU or barcode")
        self.fefo_qty = QLineEdit()
        self.fefo_qty.setObjectName("fefoQty")
        self.fefo_godown = QComboBox()
        self.fefo_godown.setObjectName("fefoGodown")
        suggest = QPushButton("Su&ggest batches")
        suggest.clicked.connect(self.suggest)
        self.fefo_answer = QLabel()
        self.fefo_answer.setObjectName("fefoAnswer")
        self.fefo_answer.setWordWrap(True)
        top = QHBoxLayout()
        for widget in (QLabel("As of"), self.on, QLabel("Expiring within (days)"), self.within):
            top.addWidget(widget)
        top.addWidget(show)
        top.addStretch(1)
        fefo = QGroupBox("First expiry first out: which batches to sell from")
        row = QHBoxLayout(fefo)
        for part in (
            self.fefo_item,
            QLabel("Qty"),
            self.fefo_qty,
            QLabel("Godown"),
            self.fefo_godown,
            suggest,
        ):
            row.addWidget(part)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(fefo)
        layout.addWidget(self.fefo_answer)
        layout.addWidget(self.status)

    def refresh(self) -> None:
        on = self.on.value() or date.today()
        within, company = self.within.value(), self.company
        self._request += 1
        request = self._request

        def read(_ctx: JobContext) -> tuple[list[BatchRow], list[Godown]]:
            with company.reader() as conn:
                return batch_report(conn, on, within_days=within), queries.godown_list(conn)

        self.runner.read(
            "Batches",
            read,
            on_done=lambda found: self._listed(request, found),
            on_error=self.failed,
        )

    def _listed(self, request: int, found: tuple[list[BatchRow], list[Godown]]) -> None:
        if request != self._request:
            return  # an older request came back after a newer one
        rows, godowns = found
        self.rows = rows
        kept = self.fefo_godown.currentData()
        self.fefo_godown.clear()
        for godown in godowns:
            self.fefo_godown.addItem(godown.name, int(godown.id))
        self.fefo_godown.setCurrentIndex(max(0, self.fefo_godown.findData(kept)))
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            cells = (
                row.item,
                row.batch_no,
                "" if row.mfg_date is None else f"{row.mfg_date:%d-%m-%Y}",
                "" if row.expiry_date is None else f"{row.expiry_date:%d-%m-%Y}",
                row.godown,
                qty_text(row.qty),
                "" if row.days_left is None else str(row.days_left),
                str(row.status),
            )
            colour = _STATUS_COLOURS.get(row.status)
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if colour:
                    cell.setBackground(QColor(colour))
                self.table.setItem(number, column, cell)
        expired = sum(1 for r in rows if r.status is ExpiryStatus.EXPIRED)
        self.say(f"{len(rows)} batches in stock, {expired} expired.", ok=not expired)

    def suggest(self) -> None:
        on = self.on.value() or date.today()
        try:
            qty = quantity(self.fefo_qty)
        except ValidationError as exc:
            self.say(str(exc), ok=False)
            return
        if self.fefo_godown.currentIndex() < 0:
            self.say("Choose the godown to sell from.", ok=False)
            return
        company, text = self.company, self.fefo_item.text()
        godown = int(self.fefo_godown.currentData())

        def read(_ctx: JobContext) -> FefoAnswer:
            with company.reader() as conn:
                item = find_item(conn, text)
                picks, short = queries.fefo_batches(conn, item.id, godown, qty, on)
            return FefoAnswer(item, tuple(picks), short)

        self.runner.read(
            "First expiry first out", read, on_done=self._suggested, on_error=self.failed
        )

    def _suggested(self, answer: FefoAnswer) -> None:
        unit = answer.item.unit
        parts = [
            f"{qty_text(p.take)} {unit} from batch {p.batch.batch_no}"
            + (f" (expires {p.batch.expiry_date:%d-%m-%Y})" if p.batch.expiry_date else "")
            for p in answer.picks
        ]
        text = "Take " + "; ".join(parts) + "." if parts else "No unexpired batch in stock there."
        if answer.short > 0:
            text += f" {qty_text(answer.short)} {unit} is not covered by any unexpired batch."
        self.fefo_answer.setText(f"{answer.item.name}: {text}")
