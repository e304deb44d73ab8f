"""Inventory: items, godowns and transfers, batches, stock reports, labels and import, one
tab each (Alt+letter moves between them). A change on one tab refreshes the others that
show it, and ``stock_changed`` tells the window (the dashboard's low-stock tile)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.inventory_items import ItemsTab
from app.ui.pages.inventory_reports import StockReportsTab
from app.ui.pages.inventory_stock import BatchesTab, GodownsTab
from app.ui.pages.inventory_tools import ImportTab, LabelsTab


class InventoryPage(QTabWidget):
    stock_changed = Signal()

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inventoryPage")
        self.items = ItemsTab(company, runner)
        self.godowns = GodownsTab(company, runner)
        self.batches = BatchesTab(company, runner)
        self.reports = StockReportsTab(company, runner)
        self.labels = LabelsTab(company, runner)
        self.importer = ImportTab(company, runner)
        for tab, title in (
            (self.items, "&Items"),
            (self.godowns, "&Godowns and transfers"),
            (self.batches, "&Batches and expiry"),
            (self.reports, "Stock &reports"),
            (self.labels, "&Labels"),
            (self.importer, "I&mport"),
        ):
            self.addTab(tab, title)
        self.items.changed.connect(lambda _id: self.stock_changed.emit())
        self.godowns.changed.connect(self._stock_moved)
        self.importer.imported.connect(lambda _result: self._items_changed())

    def _stock_moved(self) -> None:
        if self.batches.loaded_once:
            self.batches.refresh()
        if self.items.loaded_once:
            self.items.refresh()
        self.stock_changed.emit()

    def _items_changed(self) -> None:
        if self.items.loaded_once:
            self.items.refresh()
        self.stock_changed.emit()
