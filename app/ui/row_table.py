"""A batched table model over a plain list of rows under fixed column headings; a page's
model only says what each cell of a row shows."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QModelIndex, Qt

from app.ui.batched import BatchedTableModel, ModelIndex

RowT = TypeVar("RowT")


class RowsTableModel(BatchedTableModel, Generic[RowT]):
    headers: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RowT] = []

    def set_rows(self, rows: list[RowT]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.shown = min(len(rows), self.batch)
        self.endResetModel()

    def available(self) -> int:
        return len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None
