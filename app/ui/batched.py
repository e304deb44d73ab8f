"""A table model that holds its rows in memory and hands them to the view in batches as it
scrolls (Qt's canFetchMore / fetchMore), so a 100,000-row report paints at once."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex

ModelIndex = QModelIndex | QPersistentModelIndex


class BatchedTableModel(QAbstractTableModel):
    batch = 500  # rows handed to the view at a time

    def __init__(self) -> None:
        super().__init__()
        self.shown = 0

    def available(self) -> int:
        """How many rows there are to show in all."""
        raise NotImplementedError

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.shown

    def canFetchMore(self, parent: ModelIndex) -> bool:
        return not parent.isValid() and self.shown < self.available()

    def fetchMore(self, parent: ModelIndex) -> None:
        if parent.isValid():
            return
        more = min(self.batch, self.available() - self.shown)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self.shown, self.shown + more - 1)
        self.shown += more
        self.endInsertRows()
