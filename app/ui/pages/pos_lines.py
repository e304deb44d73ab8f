"""The counter's bill on screen: a table that repaints only what a scan changed.

A scan adds a line at the end or changes one line, and the cashier waits for it to paint.
A plain ``QTableWidget`` answers any change in its row count with a relayout that repaints
every visible row (about 0.1 ms a row, so a 25-line bill costs several milliseconds a scan).
A line added at the end moves no other line, so here only the rows from it down repaint; a
line removed still repaints the whole bill, since the lines below it move up.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QHeaderView,
    QScrollBar,
    QStyle,
    QStyleOption,
    QStyleOptionSlider,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

ROW_PADDING_PX = 10  # above and below the text of a line


class _ScrollBar(QScrollBar):
    """The bill's scroll bar, painted flat. Once a bill outgrows the table every scan moves
    the handle, and Fusion's gradients over the bill's height made such a scan take twice
    as long (bench/billing.py: 12 ms against 5.5 ms a scan past the 23rd line). The parts
    are where the style puts them, so clicks and drags land as they would on Fusion's."""

    def sliderChange(self, change: QAbstractSlider.SliderChange) -> None:
        # The table resets the steps on every new line; while there is nothing to scroll
        # they change nothing seen.
        steps = change == QAbstractSlider.SliderChange.SliderStepsChange
        if not (steps and self.minimum() == self.maximum()):
            super().sliderChange(change)

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style, palette = self.style(), self.palette()
        painter = QPainter(self)
        painter.fillRect(self.rect(), palette.window())
        if self.minimum() == self.maximum():
            return  # nothing to scroll: an empty groove
        for part in (QStyle.SubControl.SC_ScrollBarSubLine, QStyle.SubControl.SC_ScrollBarAddLine):
            option.subControls = part
            area = style.subControlRect(QStyle.ComplexControl.CC_ScrollBar, option, part, self)
            arrow = QStyleOption()
            arrow.initFrom(self)
            arrow.rect = area.adjusted(3, 3, -3, -3)
            up = part == QStyle.SubControl.SC_ScrollBarSubLine
            kind = (
                QStyle.PrimitiveElement.PE_IndicatorArrowUp
                if up
                else (QStyle.PrimitiveElement.PE_IndicatorArrowDown)
            )
            style.drawPrimitive(kind, arrow, painter, self)
        handle = style.subControlRect(
            QStyle.ComplexControl.CC_ScrollBar, option, QStyle.SubControl.SC_ScrollBarSlider, self
        )
        painter.fillRect(handle.adjusted(2, 1, -2, -1), palette.mid())


class BillTable(QTableWidget):
    """The lines of the bill, one row each; ``show_rows`` puts the cells on screen."""

    def __init__(
        self,
        columns: Sequence[str],
        right_aligned: frozenset[int],
        stretch: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(0, len(columns), parent)
        self._right = right_aligned
        self._shown: list[tuple[str, ...]] = []  # the cells on screen, row by row
        self._added_from: int | None = None  # first row added since the last layout
        self.setHorizontalHeaderLabels(list(columns))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        # The scroll bar shows from the start: appearing when the bill outgrows the table it
        # would narrow the viewport, re-stretch the item column and repaint every line.
        self.setVerticalScrollBar(_ScrollBar(Qt.Orientation.Vertical))
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        # A font, not a style sheet: style sheets route every cell's painting through
        # QStyleSheetStyle, several times slower.
        font = self.font()
        font.setPixelSize(15)
        self.setFont(font)
        # Every line is one line of text high: rows are never measured.
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(QFontMetrics(font).height() + ROW_PADDING_PX)

    def show_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        """Put these cells on screen; a row that did not change is not touched."""
        self._set_row_count(len(rows))
        del self._shown[len(rows) :]
        for row, cells in enumerate(rows):
            if row < len(self._shown):
                if self._shown[row] != cells:
                    self._put(row, cells)
                    self._shown[row] = cells
            else:
                self._put(row, cells)
                self._shown.append(cells)

    def _set_row_count(self, count: int) -> None:
        before = self.rowCount()
        if count > before:
            if self._added_from is None:
                self._added_from = before
        elif count < before:
            self._added_from = None  # the rows below a removed one move up: repaint them all
        offset = self.verticalOffset()
        self.setRowCount(count)
        if self._added_from is not None:
            # The scroll range now, not at the relayout, so that selecting the new line
            # scrolls to it by moving the painted rows up; only the rows uncovered repaint.
            self.updateGeometries()
            moved = offset - self.verticalOffset()  # a bill scrolled to its end stays there
            if moved:
                self.viewport().scroll(0, moved)

    def _put(self, row: int, cells: tuple[str, ...]) -> None:
        for column, text in enumerate(cells):
            item = self.item(row, column)
            if item is None:
                item = QTableWidgetItem(text)
                if column in self._right:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.setItem(row, column, item)
            elif item.text() != text:
                item.setText(text)

    def doItemsLayout(self) -> None:
        """Qt's relayout after the row count changed: when rows were only added at the end,
        update the scroll range and repaint from the first new row down, not every row."""
        added_from, self._added_from = self._added_from, None
        if added_from is None or added_from > self.rowCount():
            super().doItemsLayout()
            return
        offset = self.verticalOffset()
        self.updateGeometries()
        viewport = self.viewport()
        # Should the painted rows have moved after all, repaint them all.
        top = max(0, self.rowViewportPosition(added_from)) if offset == self.verticalOffset() else 0
        if top < viewport.height():
            viewport.update(0, top, viewport.width(), viewport.height() - top)
