"""The item list: every item in name order, fetched a page at a time as it scrolls, and a
search box that finds items by name, SKU or barcode as the user types.

Keys: type to search · Ctrl+N new item · Enter (or F2) change the item · Ctrl+I show
inactive items too.

Reads never run on the UI thread: a page the view wants shows "…" until the pool brings it,
and typing only restarts a short timer, so 100,000 items never make the keys wait.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.inventory import queries
from app.inventory.queries import ItemListRow, ItemView
from app.money import format_inr
from app.storage.company import Company
from app.ui.batched import ModelIndex
from app.ui.ops import JobContext, Runner
from app.ui.pages.inventory_form import ItemForm
from app.ui.widgets import show_failure

PAGE = 200  # rows read at a time
KEEP_PAGES = 40  # pages held in memory; the farthest from view are dropped
SEARCH_LIMIT = 200
DEBOUNCE_MS = 120
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def qty_text(qty: Decimal) -> str:
    """A quantity without trailing zeros: 12, 2.5, 0.125."""
    text = f"{qty:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class ItemsTableModel(QAbstractTableModel):
    """Either every item (ids in name order; each page's lines read when first painted) or a
    list of search results."""

    headers = ("Name", "SKU", "Barcode", "HSN/SAC", "GST %", "Rate", "On hand", "Unit", "MRP")
    numeric = frozenset({4, 5, 6, 8})

    def __init__(self, fetch: Callable[[int, int], None]) -> None:
        super().__init__()
        self._fetch = fetch  # (generation, page): read that page and call put_page
        self.generation = 0
        self.total = 0
        self.ids: list[int] = []
        self.pages: dict[int, list[ItemListRow]] = {}
        self.asked: set[int] = set()
        self.results: list[ItemListRow] | None = None

    def show_all(self, ids: list[int]) -> None:
        self.beginResetModel()
        self.generation += 1
        self.ids, self.total, self.results = ids, len(ids), None
        self.pages.clear()
        self.asked.clear()
        self.endResetModel()

    def show_results(self, rows: list[ItemListRow]) -> None:
        self.beginResetModel()
        self.generation += 1
        self.ids, self.total, self.results = [], len(rows), rows
        self.pages.clear()
        self.asked.clear()
        self.endResetModel()

    def put_page(self, generation: int, page: int, rows: list[ItemListRow]) -> None:
        if generation != self.generation:
            return  # read for a list that has since been replaced
        self.asked.discard(page)
        self.pages[page] = rows
        if len(self.pages) > KEEP_PAGES:
            farthest = max(self.pages, key=lambda p: abs(p - page))
            del self.pages[farthest]
        first, last = page * PAGE, min(self.total, (page + 1) * PAGE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.headers) - 1))

    def row_at(self, row: int) -> ItemListRow | None:
        """The row if it is here; otherwise its page is asked for and None returned."""
        if not 0 <= row < self.total:
            return None
        if self.results is not None:
            return self.results[row]
        page, offset = divmod(row, PAGE)
        rows = self.pages.get(page)
        if rows is None:
            if page not in self.asked:
                self.asked.add(page)
                self._fetch(self.generation, page)
            return None
        return rows[offset] if offset < len(rows) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.numeric:
            return _RIGHT
        return None

    def data(self, index: ModelIndex, role: int = 0) -> object:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.column() in self.numeric else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        line = self.row_at(index.row())
        if line is None:
            return "…" if index.column() == 0 else ""
        item = line.item
        return (
            item.name + ("" if item.active else " (inactive)"),
            item.sku or "",
            line.barcode,
            item.hsn,
            qty_text(item.gst_rate),
            format_inr(item.sale_price),
            qty_text(line.on_hand),
            item.unit,
            "" if item.mrp is None else format_inr(item.mrp),
        )[index.column()]


class ItemsTab(QWidget):
    """The list with its search box; opens the item form."""

    changed = Signal(int)  # an item was added or changed

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inventoryItems")
        self.company = company
        self.runner = runner
        self.form: ItemForm | None = None
        self._request = 0
        self.search = QLineEdit()
        self.search.setObjectName("itemSearch")
        self.search.setPlaceholderText("Search by name, SKU or barcode")
        self.search.setClearButtonEnabled(True)
        self.inactive = QCheckBox("Show &inactive")
        self.new_button = QPushButton("&New item (Ctrl+N)")
        self.new_button.clicked.connect(self.new_item)
        self.edit_button = QPushButton("&Change (Enter)")
        self.edit_button.clicked.connect(self.edit_item)
        self.model = ItemsTableModel(self._read_page)
        self.table = QTableView()
        self.table.setObjectName("itemTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        header = self.table.verticalHeader()
        header.setVisible(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row sizing
        header.setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _index: self.edit_item())
        self.status = QLabel()
        self.status.setObjectName("itemStatus")
        self._lay_out()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self._to_table)
        self.inactive.toggled.connect(lambda _on: self.refresh())
        for key, run in (
            ("Ctrl+N", self.new_item),
            ("F2", self.edit_item),
            ("Ctrl+I", self.inactive.toggle),
        ):
            shortcut = QShortcut(QKeySequence(key), self, run)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.loaded_once = False

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.inactive)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded_once:
            self.loaded_once = True
            self.refresh()
        QTimer.singleShot(0, self.search.setFocus)

    def _to_table(self) -> None:
        self.table.setFocus()
        if self.model.total and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    # -- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """The list again for what is typed now; an answer to an older request is dropped."""
        self._timer.stop()
        self._request += 1
        request, company = self._request, self.company
        term, everything = self.search.text().strip(), self.inactive.isChecked()

        if term:

            def find(_ctx: JobContext) -> list[ItemListRow]:
                with company.reader() as conn:
                    found = queries.search_items(
                        conn, term, SEARCH_LIMIT, include_inactive=everything
                    )
                    return queries.item_list_rows(conn, found)

            self.runner.read(
                "Search items",
                find,
                on_done=lambda rows: self._found(request, rows),
                on_error=self._failed,
            )
            return

        def listed(_ctx: JobContext) -> list[int]:
            with company.reader() as conn:
                return queries.item_ids(conn, include_inactive=everything)

        self.runner.read(
            "Items",
            listed,
            on_done=lambda ids: self._listed(request, ids),
            on_error=self._failed,
        )

    def _found(self, request: int, rows: list[ItemListRow]) -> None:
        if request != self._request:
            return
        self.model.show_results(rows)
        more = " (the first ones; type more to narrow)" if len(rows) >= SEARCH_LIMIT else ""
        self.status.setText(f"{len(rows)} items match{more}." if rows else "No item matches.")
        if rows:
            self.table.selectRow(0)

    def _listed(self, request: int, ids: list[int]) -> None:
        if request != self._request:
            return
        self.model.show_all(ids)
        total = len(ids)
        self.status.setText(
            f"{total:,} items." if total else "No items yet: Ctrl+N adds one, or import a sheet."
        )
        if total:
            self.table.selectRow(0)

    def _read_page(self, generation: int, page: int) -> None:
        company, ids = self.company, self.model.ids[page * PAGE : (page + 1) * PAGE]

        def read(_ctx: JobContext) -> list[ItemListRow]:
            with company.reader() as conn:
                return queries.item_list_page(conn, ids)

        self.runner.read(
            "Items page",
            read,
            on_done=lambda rows: self.model.put_page(generation, page, rows),
            on_error=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        show_failure(self, exc, self.status.setText)

    def selected(self) -> ItemListRow | None:
        return self.model.row_at(self.table.currentIndex().row())

    # -- the form ------------------------------------------------------------------------------
    def new_item(self) -> None:
        self._open_form(None)

    def edit_item(self) -> None:
        line = self.selected()
        if line is None:
            return
        company, item_id = self.company, line.item.id

        def read(_ctx: JobContext) -> ItemView:
            with company.reader() as conn:
                return queries.item(conn, item_id)

        self.runner.read("Item", read, on_done=self._open_form, on_error=self._failed)

    def _open_form(self, existing: ItemView | None) -> None:
        form = ItemForm(self.company, self.runner, self, existing=existing)
        form.saved.connect(self._saved)
        form.open()
        self.form = form

    def _saved(self, item_id: int) -> None:
        self.changed.emit(item_id)
        self.refresh()
