"""Stock reports on the Inventory page: summary (by godown or group), item ledger with its
running balance, movement analysis, valuation as of a date and reorder suggestions, whose
lines export as a draft purchase order (CSV or Excel; billing has no purchase-order
document). Each report is read on the runner's pool; the table is the report viewer's.
Beside the valuation, the accountant posts the closing stock for its date to the ledger."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.inventory.closing import (
    CLOSING_STOCK,
    METHOD_NAMES,
    STOCK_CHANGE,
    StockClosing,
    post_stock_closing,
    stock_closing_due,
)
from app.inventory.model import ValuationMethod
from app.inventory.reorder import ReorderLine, reorder_suggestions, write_purchase_order
from app.inventory.settings import inventory_settings
from app.inventory.stock_reports import (
    group_summary,
    item_ledger,
    movement_analysis,
    stock_summary,
    stock_valuation,
)
from app.ledger.model import financial_year
from app.money import format_inr
from app.reports.table import Cell, Table
from app.storage.company import Company
from app.ui.exports import ask_export_path, export_table, save_on_pool
from app.ui.ops import JobContext, Runner, watch
from app.ui.pages.inventory_stock import find_item
from app.ui.pages.report_viewer import ReportTableModel, _report_table
from app.ui.widgets import DateField, show_failure


@dataclass(frozen=True)
class Ask:
    """What the user chose above the table."""

    start: date
    end: date
    item: str
    method: ValuationMethod | None


@dataclass(frozen=True)
class StockReport:
    name: str
    period: bool  # from and to; otherwise as of the end date
    needs_item: bool
    read: Callable[[Company, Ask], Table]


def _summary(company: Company, _ask: Ask) -> Table:
    with company.reader() as conn:
        rows = stock_summary(conn)
    return Table(
        "Stock summary",
        ("Group", "Item", "Quantity", "Unit"),
        tuple((r.group, r.name, r.qty, r.unit) for r in rows),
    )


def _by_godown(company: Company, _ask: Ask) -> Table:
    with company.reader() as conn:
        rows = stock_summary(conn, by_godown=True)
    return Table(
        "Stock summary by godown",
        ("Godown", "Group", "Item", "Quantity", "Unit"),
        tuple(
            (r.godown, r.group, r.name, r.qty, r.unit)
            for r in sorted(rows, key=lambda r: r.godown or "")  # stable: group, name kept
        ),
    )


def _by_group(company: Company, ask: Ask) -> Table:
    with company.reader() as conn:
        method = ask.method or inventory_settings(conn).valuation
        rows = group_summary(conn, ask.end, method)
    return Table(
        f"Stock by group, valued ({method.value}) as of {ask.end:%d-%m-%Y}",
        ("Group", "Items", "Quantity", "Value"),
        tuple(
            (
                r.group or "(no group)",
                r.items,
                ", ".join(f"{q.normalize():f} {u}" for u, q in r.qty_by_unit),
                r.value,
            )
            for r in rows
        ),
    )


def _ledger(company: Company, ask: Ask) -> Table:
    with company.reader() as conn:
        item = find_item(conn, ask.item)
        ledger = item_ledger(conn, item.id, ask.start, ask.end)
    rows: list[tuple[Cell, ...]] = [(ask.start, "Opening", "", "", "", None, None, ledger.opening)]
    rows += [
        (
            line.move_date,
            line.kind,
            line.source,
            line.godown,
            line.batch or "",
            line.inward or None,
            line.outward or None,
            line.balance,
        )
        for line in ledger.lines
    ]
    return Table(
        f"Item ledger: {item.name} ({item.unit})",
        ("Date", "Kind", "Document", "Godown", "Batch", "In", "Out", "Balance"),
        tuple(rows),
    )


def _movement(company: Company, ask: Ask) -> Table:
    with company.reader() as conn:
        rows = movement_analysis(conn, ask.start, ask.end)
    return Table(
        f"Stock movement {ask.start:%d-%m-%Y} to {ask.end:%d-%m-%Y}",
        ("Item", "Unit", "Sold", "On hand", "Days of cover", "Movement"),
        tuple((r.name, r.unit, r.sold, r.on_hand, r.days_of_cover, str(r.movement)) for r in rows),
    )


def _valuation(company: Company, ask: Ask) -> Table:
    with company.reader() as conn:
        method = ask.method or inventory_settings(conn).valuation
        report = stock_valuation(conn, ask.end, method)
    rows: list[tuple[Cell, ...]] = [
        (r.group, r.name, r.qty, r.unit, r.unit_cost, r.value) for r in report.rows
    ]
    rows.append(("", "Total", None, "", None, report.total))
    return Table(
        f"Stock valuation ({method.value}) as of {ask.end:%d-%m-%Y}",
        ("Group", "Item", "Quantity", "Unit", "Unit cost", "Value"),
        tuple(rows),
    )


def reorder_table(lines: list[ReorderLine], as_of: date) -> Table:
    return Table(
        f"Reorder suggestions as of {as_of:%d-%m-%Y}",
        (
            "Item",
            "SKU",
            "Unit",
            "On hand",
            "Daily sales",
            "Reorder point",
            "Order",
            "Rate",
            "Amount",
        ),
        tuple(
            (
                line.name,
                line.sku or "",
                line.unit,
                line.on_hand,
                line.daily_sales,
                line.reorder_point,
                line.order_qty,
                line.purchase_price,
                line.amount,
            )
            for line in lines
        ),
    )


REORDER = "Reorder suggestions"

STOCK_REPORTS: tuple[StockReport, ...] = (
    StockReport("Stock summary", False, False, _summary),
    StockReport("Stock by godown", False, False, _by_godown),
    StockReport("Stock by group", False, False, _by_group),
    StockReport("Item ledger", True, True, _ledger),
    StockReport("Movement analysis", True, False, _movement),
    StockReport("Stock valuation", False, False, _valuation),
    StockReport(REORDER, False, False, lambda _c, _a: Table("", (), ())),  # see _read_reorder
)


class StockReportsTab(QWidget):
    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inventoryReports")
        self.company = company
        self.runner = runner
        self.reorder_lines: list[ReorderLine] = []
        today = date.today()
        self.kind = QComboBox()
        self.kind.setObjectName("stockReportKind")
        self.kind.addItems([r.name for r in STOCK_REPORTS])
        self.item = QLineEdit()
        self.item.setObjectName("stockReportItem")
        self.item.setPlaceholderText("Item name, SKU or barcode")
        self.method = QComboBox()
        self.method.addItem("Company method", None)
        for method, label in ((ValuationMethod.FIFO, "FIFO"), (ValuationMethod.AVERAGE, "Average")):
            self.method.addItem(label, method.value)
        self.start = DateField(financial_year(today, company.profile.fy_start_month).start)
        self.end = DateField(today)
        self.show_button = QPushButton("&Show")
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.refresh)
        self.item.returnPressed.connect(self.refresh)
        self.model = ReportTableModel()
        self.table = _report_table(self.model)
        self.title = QLabel()
        self.status = QLabel()
        self.status.setObjectName("stockReportStatus")
        self.export_po = QPushButton("Draft &purchase order…")
        self.export_po.setObjectName("exportPurchaseOrder")
        self.export_po.clicked.connect(self.ask_purchase_order)
        self.post_closing_button = QPushButton("Post &closing stock…")
        self.post_closing_button.setObjectName("postClosingStock")
        self.post_closing_button.setToolTip(
            "Post the cost of goods sold to the ledger: the stock's value on the 'as of' date"
        )
        self.post_closing_button.clicked.connect(self.ask_post_closing)
        self._lay_out()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._request = 0
        self._kind_changed()

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        self.item_caption = QLabel("&Item")
        self.item_caption.setBuddy(self.item)
        self.start_caption = QLabel("&From")
        self.start_caption.setBuddy(self.start)
        caption = QLabel("Re&port")
        caption.setBuddy(self.kind)
        for widget in (
            caption,
            self.kind,
            self.item_caption,
            self.item,
            self.method,
            self.start_caption,
            self.start,
            QLabel("To / as of"),
            self.end,
            self.show_button,
        ):
            top.addWidget(widget)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.export_po)
        bottom.addWidget(self.post_closing_button)
        for text, kind in (("CS&V…", "csv"), ("E&xcel…", "xlsx")):
            button = QPushButton(text)
            button.clicked.connect(lambda _checked=False, k=kind: self.ask_export(k))
            bottom.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    @property
    def report(self) -> StockReport:
        return STOCK_REPORTS[self.kind.currentIndex()]

    def _kind_changed(self) -> None:
        report = self.report
        for widget in (self.item, self.item_caption):
            widget.setVisible(report.needs_item)
        for widget in (self.start, self.start_caption):
            widget.setVisible(report.period)
        self.method.setVisible(report.name in ("Stock valuation", "Stock by group"))
        self.export_po.setVisible(report.name == REORDER)
        self.post_closing_button.setVisible(report.name == "Stock valuation")

    def show_report(self, name: str) -> None:
        self.kind.setCurrentIndex([r.name for r in STOCK_REPORTS].index(name))
        self.refresh()

    def refresh(self) -> None:
        start, end = self.start.value(), self.end.value()
        if start is None or end is None:
            self.status.setText("Type dates as dd-mm-yyyy.")
            return
        report = self.report
        if report.period and start > end:
            self.status.setText("The period ends before it starts.")
            return
        if report.needs_item and not self.item.text().strip():
            self.status.setText("Name the item.")
            self.item.setFocus()
            return
        chosen = self.method.currentData()
        ask = Ask(start, end, self.item.text(), ValuationMethod(chosen) if chosen else None)
        company = self.company
        self._request += 1
        request = self._request
        self.status.setText("Loading…")

        def read(ctx: JobContext) -> tuple[Table, list[ReorderLine]]:
            ctx.progress(0, 0, f"{report.name}…")
            if report.name == REORDER:
                with company.reader() as conn:
                    lines = reorder_suggestions(conn, ask.end)
                return reorder_table(lines, ask.end), lines
            return report.read(company, ask), []

        job = self.runner.read(
            report.name,
            read,
            on_done=lambda found: self._loaded(request, found),
            on_error=self._failed,
        )
        watch(job, self)

    def _loaded(self, request: int, found: tuple[Table, list[ReorderLine]]) -> None:
        if request != self._request:
            return
        table, lines = found
        self.reorder_lines = lines
        self.model.set_table(table)
        self.table.resizeColumnsToContents()
        self.title.setText(f"<h3>{html.escape(table.title)}</h3>")
        self.status.setText(f"{len(table.rows)} rows")

    def _failed(self, exc: BaseException) -> None:
        show_failure(self, exc, self.status.setText)

    # -- export ---------------------------------------------------------------------------------
    def ask_export(self, kind: str) -> None:
        path = ask_export_path(self, kind, f"{self.report.name.replace(' ', '-')}.{kind}")
        if path:
            self.export(path)

    def export(self, path: Path) -> None:
        export_table(
            self.runner, self.model.visible_table(), path, self.status.setText, self._failed
        )

    def ask_purchase_order(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the draft purchase order",
            "draft-purchase-order.xlsx",
            "Excel (*.xlsx);;CSV (*.csv)",
        )
        if path:
            self.save_purchase_order(Path(path))

    def save_purchase_order(self, path: Path) -> None:
        lines = list(self.reorder_lines)
        if not lines:
            self.status.setText("Show the reorder suggestions first: nothing to order yet.")
            return
        save_on_pool(
            self.runner,
            "Draft purchase order",
            path,
            lambda to: write_purchase_order(lines, to),
            on_saved=lambda saved: self.status.setText(f"Saved the draft purchase order: {saved}"),
            on_error=self._failed,
        )

    # -- closing stock ---------------------------------------------------------------------------
    def ask_post_closing(self) -> None:
        """Read what the closing for the 'as of' day would post, then ask before posting it."""
        as_of = self.end.value()
        if as_of is None:
            self.status.setText("Type the date as dd-mm-yyyy.")
            return
        company = self.company

        def read(ctx: JobContext) -> StockClosing:
            ctx.progress(0, 0, "Valuing the stock…")
            with company.reader() as conn:
                return stock_closing_due(conn, as_of)

        self.status.setText("Valuing the stock…")
        job = self.runner.read(
            "Closing stock", read, on_done=self._confirm_closing, on_error=self._failed
        )
        watch(job, self)

    def _confirm_closing(self, due: StockClosing) -> None:
        if not due.amount:
            self.status.setText(f"The closing stock at {due.as_of:%d-%m-%Y} is in the ledger.")
            return
        side = "debits" if due.amount > 0 else "credits"
        answer = QMessageBox.question(
            self,
            "Post closing stock",
            f"Stock at the end of {due.as_of:%d-%m-%Y} is worth {format_inr(due.stock_value)} "
            f"({METHOD_NAMES[due.method]}).\n\nPost a journal that {side} "
            f"{CLOSING_STOCK.name} with {format_inr(abs(due.amount))} against "
            f"{STOCK_CHANGE.name}, so the ledger carries the cost of goods sold?\n\n"
            "Post it once every till has synced its sales for the period.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.post_closing(due.as_of)

    def post_closing(self, as_of: date) -> None:
        company = self.company
        self.status.setText("Posting the closing stock…")
        job = self.runner.write(
            "Post closing stock",
            lambda _ctx: post_stock_closing(company, as_of),
            on_done=self._closing_posted,
            on_error=self._failed,
        )
        watch(job, self)

    def _closing_posted(self, done: list[StockClosing]) -> None:
        posted = [c for c in done if c.posted is not None]
        if not posted:
            self.status.setText(f"The closing stock at {done[0].as_of:%d-%m-%Y} is in the ledger.")
            return
        said = ", ".join(f"{c.posted.number_text} ({c.as_of:%d-%m-%Y})" for c in posted if c.posted)
        self.status.setText(f"Posted the closing stock: {said}.")
