"""Documents: suppliers' bills in (drop files, Choose files, a watched folder), read on this
computer in the background, listed and searched by their words, reviewed beside the page
and turned into purchase bills.

The list filters by supplier, status, the bills' dates (from, to; typed day first) and their
grand totals (at least, at most).

Keys: Ctrl+O choose files · type in the search box to search the bills' text · Enter opens
the selected bill · Esc in the review goes back to the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.assistant.runtime import ModelRuntime
from app.documents import queries, service
from app.documents.queries import SearchHit, StoredRow
from app.documents.stored import StoredStatus
from app.money import format_inr
from app.storage.company import Company
from app.ui.batched import ModelIndex
from app.ui.ops import JobContext, Runner, error_text, show_error
from app.ui.pages.documents_intake import BILL_SUFFIXES, FolderWatch, ImportQueue, Outcome
from app.ui.pages.documents_review import DocumentReview
from app.ui.row_table import RowsTableModel
from app.ui.widgets import parse_date

STATUSES = ("All", "Draft", "Posted", "Rejected")


@dataclass(frozen=True)
class ListFilter:
    """The list's filters as typed; ``problems`` names the ones that could not be read."""

    supplier: str = ""
    status: StoredStatus | None = None
    start: date | None = None
    end: date | None = None
    min_total: Decimal | None = None
    max_total: Decimal | None = None
    problems: tuple[str, ...] = ()

    def keeps(self, row: StoredRow) -> bool:
        """The same test ``queries.list_documents`` makes, for search hits."""
        supplier = self.supplier
        if supplier and not (
            supplier.casefold() in row.supplier_name.casefold()
            or supplier.upper() == (row.supplier_gstin or "")
        ):
            return False
        if self.status is not None and row.status is not self.status:
            return False
        day, total = row.invoice_date, row.grand_total
        if (self.start or self.end) and day is None:
            return False
        if day is not None and ((self.start and day < self.start) or (self.end and day > self.end)):
            return False
        if (self.min_total is not None or self.max_total is not None) and total is None:
            return False
        return total is None or not (
            (self.min_total is not None and total < self.min_total)
            or (self.max_total is not None and total > self.max_total)
        )


def read_amount(text: str) -> Decimal | None:
    """An amount typed in a filter (commas and the rupee sign allowed); None if it is not."""
    plain = text.replace(",", "").replace("₹", "").strip()
    try:
        amount = Decimal(plain)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


class StoredDocumentsTableModel(RowsTableModel[StoredRow]):
    headers = ("Id", "Status", "Bill date", "Supplier", "GSTIN", "Bill no.", "Total", "File")

    def __init__(self) -> None:
        super().__init__()
        self.snippets: list[str] = []

    def set_rows(self, rows: list[StoredRow], snippets: list[str] | None = None) -> None:
        self.snippets = snippets or [""] * len(rows)  # the search hit, as each row's tooltip
        super().set_rows(rows)

    def data(self, index: ModelIndex, role: int = 0) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.snippets[index.row()] or None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            str(row.id),
            row.status.value,
            f"{row.invoice_date:%d-%m-%Y}" if row.invoice_date else "",
            row.supplier_name,
            row.supplier_gstin or "",
            row.invoice_number,
            "" if row.grand_total is None else format_inr(row.grand_total),
            row.source_name,
        )[index.column()]


class DocumentsPage(QWidget):
    """``posted`` carries each purchase bill made here (the Purchases page refreshes)."""

    posted = Signal(object)

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentsPage")
        self.setAcceptDrops(True)
        self.company, self.runner = company, runner

        listing = self._build_list()

        self.review = DocumentReview(company, runner)
        self.review.closed.connect(self.show_list)
        self.review.changed.connect(self.refresh)
        self.review.posted.connect(self.posted.emit)
        self.stack = QStackedWidget()
        self.stack.addWidget(listing)
        self.stack.addWidget(self.review)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.queue = ImportQueue(company, runner, self)
        self.queue.progressed.connect(self._progressed)
        self.queue.finished_file.connect(self._file_done)
        self.queue.idle.connect(self._queue_idle)
        self.cancel_button.clicked.connect(self.queue.cancel)
        self.watch = FolderWatch(self)
        self.watch.found.connect(self.import_paths)
        self.outcomes: list[Outcome] = []

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.refresh)
        for typed in (
            self.search,
            self.supplier_filter,
            self.date_from,
            self.date_to,
            self.min_total,
            self.max_total,
        ):
            typed.textEdited.connect(lambda _t: self._timer.start())
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.returnPressed.connect(self.table.setFocus)
        shortcut = QShortcut(QKeySequence("Ctrl+O"), self, self.choose_files)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh()
        self._load_watch_folder()

    def _build_list(self) -> QWidget:
        """The list side: intake buttons, search and filters, the table, import progress."""
        self.model = StoredDocumentsTableModel()
        self.table = QTableView()
        self.table.setObjectName("documentsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self.open_row)
        self.table.doubleClicked.connect(self.open_row)
        self.hint = QLabel(
            "Drop PDFs, scans or photos of suppliers' bills here, or choose files. They are "
            "read on this computer and kept inside the company file."
        )
        self.hint.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("documentsSummary")

        self.progress_box = self._build_progress()

        top, watch = self._build_toolbar()
        listing = QWidget()
        list_layout = QVBoxLayout(listing)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addLayout(top)
        list_layout.addLayout(watch)
        list_layout.addWidget(self.hint)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.summary)
        list_layout.addWidget(self.progress_box)
        list_layout.addWidget(self.log)

        return listing

    def _build_toolbar(self) -> tuple[QHBoxLayout, QHBoxLayout]:
        """Choose files, search, supplier and status filters; the watched folder."""
        self.choose_button = QPushButton("Choose &files… (Ctrl+O)")
        self.choose_button.setObjectName("chooseFiles")
        self.choose_button.clicked.connect(self.choose_files)
        self.search = QLineEdit()
        self.search.setObjectName("documentSearch")
        self.search.setPlaceholderText("Search the bills' words, numbers, GSTINs…")
        self.supplier_filter = QLineEdit()
        self.supplier_filter.setObjectName("supplierFilter")
        self.supplier_filter.setPlaceholderText("Supplier or GSTIN")
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.status.addItems(STATUSES)
        self.date_from, self.date_to, self.min_total, self.max_total = (
            self._filter_edit(name, hint, width)
            for name, hint, width in (
                ("dateFrom", "From dd-mm-yyyy", 120),
                ("dateTo", "To dd-mm-yyyy", 120),
                ("minTotal", "Total at least ₹", 120),
                ("maxTotal", "Total at most ₹", 120),
            )
        )
        self.watch_button = QPushButton("&Watch a folder…")
        self.watch_button.setObjectName("watchFolder")
        self.watch_button.clicked.connect(self.choose_watch_folder)
        self.unwatch_button = QPushButton("Stop watching")
        self.unwatch_button.setObjectName("stopWatching")
        self.unwatch_button.clicked.connect(lambda: self.set_watch_folder(None))
        self.unwatch_button.setVisible(False)
        self.watch_label = QLabel()
        self.watch_label.setObjectName("watchLabel")

        top = QHBoxLayout()
        top.addWidget(self.choose_button)
        top.addWidget(self.search, 2)
        top.addWidget(self.supplier_filter, 1)
        top.addWidget(self.status)
        top.addWidget(self.date_from)
        top.addWidget(self.date_to)
        top.addWidget(self.min_total)
        top.addWidget(self.max_total)
        watch = QHBoxLayout()
        watch.addWidget(self.watch_button)
        watch.addWidget(self.unwatch_button)
        watch.addWidget(self.watch_label, 1)
        return top, watch

    @staticmethod
    def _filter_edit(name: str, hint: str, width: int) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(hint)
        edit.setToolTip(hint)
        edit.setMaximumWidth(width)
        return edit

    def _build_progress(self) -> QWidget:
        """Per-page progress of the file being read, with Cancel; and what became of each."""
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("importStage")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelImport")
        self.log = QLabel()
        self.log.setObjectName("importLog")
        self.log.setWordWrap(True)
        self.log.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        box = QWidget()
        box.setLayout(progress_row)
        box.setVisible(False)
        return box

    # -- the list ----------------------------------------------------------------------------
    def list_filter(self) -> ListFilter:
        """The filters as typed; one that cannot be read is left out and named."""
        chosen = self.status.currentText().lower()
        problems = []
        days: list[date | None] = []
        for edit, label in ((self.date_from, "from"), (self.date_to, "to")):
            text = edit.text().strip()
            day = parse_date(text, date.today()) if text else None
            if text and day is None:
                problems.append(f"the {label} date {text!r} is not a date like 05-04-2025")
            days.append(day)
        totals: list[Decimal | None] = []
        for edit, label in ((self.min_total, "least"), (self.max_total, "most")):
            text = edit.text().strip()
            amount = read_amount(text) if text else None
            if text and amount is None:
                problems.append(f"the total at {label} {text!r} is not an amount")
            totals.append(amount)
        return ListFilter(
            supplier=self.supplier_filter.text().strip(),
            status=None if chosen == "all" else StoredStatus(chosen),
            start=days[0],
            end=days[1],
            min_total=totals[0],
            max_total=totals[1],
            problems=tuple(problems),
        )

    def refresh(self) -> None:
        company = self.company
        term, wanted = self.search.text().strip(), self.list_filter()

        def read(_ctx: JobContext) -> tuple[list[StoredRow], list[str], ListFilter]:
            with company.reader() as conn:
                if term:
                    hits: list[SearchHit] = queries.search_documents(conn, term)
                    kept = [h for h in hits if wanted.keeps(h.row)]
                    return [h.row for h in kept], [h.snippet for h in kept], wanted
                rows = queries.list_documents(
                    conn,
                    supplier=wanted.supplier or None,
                    status=wanted.status,
                    start=wanted.start,
                    end=wanted.end,
                    min_total=wanted.min_total,
                    max_total=wanted.max_total,
                )
                return rows, [], wanted

        self.runner.read("Stored bills", read, on_done=self._listed)

    def _listed(self, result: tuple[list[StoredRow], list[str], ListFilter]) -> None:
        rows, snippets, wanted = result
        self.model.set_rows(rows, snippets)
        drafts = sum(1 for r in rows if r.status is StoredStatus.DRAFT)
        ignored = f" · not filtered by: {'; '.join(wanted.problems)}" if wanted.problems else ""
        self.summary.setText(f"{len(rows)} bills · {drafts} to review{ignored}")
        if rows and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def set_runtime(self, runtime: ModelRuntime | None) -> None:
        """The model loaded on the Assistant page, for the review's second pass."""
        self.review.set_runtime(runtime)

    def open_row(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.model.rows):
            self.open_document(self.model.rows[index.row()].id)

    def open_document(self, doc_id: int) -> None:
        self.stack.setCurrentWidget(self.review)
        self.review.open_document(doc_id)

    def show_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.table.setFocus()

    # -- intake ------------------------------------------------------------------------------
    def choose_files(self) -> None:
        dialog = QFileDialog(self, "Choose suppliers' bills")
        dialog.setObjectName("chooseBills")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(
            "Bills (" + " ".join(f"*{s}" for s in sorted(BILL_SUFFIXES)) + ");;All files (*)"
        )
        dialog.filesSelected.connect(lambda names: self.import_paths([Path(n) for n in names]))
        dialog.open()
        self.file_dialog = dialog

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def import_paths(self, paths: list[Path]) -> None:
        self.progress_box.setVisible(True)
        self.progress.setRange(0, 0)
        self.progress_label.setText("Reading…")
        self.queue.add(paths)

    def _progressed(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(min(done, total) if total else 0)
        name = self.queue.current.name if self.queue.current else ""
        self.progress_label.setText(f"{name}: {text}" if text else name)

    def _file_done(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        name = outcome.path.name
        if outcome.imported is not None:
            imported = outcome.imported
            how = "already stored as" if imported.duplicate else "stored as"
            line = f"{name}: {how} document {imported.document_id}"
        elif outcome.cancelled:
            line = f"{name}: cancelled; nothing was kept"
        else:
            assert outcome.error is not None
            text = error_text(outcome.error)
            if text is None:  # not a problem with the file: the crash dialog says what to do
                show_error(self, outcome.error)
                text = "an unexpected problem; see the log"
            line = f"{name}: {text}"
        lines = [*self.log.text().splitlines(), line][-8:]
        self.log.setText("\n".join(lines))
        self.refresh()

    def _queue_idle(self) -> None:
        self.progress_box.setVisible(False)

    # -- watched folder ----------------------------------------------------------------------
    def _load_watch_folder(self) -> None:
        company = self.company

        def read(_ctx: JobContext) -> Path | None:
            with company.reader() as conn:
                return service.watch_folder(conn)

        self.runner.read("Watched folder", read, on_done=self._watch)

    def _watch(self, folder: Path | None) -> None:
        self.watch.set_folder(folder)
        self.unwatch_button.setVisible(folder is not None)
        if folder is None:
            self.watch_label.setText("No folder watched.")
        elif not folder.is_dir():
            self.watch_label.setText(f"Watching {folder}: the folder is not there now.")
        else:
            self.watch_label.setText(f"Watching {folder}: new bills there are imported.")

    def choose_watch_folder(self) -> None:
        dialog = QFileDialog(self, "Folder the scanner saves to")
        dialog.setObjectName("chooseWatchFolder")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda name: self.set_watch_folder(Path(name)))
        dialog.open()
        self.folder_dialog = dialog

    def set_watch_folder(self, folder: Path | None) -> None:
        company = self.company

        def write(_ctx: JobContext) -> Path | None:
            service.set_watch_folder(company, folder)
            return folder

        self.runner.write("Watch a folder", write, on_done=self._watch)
