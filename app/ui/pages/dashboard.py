"""Dashboard: today's figures as tiles, each opening its report, and three charts.

The tiles paint first; the charts (pyqtgraph) are built once the window is on screen, so
their import never delays the start.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.assistant.tools import run_tool
from app.inventory.queries import ItemRow, low_stock
from app.money import format_inr
from app.reports.dashboard import AGEING_BUCKETS, Dashboard, dashboard
from app.storage.company import Company
from app.ui.ops import JobContext, Runner

LOW_STOCK_LIMIT = 100  # the tile counts up to this many; the Inventory page lists them all


def rupees(amount: Decimal) -> str:
    return f"₹ {format_inr(amount)}"


class Tile(QFrame):
    """A figure with a caption; Enter, Space or a click opens its report."""

    opened = Signal(str, str)  # report name, account

    def __init__(self, caption: str, report: str, account: str = "") -> None:
        super().__init__()
        self.setObjectName("tile")
        self.report = report
        self.account = account
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(118)
        self.caption = QLabel(caption)
        self.caption.setObjectName("tileCaption")
        self.value = QLabel("…")
        self.value.setObjectName("tileValue")
        self.detail = QLabel()
        self.detail.setObjectName("tileDetail")
        self.detail.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        self.setToolTip(f"Opens {report}" + (f": {account}" if account else ""))

    def set_figure(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.opened.emit(self.report, self.account)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.opened.emit(self.report, self.account)
            return
        super().keyPressEvent(event)


_STYLE = """
QFrame#tile { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; }
QFrame#tile:focus { border: 2px solid #f59e0b; }
QLabel#tileCaption { color: palette(placeholder-text); font-size: 12px; }
QLabel#tileValue { font-size: 22px; font-weight: 600; }
QLabel#tileDetail { font-size: 11px; }
"""


class DashboardPage(QScrollArea):
    open_report = Signal(str, str)  # report name, account

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.board: Dashboard | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setStyleSheet(_STYLE)
        self.setWidget(body)
        self.heading = QLabel("<h2>Dashboard</h2>")
        self.tiles = {
            "sales_today": Tile("Today's sales", "Day book"),
            "sales_month": Tile("Sales this month", "Ledger", "Sales"),
            "cash": Tile("Cash and bank", "Ledger", "Cash"),
            "receivables": Tile("Customers owe you", "Trial balance"),
            "payables": Tile("You owe suppliers", "Trial balance"),
            "gst": Tile("GST payable this month", "Trial balance"),
            "stock": Tile("Low stock", "Inventory"),
            "insights": Tile("Sales next 7 days (forecast)", "Assistant"),
        }
        self.insights: tuple[dict[str, Any], dict[str, Any]] | None = None
        self.tiles["stock"].set_figure("…", "Items at or below their reorder level")
        grid = QGridLayout()
        for index, tile in enumerate(self.tiles.values()):
            grid.addWidget(tile, index // 4, index % 4)
            tile.opened.connect(self.open_report)
        self.charts = QGridLayout()
        self.chart_layouts: dict[str, QVBoxLayout] = {}
        self.chart_slots = {
            name: self._chart_slot(name, title)
            for name, title in (
                ("sales", "Sales by day, last 90 days"),
                ("expenses", "Expenses this year"),
                ("items", "Top items"),
            )
        }
        self.charts.addWidget(self.chart_slots["sales"], 0, 0, 1, 2)
        self.charts.addWidget(self.chart_slots["expenses"], 1, 0)
        self.charts.addWidget(self.chart_slots["items"], 1, 1)
        self.status = QLabel()
        layout = QVBoxLayout(body)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.status)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addLayout(self.charts, 1)
        self._loaded_once = False

    def _chart_slot(self, name: str, title: str) -> QFrame:
        frame = QFrame()
        frame.setObjectName("tile")
        frame.setMinimumHeight(240)
        frame.setMaximumHeight(300)
        layout = QVBoxLayout(frame)
        layout.addWidget(QLabel(f"<b>{html.escape(title)}</b>"))
        self.chart_layouts[name] = layout
        return frame

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self, as_of: date | None = None) -> None:
        company, day = self.company, as_of or date.today()
        self.status.setText("Loading…")

        def read(_ctx: JobContext) -> Dashboard:
            return dashboard(company, day)

        self.runner.read("Dashboard", read, on_done=self._loaded)

        def low(_ctx: JobContext) -> list[tuple[ItemRow, Decimal]]:
            with company.reader() as conn:
                return low_stock(conn, LOW_STOCK_LIMIT)

        self.runner.read("Low stock", low, on_done=self._low_stock)

        def insights(_ctx: JobContext) -> tuple[dict[str, Any], dict[str, Any]]:
            # The assistant's own tools: the tile and its answers never disagree.
            forecast = run_tool(company, "sales_forecast", {"as_of": day.isoformat(), "weeks": 1})
            return forecast, run_tool(company, "unusual_entries", {"as_of": day.isoformat()})

        self.runner.read("Insights", insights, on_done=self._insights)

    def _insights(self, found: tuple[dict[str, Any], dict[str, Any]]) -> None:
        self.insights = found
        forecast, flags = found
        checks = len(flags["duplicate_bills"]) + len(flags["unusual_amounts"])
        detail = (
            f"{checks} to check: possible duplicate bills or unusual amounts"
            if checks
            else "No duplicate bills or unusual amounts"
        )
        week = forecast["weeks"][0]
        value = rupees(Decimal(week["forecast"])) if forecast["history"]["weeks"] else "—"
        self.tiles["insights"].set_figure(value, detail)

    def _low_stock(self, rows: list[tuple[ItemRow, Decimal]]) -> None:
        count = f"{len(rows)}+" if len(rows) >= LOW_STOCK_LIMIT else str(len(rows))
        names = " · ".join(f"{item.name} {qty.normalize():f}" for item, qty in rows[:3])
        self.tiles["stock"].set_figure(
            f"{count} item{'' if len(rows) == 1 else 's'}" if rows else "None",
            names or "Every item is above its reorder level",
        )

    def _loaded(self, board: Dashboard) -> None:
        self.board = board
        self.status.setText(f"As of {board.as_of:%d-%m-%Y}")
        t = self.tiles
        t["sales_today"].set_figure(rupees(board.sales_today))
        t["sales_month"].set_figure(rupees(board.sales_month), f"{board.as_of:%B %Y}")
        t["cash"].set_figure(
            rupees(board.cash_and_bank),
            " · ".join(f"{name} {format_inr(amount)}" for name, amount in board.money[:3]),
        )
        for key, ageing in (("receivables", board.receivables), ("payables", board.payables)):
            spread = " · ".join(
                f"{label} {format_inr(amount)}"
                for label, amount in zip(AGEING_BUCKETS, ageing.buckets, strict=True)
                if amount
            )
            t[key].set_figure(rupees(ageing.total), spread)
        gst = board.gst_payable_month
        t["gst"].set_figure(
            rupees(abs(gst)), "Output tax less input tax" if gst >= 0 else "Input tax credit left"
        )
        QTimer.singleShot(0, self._draw_charts)

    def _draw_charts(self) -> None:
        board = self.board
        if board is None:
            return
        from app.ui.charts import bar_chart, horizontal_bars, note

        self._put("sales", bar_chart([amount for _day, amount in board.sales_by_day]))
        self._put("expenses", horizontal_bars(list(board.expenses[:6])))
        self._put("items", note("Item-wise sales appear here once invoices record items."))

    def _put(self, slot: str, chart: QWidget) -> None:
        layout = self.chart_layouts[slot]
        while layout.count() > 1:
            item = layout.takeAt(1)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
        layout.addWidget(chart)
