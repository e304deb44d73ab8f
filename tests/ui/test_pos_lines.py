"""The counter's bill table: a scan repaints only the new line, and what the window shows is
always what a full repaint would show (scrolling, edits, removals and resizes included)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QPaintEvent, QRegion
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.ui.pages.pos import COLUMNS, RIGHT_ALIGNED
from app.ui.pages.pos_lines import BillTable
from tests.ui.conftest import activate


def line(n: int, qty: int = 1) -> tuple[str, ...]:
    price = 10 + n % 90
    return (str(n + 1), f"Item {n:06d}", str(qty), "PCS", f"{price}.00", "", f"{price * qty}.00")


class PaintSpy(QObject):
    """The region each paint event of the watched widget asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.regions: list[QRegion] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QPaintEvent):
            self.regions.append(QRegion(event.region()))
        return False


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def shows_a_fresh_paint(table: BillTable) -> bool:
    """The window's backing store (what is on screen) equals painting it all afresh."""
    on_screen = table.screen().grabWindow(table.winId()).toImage()
    return bool(on_screen == table.grab().toImage())


@pytest.fixture
def bill(qtbot: QtBot) -> Iterator[BillTable]:
    made = BillTable(COLUMNS, RIGHT_ALIGNED, stretch=1)
    made.resize(760, 420)  # about 12 lines, so a long bill scrolls
    activate(qtbot, made)
    yield made
    made.close()


def test_a_new_line_repaints_itself_and_not_the_lines_above(bill: BillTable) -> None:
    spy = PaintSpy()
    bill.viewport().installEventFilter(spy)
    rows: list[tuple[str, ...]] = []
    for n in range(30):  # past the bottom: the bill scrolls to each new line
        rows.append(line(n))
        spy.regions.clear()
        bill.show_rows(rows)
        bill.selectRow(n)
        settle()
        assert spy.regions, f"line {n + 1} was never painted"
        painted = QRegion()
        for region in spy.regions:
            painted += region
        # The line before repaints too (it loses the selection); none above it.
        above = QRegion()
        for row in range(n - 1):
            top = bill.rowViewportPosition(row)
            above += QRect(0, top, bill.viewport().width(), bill.rowHeight(row))
        assert painted.intersected(above).isEmpty(), f"line {n + 1} repainted older lines"
        assert bill.viewport().rect().contains(bill.visualRect(bill.currentIndex()))
        assert shows_a_fresh_paint(bill), f"the screen is stale after line {n + 1}"


def test_a_plain_table_would_repaint_every_line(bill: BillTable) -> None:
    """The check above can fail: Qt's own relayout repaints the whole bill."""
    rows = [line(n) for n in range(5)]
    bill.show_rows(rows)
    settle()
    spy = PaintSpy()
    bill.viewport().installEventFilter(spy)
    bill.setRowCount(6)  # past show_rows: the table's own path
    settle()
    assert any(r.boundingRect() == bill.viewport().rect() for r in spy.regions)


SIZES = ((760, 420), (900, 300), (600, 700))
OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "qty", "remove", "scroll", "resize", "clear"]), st.integers(0, 60)
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_the_screen_always_matches_a_full_repaint(
    bill: BillTable, ops: list[tuple[str, int]]
) -> None:
    lines: list[int] = []  # item numbers, in bill order
    qty: dict[int, int] = {}
    bill.show_rows([])
    bill.resize(*SIZES[0])
    settle()
    for op, arg in ops:
        select = None
        if op == "add":
            for _ in range(1 + arg % 4):
                lines.append(len(qty))
                qty[lines[-1]] = 1
            select = len(lines) - 1
        elif op == "qty" and lines:
            select = arg % len(lines)
            qty[lines[select]] += 1
        elif op == "remove" and lines:
            del lines[arg % len(lines)]
        elif op == "scroll":
            bar = bill.verticalScrollBar()
            bar.setValue(arg % (bar.maximum() + 1))
        elif op == "resize":
            bill.resize(*SIZES[arg % len(SIZES)])
        elif op == "clear":
            lines.clear()
        rows = [(str(i + 1), *line(n, qty[n])[1:]) for i, n in enumerate(lines)]
        bill.show_rows(rows)
        if select is not None:
            bill.selectRow(select)
        settle()
        assert shows_a_fresh_paint(bill), f"stale after {op} {arg}"
        assert [bill.item(r, 1).text() for r in range(bill.rowCount())] == [x[1] for x in rows]
