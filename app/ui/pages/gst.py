"""The GST page: a month or quarter's GSTR-1 and GSTR-3B summaries, readiness problems, the
files for the portal, and marking a return filed (issue 3, item 11).

Enter or a double-click on a summary row lists the documents behind it, and on a document
shows its lines; Esc or Backspace goes back. Everything is read and written on the runner
(``app.ui.pages.gst_jobs`` holds the jobs); the page only shows what comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.billing import filing
from app.billing.filing import RETURNS
from app.billing.model import DocumentId, PostedDocument
from app.gst.periods import ReturnPeriod, parse_period
from app.reports.table import Table, write_csv, write_xlsx
from app.storage.access import Permission
from app.storage.company import Company
from app.ui.ops import JobContext, Runner, error_text, show_error
from app.ui.pages import gst_jobs as work
from app.ui.pages.gst_dialogs import MarkFiledDialog
from app.ui.pages.gst_exports import PortalFiles
from app.ui.pages.gst_views import (
    DocumentPane,
    DocumentsPane,
    KeyedTableModel,
    fit_columns,
    keyed_view,
    select_first,
)
from app.ui.pages.report_viewer import save_pdf, table_html

NO_GSTIN = (
    "This company has no GSTIN, so it files no GSTR-1 or GSTR-3B. Once the GSTIN is entered "
    "in Settings, the returns are prepared here from your books."
)


class SummaryTab(QWidget):
    """One return's summary: a line for what kept it from being made, and the table."""

    def __init__(self, name: str, stretch: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stretch = stretch  # the column that takes the spare width
        self.fault = QLabel()
        self.fault.setObjectName(f"{name}Fault")
        self.fault.setWordWrap(True)
        self.fault.setStyleSheet("color: #b91c1c;")
        self.fault.hide()
        self.model = KeyedTableModel()
        self.view = keyed_view(self.model, name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.fault)
        layout.addWidget(self.view, 1)

    def show_table(self, table: Table | None, keys: Sequence[object], fault: str) -> None:
        self.fault.setText(fault)
        self.fault.setVisible(bool(fault))
        self.model.set_table(table or Table("", (), ()), keys if table else ())
        fit_columns(self.view, stretch=self.stretch)
        select_first(self.view)


class GstPage(QWidget):
    """Period picker, GSTR-1 / GSTR-3B summaries with drill-down, problems and exports."""

    loaded = Signal(object)  # PeriodView

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.view: work.PeriodView | None = None
        self._request = 0
        self._trail: list[QWidget] = []

        self.kind = QComboBox()
        self.kind.setObjectName("gstPeriodKind")
        self.kind.addItems(["Monthly", "Quarterly (QRMP)"])
        self.period = QComboBox()
        self.period.setObjectName("gstPeriod")
        self.period.setMinimumWidth(230)
        self.filed_line = QLabel()
        self.filed_line.setObjectName("gstFiled")
        self.status = QLabel()
        self.status.setObjectName("gstStatus")
        self.status.setWordWrap(True)
        self.files = PortalFiles(
            company,
            runner,
            self,
            lambda: self.shown,
            lambda: self.view.problems if self.view else (),
        )
        self.files.said.connect(self.status.setText)
        self.files.show_problems.connect(lambda: self.show_tab(2))
        self.gstr1 = SummaryTab("gstr1Summary", stretch=0)
        self.gstr3b = SummaryTab("gstr3bSummary", stretch=1)
        self.problems = SummaryTab("gstProblems", stretch=1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.gstr1, "GSTR-&1")
        self.tabs.addTab(self.gstr3b, "GSTR-3&B")
        self.tabs.addTab(self.problems, "P&roblems")
        self.documents = DocumentsPane()
        self.document = DocumentPane()
        self.stack = QStackedWidget()
        for pane in (self.tabs, self.documents, self.document):
            self.stack.addWidget(pane)
        self.buttons: dict[str, QPushButton] = {}
        self._lay_out()

        self._fill_periods()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.period.activated.connect(lambda _index: self.refresh())
        self.gstr1.view.activated.connect(lambda index: self._summary_activated(self.gstr1, index))
        self.gstr3b.view.activated.connect(
            lambda index: self._summary_activated(self.gstr3b, index)
        )
        self.problems.view.activated.connect(self._problem_activated)
        self.documents.opened.connect(self.open_document)
        self.documents.back.connect(self.go_back)
        self.document.back.connect(self.go_back)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_summary)

    def _lay_out(self) -> None:
        caption = QLabel("&Period")
        caption.setBuddy(self.period)
        show = QPushButton("&Show")
        show.clicked.connect(self.refresh)
        top = QHBoxLayout()
        for widget in (caption, self.kind, self.period, show):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.filed_line)
        bottom = QHBoxLayout()
        # The lambdas drop clicked's "checked" flag, which would land in ``path``.
        for key, text, handler in (
            ("gstr1", "Export GSTR-1 &JSON…", lambda: self.files.gstr1()),  # noqa: PLW0108
            ("gstr3b", "Export GSTR-3B JS&ON…", lambda: self.files.gstr3b()),  # noqa: PLW0108
            ("einvoice", "&e-invoice JSON…", lambda: self.files.einvoices()),  # noqa: PLW0108
            ("print", "Pr&int…", self.print_summary),
            ("pdf", "Save P&DF…", lambda: self.save_summary_pdf()),  # noqa: PLW0108
            ("table", "CSV / E&xcel…", lambda: self.export_summary()),  # noqa: PLW0108
            ("file", "&Mark as filed…", self.ask_mark_filed),
        ):
            button = QPushButton(text)
            button.setObjectName(f"gst_{key}")
            button.clicked.connect(handler)
            bottom.addWidget(button)
            self.buttons[key] = button
        bottom.addStretch(1)
        if not self.company.actor.may(Permission.LOCK_PERIODS):
            self.buttons["file"].setEnabled(False)
            self.buttons["file"].setToolTip("Only the owner or an accountant marks returns filed.")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.stack, 1)
        layout.addLayout(bottom)

    # -- the period ----------------------------------------------------------------------------
    def _fill_periods(self) -> None:
        quarterly = self.kind.currentIndex() == 1
        self.period.clear()
        for text, label in work.period_choices(
            self.company.profile.books_begin, date.today(), quarterly
        ):
            self.period.addItem(label, text)
        self.period.setCurrentIndex(1 if self.period.count() > 1 else 0)  # the last one ended

    def _kind_changed(self) -> None:
        self._fill_periods()
        self.refresh()

    @property
    def chosen(self) -> ReturnPeriod:
        return parse_period(str(self.period.currentData()))

    @property
    def shown(self) -> ReturnPeriod:
        """The period on screen: the one loaded, else the one chosen."""
        return self.view.period if self.view is not None else self.chosen

    def show_period(self, text: str) -> None:
        """Choose a period by its text ('2025-06', '2025-Q1') and load it."""
        period = parse_period(text)
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(1 if period.quarterly else 0)
        self.kind.blockSignals(False)
        self._fill_periods()
        index = self.period.findData(text)
        if index < 0:
            self.period.addItem(work.period_label(period), text)
            index = self.period.count() - 1
        self.period.setCurrentIndex(index)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():  # not merely the window restored from the task bar
            self.refresh()  # documents may have been posted elsewhere since it was last shown

    # -- loading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        company, period = self.company, self.chosen
        if not company.profile.gstin:
            self.status.setText(NO_GSTIN)
            return
        self._request += 1
        request = self._request
        self.status.setText(f"Reading {period.label}…")

        def read(ctx: JobContext) -> work.PeriodView:
            return work.read_period(company, period, ctx)

        self.runner.read(
            "GST returns",
            read,
            on_done=lambda view: self._loaded(request, view),
            on_error=self._load_failed,
            progress=self,
        )

    def _load_failed(self, exc: BaseException) -> None:
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self.status.setText(text)

    def _loaded(self, request: int, view: work.PeriodView) -> None:
        if request != self._request:
            return  # an older request came back after a newer one was asked for
        self.view = view
        self.files.seller = (view.pin, view.town)
        gstr1, gstr3b = view.gstr1, view.gstr3b
        self.gstr1.show_table(
            gstr1.table() if gstr1 else None,
            [row.document_ids for row in gstr1.rows] if gstr1 else (),
            view.gstr1_fault,
        )
        self.gstr3b.show_table(
            gstr3b.table() if gstr3b else None,
            [row.document_ids for row in gstr3b.rows] if gstr3b else (),
            view.gstr3b_fault,
        )
        self.problems.show_table(
            work.problems_table(view), [p.document_id for p in view.problems], ""
        )
        count = len(view.problems)
        self.tabs.setTabText(2, f"P&roblems ({count})" if count else "P&roblems")
        self.filed_line.setText(work.filed_text(view.filed))
        self.status.setText(work.status_text(view))
        self.stack.setCurrentWidget(self.tabs)
        self._trail.clear()
        self.loaded.emit(view)

    # -- drill-down ------------------------------------------------------------------------------
    def _summary_activated(self, tab: SummaryTab, index: QModelIndex) -> None:
        if not index.isValid() or self.view is None:
            return
        ids = tab.model.key(index.row())
        assert isinstance(ids, tuple)
        cells = tab.model.cells(index.row())
        what = " ".join(str(c) for c in cells[:2] if isinstance(c, str))
        self.open_documents(f"{what} · {self.view.period.label}", ids)

    def open_documents(self, title: str, ids: Sequence[DocumentId]) -> None:
        assert self.view is not None
        documents = [self.view.documents[i] for i in ids]
        self._go(self.documents)
        self.documents.show_documents(f"{title}: {len(documents)} documents", documents)

    def show_tab(self, tab: int) -> None:
        """Back to the summaries, on tab ``tab`` (0 GSTR-1, 1 GSTR-3B, 2 problems)."""
        self._trail.clear()
        self.stack.setCurrentWidget(self.tabs)
        self.tabs.setCurrentIndex(tab)
        current = self.tabs.currentWidget()
        assert isinstance(current, SummaryTab)
        current.view.setFocus()

    def _problem_activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        document_id = self.problems.model.key(index.row())
        if document_id is None:
            self.status.setText("This is a fault of the company's details; fix it in Settings.")
            return
        assert isinstance(document_id, int)
        self.open_document(DocumentId(document_id))

    def open_document(self, document_id: int) -> None:
        """Read the document afresh (it may have been cancelled since) and show its lines."""
        company = self.company

        def read(_ctx: JobContext) -> PostedDocument:
            return work.read_document(company, DocumentId(document_id))

        self.runner.read("Open document", read, on_done=self._document_arrived)

    def _document_arrived(self, document: PostedDocument) -> None:
        self._go(self.document)
        self.document.show_document(document)

    def _go(self, pane: QWidget) -> None:
        current = self.stack.currentWidget()
        if current is not None and current is not pane:
            self._trail.append(current)
        self.stack.setCurrentWidget(pane)

    def go_back(self) -> None:
        if not self._trail:
            return
        pane = self._trail.pop()
        self.stack.setCurrentWidget(pane)
        if pane is self.tabs:
            current = self.tabs.currentWidget()
            assert isinstance(current, SummaryTab)
            current.view.setFocus()
        elif pane is self.documents:
            self.documents.view.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace) and self._trail:
            self.go_back()
            return
        super().keyPressEvent(event)

    # -- the summary on paper and in a sheet -----------------------------------------------------
    def current_table(self) -> Table:
        """What the open tab shows (GSTR-1, GSTR-3B or the problems), for print and export."""
        if self.view is None:
            return Table("", (), ())
        tab = self.tabs.currentWidget()
        if tab is self.gstr3b and self.view.gstr3b is not None:
            return self.view.gstr3b.table()
        if tab is self.problems:
            return work.problems_table(self.view)
        if tab is self.gstr1 and self.view.gstr1 is not None:
            return self.view.gstr1.table()
        return Table("", (), ())

    def _has_table(self) -> bool:
        if not self.current_table().title:
            self.status.setText("Nothing to print yet: choose a period and press Show.")
            return False
        return True

    def save_summary_pdf(self, path: Path | None = None) -> None:
        if not self._has_table():
            return
        table = self.current_table()
        if path is None:
            path = self.files.save_name(table.title.split()[0], "pdf", "PDF (*.pdf)")
            if path is None:
                return
        save_pdf(table, self.company.profile.name, path)
        if not path.exists():
            show_error(self, work.unwritable(path))
            return
        self.status.setText(f"Saved {path}")

    def print_summary(self) -> None:
        if not self._has_table():
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        document = QTextDocument()
        document.setHtml(table_html(self.current_table(), self.company.profile.name))
        document.print_(printer)

    def export_summary(self, path: Path | None = None) -> None:
        if not self._has_table():
            return
        table = self.current_table()
        if path is None:
            path = self.files.save_name(
                table.title.split()[0], "xlsx", "Excel (*.xlsx);;CSV (*.csv)"
            )
            if path is None:
                return
        writer = write_csv if path.suffix.lower() == ".csv" else write_xlsx
        chosen = path

        def write(_ctx: JobContext) -> Path:
            work.guarded(chosen, lambda: writer(table, chosen))
            return chosen

        self.runner.read(
            "Export summary", write, on_done=lambda saved: self.status.setText(f"Saved {saved}")
        )

    # -- filing ----------------------------------------------------------------------------------
    def ask_mark_filed(self) -> None:
        if self.view is None:
            self.status.setText("Choose a period and press Show first.")
            return
        period = self.view.period
        done = {f.return_type for f in self.view.filed}
        still_open = [r for r in RETURNS if r not in done]
        if not still_open:
            self.status.setText(f"GSTR-1 and GSTR-3B for {period.label} are both marked filed.")
            return
        dialog = MarkFiledDialog(period, still_open, self.mark_filed, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def mark_filed(self, return_type: str, filed_on: date, arn: str) -> None:
        company = self.company
        period = self.shown

        def write(_ctx: JobContext) -> None:
            filing.mark_filed(company, return_type, period, filed_on, arn)

        def done(_result: object) -> None:
            self.refresh()

        self.runner.write(f"Mark {return_type} filed", write, on_done=done, progress=self)
