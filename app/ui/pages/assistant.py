"""Assistant: ask about the books in plain words (English or Hinglish).

Every answer says which engine placed the question (the built-in rules, or a local model by
name), the tool and its arguments, and shows the figures behind it with a button that opens
the matching report. A loaded model streams its tool call here token by token and Stop ends
it; the figures and the words of the answer still come from the books, never from the model.

Keys: Enter asks · Esc stops the model · Ctrl+R opens the report behind the last answer.
"""

from __future__ import annotations

import html
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.assistant.ask import Reply, ask
from app.assistant.catalog import CatalogModel
from app.assistant.runtime import ModelRuntime
from app.assistant.tool_calls import GenerationStopped
from app.errors import AppError
from app.storage.company import Company
from app.ui.ops import Cancelled, Job, JobContext, Runner, show_error
from app.ui.pages.assistant_models import ModelPanel

# The reports the desktop's report viewer shows, by the name a tool's link gives them.
REPORT_LINKS = {
    "pl": "Profit & loss",
    "ledger": "Ledger",
    "trial-balance": "Trial balance",
    "daybook": "Day book",
}
# Which list in a tool's result holds the rows behind the answer.
_ROW_LISTS = (
    "parties", "items", "low_stock", "heads", "accounts", "vouchers", "weeks",
    "duplicate_bills", "unusual_amounts", "open_bills",
)  # fmt: skip
SUGGESTIONS = (
    "How much did I sell today?",
    "Who owes me the most?",
    "Top 5 items this month",
    "Low stock",
    "Is mahine ka kharcha",
    "Forecast sales",
    "Anything unusual?",
)


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _flat(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """One level of nesting joined into the key: {"first": {"voucher": x}} -> first voucher."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix} {key}".strip()
        if isinstance(item, dict):
            flat.update(_flat(item, name))
        elif not isinstance(item, list):
            flat[name] = item
    return flat


def figure_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The rows behind an answer: the result's main list, else each figure on its own row."""
    for key in _ROW_LISTS:
        rows = result.get(key)
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            flat = [_flat(row) for row in rows]
            columns = list(dict.fromkeys(name for row in flat for name in row))
            return [_label(c) for c in columns], [
                ["" if row.get(c) is None else str(row.get(c)) for c in columns] for row in flat
            ]
    scalars = _flat({k: v for k, v in result.items() if k != "link"})
    return ["Figure", "Value"], [
        [_label(k), "" if v is None else str(v)] for k, v in scalars.items()
    ]


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()


class AssistantPage(QWidget):
    """Chat over the books, the figures behind each answer, and the model panel."""

    open_report = Signal(str, str)  # report or screen name, account
    report_period = Signal(object, object)  # start (None for an as-of report), end

    def __init__(
        self,
        company: Company,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        catalog: tuple[CatalogModel, ...] | None = None,
        models_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.replies: list[Reply] = []
        self.streamed = ""  # what the model has written for the question being answered
        self.job: Job | None = None
        self.stopped = False
        self._cancel: threading.Event | None = None
        self.models = ModelPanel(runner, catalog=catalog, models_folder=models_folder)
        self.models.runtime_changed.connect(self._runtime_changed)

        self.transcript = QTextBrowser()
        self.transcript.setObjectName("assistantTranscript")
        self.transcript.setOpenLinks(False)
        self.live = QLabel()
        self.live.setObjectName("assistantLive")
        self.live.setWordWrap(True)
        self.live.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.live.setStyleSheet("font-family: monospace; color: palette(placeholder-text);")
        self.question = QLineEdit()
        self.question.setObjectName("assistantQuestion")
        self.question.setPlaceholderText(
            "Ask about your books: sales last week, who owes me the most, Parle-G ka stock…"
        )
        self.ask_button = QPushButton("&Ask")
        self.stop_button = QPushButton("&Stop")
        self.stop_button.setEnabled(False)
        self.engine = QLabel("Engine: rules (no model loaded)")
        self.engine.setObjectName("assistantEngine")
        self.call = QLabel()
        self.call.setObjectName("assistantCall")
        self.call.setWordWrap(True)
        self.call.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figures = QTableWidget(0, 0)
        self.figures.setObjectName("assistantFigures")
        self.figures.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.figures.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.figures.verticalHeader().setVisible(False)
        self.figures.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.report_button = QPushButton("Open the &report")
        self.report_button.setEnabled(False)
        self._lay_out()

        self.question.returnPressed.connect(self.ask)
        self.ask_button.clicked.connect(self.ask)
        self.stop_button.clicked.connect(self.stop)
        self.report_button.clicked.connect(self.open_link)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.stop)
        QShortcut(QKeySequence("Ctrl+R"), self, self.open_link)
        self._say(
            "Ask about sales, expenses, cash and bank, who owes whom, GST, items and stock, or "
            "a forecast. Answers come from your books on this computer; nothing leaves it."
        )

    def _lay_out(self) -> None:
        chips = QHBoxLayout()
        for text in SUGGESTIONS:
            chip = QPushButton(text)
            chip.setFlat(True)
            chip.setStyleSheet("QPushButton { color: #2563eb; }")
            chip.clicked.connect(lambda _checked=False, t=text: self.ask(t))
            chips.addWidget(chip)
        chips.addStretch(1)
        entry = QHBoxLayout()
        entry.addWidget(self.question, 1)
        entry.addWidget(self.ask_button)
        entry.addWidget(self.stop_button)
        chat = QWidget()
        chat_layout = QVBoxLayout(chat)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.addWidget(QLabel("<h2>Assistant</h2>"))
        chat_layout.addWidget(self.transcript, 3)
        chat_layout.addWidget(self.live)
        chat_layout.addLayout(chips)
        chat_layout.addLayout(entry)
        chat_layout.addWidget(self.engine)
        chat_layout.addWidget(self.call)
        chat_layout.addWidget(self.figures, 2)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.report_button)
        chat_layout.addLayout(bottom)
        splitter = QSplitter()
        splitter.addWidget(chat)
        splitter.addWidget(self.models)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # --- asking -----------------------------------------------------------------------------

    @property
    def runtime(self) -> ModelRuntime | None:
        return self.models.runtime

    @property
    def busy(self) -> bool:
        return self.job is not None

    def ask(self, question: str | None = None) -> None:
        text = (question if isinstance(question, str) else self.question.text()).strip()
        if not text or self.busy:
            return
        self.question.clear()
        self.transcript.append(f"<p><b>You:</b> {html.escape(text)}</p>")
        company, runtime, today = self.company, self.runtime, date.today()
        cancel = threading.Event()
        self._cancel = cancel
        self.streamed = ""
        self.stopped = False

        def work(ctx: JobContext) -> Reply:
            def on_token(piece: str) -> None:
                ctx.progress(0, 0, piece)  # to the UI thread, where the page shows it

            try:
                return ask(company, text, today, runtime, on_token=on_token, cancel=cancel)
            except GenerationStopped:
                raise Cancelled from None

        self.live.setText("Thinking…" if runtime is None else f"{runtime.name} is choosing…")
        self._set_busy(True)
        job = self.runner.read(
            "Assistant", work, on_done=self._answered, on_error=self._failed,
            on_progress=self._token,
        )  # fmt: skip
        job.cancelled.connect(self._stopped)
        job.finished.connect(self._finished)
        self.job = job

    def stop(self) -> None:
        """Stop the model between two tokens; the rules part is instant and always ends."""
        if self._cancel is not None and self.job is not None:
            self._cancel.set()
            self.job.cancel()
            self.stop_button.setEnabled(False)

    def _token(self, _done: int, _total: int, piece: str) -> None:
        self.streamed += piece
        self.live.setText(html.escape(self.streamed))

    def _answered(self, reply: Reply) -> None:
        self.replies.append(reply)
        engine = "rules" if reply.engine == "rules" else reply.engine
        self.transcript.append(
            f"<p><b>Bahi</b> <small>({html.escape(engine)})</small>: "
            f"{html.escape(reply.answer)}</p>"
        )
        self.engine.setText(f"Answered by: {engine}")
        if reply.tool is None:
            self.call.setText("No tool fits this question; nothing was read from the books.")
        else:
            args = json.dumps(reply.args, ensure_ascii=False)
            self.call.setText(f"Tool: {reply.tool}  ·  Arguments: {html.escape(args)}")
        self._show_figures(reply.result)
        link = (reply.result or {}).get("link")
        self.report_button.setEnabled(bool(link))
        self.report_button.setToolTip(self._link_text(link) if link else "")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, AppError):  # a name that is not in the books, an ambiguous one…
            self._say(str(exc), warning=True)
        else:
            self._say("That question could not be answered; the details are in the log.", True)
            show_error(self, exc)

    def _stopped(self) -> None:
        self.stopped = True
        self._say("Stopped. Nothing was read from the books for this question.", warning=True)

    def _finished(self) -> None:
        self.job = None
        self._cancel = None
        self.live.setText("")
        self._set_busy(False)

    def _say(self, text: str, warning: bool = False) -> None:
        colour = "#b45309" if warning else "palette(text)"
        self.transcript.append(
            f'<p><b>Bahi:</b> <span style="color: {colour}">{html.escape(text)}</span></p>'
        )

    def _set_busy(self, busy: bool) -> None:
        self.ask_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.models.set_asking(busy)

    def _runtime_changed(self, runtime: ModelRuntime | None) -> None:
        self.engine.setText(
            f"Engine: rules first, then {runtime.name}"
            if runtime is not None
            else "Engine: rules (no model loaded)"
        )

    # --- the figures and the report ---------------------------------------------------------

    def _show_figures(self, result: dict[str, Any] | None) -> None:
        columns, rows = figure_table(result) if result else ([], [])
        self.figures.clear()
        self.figures.setColumnCount(len(columns))
        self.figures.setHorizontalHeaderLabels(columns)
        self.figures.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                cell = QTableWidgetItem(text)
                if _is_number(text):
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.figures.setItem(r, c, cell)
        self.figures.resizeColumnsToContents()

    @staticmethod
    def _link_text(link: dict[str, Any]) -> str:
        name = REPORT_LINKS.get(link["report"]) or link.get("screen") or link["report"]
        params = ", ".join(f"{k} {v}" for k, v in link.get("params", {}).items())
        return f"Opens {name}" + (f" ({params})" if params else "")

    def open_link(self) -> None:
        """The report behind the last answer, for the same period (or the screen it lives on)."""
        if not self.replies or not self.replies[-1].result:
            return
        link = self.replies[-1].result.get("link")
        if not link:
            return
        params = link.get("params", {})
        report = REPORT_LINKS.get(link["report"])
        if report is None:
            self.open_report.emit(link.get("screen") or "Dashboard", "")
            return
        end = params.get("to") or params.get("as_of")
        start = params.get("from")
        if end:
            self.report_period.emit(
                date.fromisoformat(start) if start else None, date.fromisoformat(end)
            )
        self.open_report.emit(report, params.get("account") or "")
