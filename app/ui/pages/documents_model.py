"""The review screen's "Fill missing fields with the model": a loaded local model's second
pass over the bill (``app.assistant.document_help``), for the fields still empty on screen.

The model runs on the runner's pool with a progress bar and Cancel; its proposals come back
already checked (printed on the bill, GSTIN checksum, GST arithmetic) and are only shown:
each waits for the user's Accept, which puts the value in its field, and nothing is stored
until the user saves. Refused proposals are listed with the reason they were refused.

The model is the one loaded on the Assistant page; the shell hands it over by signal.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.assistant.document_help import (
    DATE_FIELDS,
    GSTIN_FIELDS,
    ModelAnswerCutOff,
    SecondPass,
    second_pass,
)
from app.assistant.runtime import ModelRuntime
from app.documents import queries
from app.documents.model import (
    AMOUNT_FIELDS,
    FIELD_NAMES,
    Box,
    Field,
    FieldSource,
    FieldValue,
    PageText,
    Reading,
    TextSource,
    Word,
)
from app.documents.queries import StoredView
from app.documents.stored import clean_correction
from app.errors import ValidationError
from app.storage.company import Company
from app.ui.ops import Cancelled, Job, JobContext, Runner, error_text, show_error

NO_MODEL_HINT = (
    "No model is loaded. Open the Assistant page, pick an installed model in its model panel "
    "and press Load model; then this button asks it for the fields the rules missed."
)
MODEL_TINT = "background: #dbeafe;"  # a value the model proposed and the user accepted
_RATE_FIELDS = ("cgst_rate", "sgst_rate", "igst_rate", "cess_rate")
_WORD_HEIGHT = 0.02
_WORD_GAP = 0.7  # line heights between words: a space, not a column gap, never a split number


def _typed_value(name: str, text: str) -> FieldValue:
    """A field's text as the reading holds it (Decimal, date or text); what the user typed
    that is not a clean value stays text: the field is filled, the model is not asked."""
    try:
        cleaned = clean_correction(name, text)
    except ValidationError:
        return text
    if cleaned is None:
        return text
    if name in AMOUNT_FIELDS or name in _RATE_FIELDS:
        return Decimal(cleaned)
    if name in DATE_FIELDS:
        return date.fromisoformat(cleaned)
    return cleaned


def _page(number: int, source: TextSource, words_text: str) -> PageText:
    """One stored page's words in reading order as one printed row (positions are not kept
    in the index; the second pass reads only the words)."""
    words, x = [], 0.0
    step = _WORD_HEIGHT * 1.414 * _WORD_GAP
    for text in words_text.split():
        width = 0.01 * len(text)
        words.append(Word(text, Box(x, 0.5, x + width, 0.5 + _WORD_HEIGHT)))
        x += width + step
    return PageText(number, source, tuple(words))


def review_reading(
    view: StoredView, page_texts: tuple[str, ...], shown: Mapping[str, str]
) -> Reading:
    """The bill as the second pass sees it: its stored words, and the fields as they stand
    on screen (read, corrected or typed); an empty field is one the model is asked for."""
    # The index keeps one string per page read; pages never read (past the limit) have none.
    read_pages = [n for n, s in enumerate(view.page_sources, 1) if s]
    numbers = read_pages or list(range(1, len(page_texts) + 1))
    pages = []
    for number, words_text in zip(numbers, page_texts, strict=False):
        ocr = number <= len(view.page_sources) and view.page_sources[number - 1] == "ocr"
        pages.append(_page(number, TextSource.OCR if ocr else TextSource.TEXT_LAYER, words_text))
    first_ocr = bool(pages) and pages[0].source is TextSource.OCR
    field_source = FieldSource.OCR if first_ocr else FieldSource.TEXT_LAYER
    fields = []
    for name in FIELD_NAMES:
        text = " ".join(shown.get(name, "").split())
        if text:
            state = view.field(name)
            fields.append(Field(name, _typed_value(name, text), state.confidence, field_source))
    return Reading(view.row.source_name, view.row.page_count, tuple(pages), tuple(fields))


def value_text(value: FieldValue) -> str:
    """A proposed value as the review's fields show stored values (ISO dates, plain amounts)."""
    return value.isoformat() if isinstance(value, date) else str(value)


def kept_because(name: str) -> str:
    """Why a kept proposal passed: the checks ``document_help.review`` made on it."""
    if name in AMOUNT_FIELDS:
        return (
            "printed on the bill, and with the amounts read it adds up: taxable value + tax "
            "+ round off = grand total, each tax a GST rate"
        )
    if name in GSTIN_FIELDS:
        return "printed on the bill, and its checksum is right"
    if name in DATE_FIELDS:
        return "a date printed on the bill"
    return "printed on the bill word for word"


class ModelFill(QWidget):
    """The button, its progress and Cancel, the proposals to accept and the refusals.

    ``shown()`` gives the fields as they stand on screen (field -> text); the empty ones are
    asked for. ``accepted(name, text, reason)`` asks the review to put a proposal in its field.
    """

    accepted = Signal(str, str, str)

    def __init__(
        self,
        company: Company,
        runner: Runner,
        labels: Mapping[str, str],
        shown: Callable[[], Mapping[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("modelFill")
        self.company, self.runner, self.labels, self.shown = company, runner, labels, shown
        self.runtime: ModelRuntime | None = None
        self.view: StoredView | None = None
        self.editable = False
        self.job: Job | None = None
        self._cancel: threading.Event | None = None
        self.result: SecondPass | None = None
        self.accept_buttons: dict[str, QPushButton] = {}

        self.fill_button = QPushButton("Fill missing fields with the &model")
        self.fill_button.setObjectName("fillWithModel")
        self.fill_button.clicked.connect(lambda _checked=False: self.run())
        self.progress = QProgressBar()
        self.progress.setObjectName("modelProgress")
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelModel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel()
        self.status.setObjectName("modelStatus")
        self.status.setWordWrap(True)
        self.proposals = QGridLayout()
        self.accept_all_button = QPushButton("Accept &all proposals")
        self.accept_all_button.setObjectName("acceptAllProposals")
        self.accept_all_button.setVisible(False)
        self.accept_all_button.clicked.connect(self.accept_all)
        self.refused = QLabel()
        self.refused.setObjectName("modelRefused")
        self.refused.setWordWrap(True)
        self.refused.setStyleSheet("color: #b45309;")

        row = QHBoxLayout()
        row.addWidget(self.fill_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        row.addStretch(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addLayout(self.proposals)
        layout.addWidget(self.accept_all_button)
        layout.addWidget(self.refused)
        self._update_button()

    # -- state -------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.job is not None

    def set_runtime(self, runtime: ModelRuntime | None) -> None:
        self.runtime = runtime
        self._update_button()

    def set_document(self, view: StoredView | None, editable: bool) -> None:
        """A bill opened (or reopened after a save): earlier proposals no longer apply."""
        if self.view is None or view is None or view.row.id != self.view.row.id:
            self.cancel()
        self.view, self.editable = view, editable
        self.clear()
        self._update_button()

    def clear(self) -> None:
        self.result = None
        self.status.setText("")
        self.refused.setText("")
        self.accept_all_button.setVisible(False)
        self.accept_buttons = {}
        while self.proposals.count():
            item = self.proposals.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _update_button(self) -> None:
        if self.runtime is None:
            self.fill_button.setEnabled(False)
            self.fill_button.setToolTip(NO_MODEL_HINT)
        elif not self.editable:
            self.fill_button.setEnabled(False)
            self.fill_button.setToolTip("Only a draft bill can be filled in.")
        else:
            self.fill_button.setEnabled(not self.busy)
            self.fill_button.setToolTip(
                f"Ask {self.runtime.name} for the fields still empty; each value it proposes "
                "is checked against the bill and waits for your Accept. Nothing is saved."
            )

    # -- running -----------------------------------------------------------------------------
    def run(self) -> None:
        """Ask the model for the fields empty on screen, off the UI thread."""
        runtime, view = self.runtime, self.view
        if runtime is None or view is None or not self.editable or self.busy:
            return
        on_screen = dict(self.shown())
        company, doc_id = self.company, view.row.id
        cancel = threading.Event()

        def work(ctx: JobContext) -> SecondPass:
            with company.reader() as conn:
                texts = queries.document_text(conn, doc_id)
            reading = review_reading(view, texts, on_screen)
            pieces = 0

            def on_token(_piece: str) -> None:
                nonlocal pieces
                pieces += 1
                ctx.progress(pieces, 0, "")

            try:
                result = second_pass(runtime, reading, on_token=on_token, cancel=cancel)
            except ModelAnswerCutOff:
                if cancel.is_set():
                    raise Cancelled from None
                raise
            if cancel.is_set():
                raise Cancelled
            return result

        self.clear()
        self.status.setText(f"{runtime.name} is reading the bill…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self._cancel = cancel
        job = self.runner.read(
            "Fill fields with the model",
            work,
            on_done=self.show_result,
            on_error=self._failed,
            on_progress=self._progressed,
        )
        job.cancelled.connect(self._cancelled)
        job.finished.connect(self._finished)
        self.job = job
        self._update_button()
        self.cancel_button.setFocus()

    def cancel(self) -> None:
        """Stop the model between two tokens; nothing it wrote is used."""
        if self._cancel is not None and self.job is not None:
            self._cancel.set()
            self.job.cancel()
            self.cancel_button.setEnabled(False)

    def _progressed(self, done: int, _total: int, _text: str) -> None:
        if self.runtime is not None:
            self.status.setText(f"{self.runtime.name} is writing the fields… ({done} pieces)")

    def show_result(self, result: SecondPass) -> None:
        """The checked proposals, each with Accept, and the refusals with their reasons."""
        self.result = result
        if not result.asked:
            self.status.setText("No field is empty: there is nothing for the model to fill.")
            return
        self.status.setText(
            f"{result.engine} was asked for {len(result.asked)} empty field(s): "
            f"{len(result.accepted)} value(s) passed the checks, {len(result.rejected)} "
            "refused. Accept the ones you agree with, then save; nothing is stored before."
        )
        for row, proposal in enumerate(result.accepted):
            label = self.labels.get(proposal.name, proposal.name)
            text = value_text(proposal.value)
            reason = kept_because(proposal.name)
            what = QLabel(
                f"<b>{html.escape(label)}</b>: {html.escape(text)} "
                f"<small>(from {html.escape(result.engine)}: {html.escape(reason)})</small>"
            )
            what.setObjectName(f"proposal_{proposal.name}")
            what.setWordWrap(True)
            button = QPushButton(f"Accept {label}")
            button.setObjectName(f"accept_{proposal.name}")
            button.clicked.connect(
                lambda _c=False, n=proposal.name, t=text, r=reason: self.accept(n, t, r)
            )
            self.accept_buttons[proposal.name] = button
            self.proposals.addWidget(what, row, 0)
            self.proposals.addWidget(button, row, 1)
        self.accept_all_button.setVisible(len(result.accepted) > 1)
        self.refused.setText(
            "\n".join(
                f"• Refused {self.labels.get(r.field, r.field)} {r.value!r}: {r.reason}"
                for r in result.rejected
            )
        )
        if self.accept_buttons:
            next(iter(self.accept_buttons.values())).setFocus()

    def accept(self, name: str, text: str, reason: str) -> None:
        button = self.accept_buttons.get(name)
        if button is None or not button.isEnabled():
            return
        button.setEnabled(False)
        button.setText("Accepted")
        engine = self.result.engine if self.result else "the model"
        self.accepted.emit(name, text, f"{engine}: {reason}")

    def accept_all(self) -> None:
        if self.result is None:
            return
        for proposal in self.result.accepted:
            self.accept(proposal.name, value_text(proposal.value), kept_because(proposal.name))

    def _failed(self, error: BaseException) -> None:
        text = error_text(error)  # cut off, or the model cannot run: say so, change nothing
        if text is not None:
            self.status.setText(text)
        else:
            self.status.setText("The model could not fill the fields; nothing was changed.")
            show_error(self, error)

    def _cancelled(self) -> None:
        self.status.setText("Cancelled: nothing the model wrote is used.")

    def _finished(self) -> None:
        self.job, self._cancel = None, None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._update_button()
