"""The one background runner (DESIGN.md §7).

Database writes go to a single writer thread, one job at a time, so two units of work never
race for SQLite's write lock; reads, reports and key derivation go to a small pool. A job is
a plain function of a ``JobContext``: it reports progress and checks its cancel token between
units of work, and never touches a widget. Results and errors come back to the UI thread by
Qt signal. ``AppError`` becomes a message that says what to do; anything else is logged and
shown in a crash dialog with the log path.

Every Qt object here is made, used and freed on the UI thread. Workers are plain Python
threads that see only plain Python objects, and they drop everything they hold before they
say a job ended: a Qt wrapper freed on a worker thread while the UI thread tears down a
window is a crash, and one that shows only under load.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from app.config import log_path
from app.errors import AppError

log = logging.getLogger(__name__)

# Work longer than this shows a progress dialog with a Cancel button.
PROGRESS_AFTER_MS = 500
READER_THREADS = 3


class Cancelled(Exception):
    """Raised by ``JobContext.check`` when the user cancelled the job."""


class CancelToken:
    """Set from the UI thread, read by the worker between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class JobContext:
    """What a job function gets: its cancel token and a way to report progress."""

    def __init__(self, token: CancelToken, report: Callable[[int, int, str], None]) -> None:
        self.token = token
        self._report = report

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def check(self) -> None:
        """Stop here if the user cancelled; call it between units of work, never inside one."""
        if self.token.cancelled:
            raise Cancelled

    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        """Report ``done`` of ``total`` units (total 0: unknown, shown as busy)."""
        self._report(done, total, text)


JobFunction = Callable[[JobContext], Any]


class Job(QObject):
    """One submitted piece of work; connect to its signals, call ``cancel`` to stop it."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, name: str, fn: JobFunction) -> None:
        super().__init__()
        self.name = name
        self.token = CancelToken()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.last_progress = (0, 0)
        # Held here, on the UI thread, until the job ends: whatever the function closes
        # over (a page, a dialog) is never last let go by a worker.
        self.fn: JobFunction | None = fn

    def cancel(self) -> None:
        self.token.cancel()


@dataclass
class _Work:
    """What a worker thread gets: no Qt object in it."""

    ticket: int
    name: str
    fn: JobFunction
    token: CancelToken


class _Bridge(QObject):
    """Lives on the UI thread; workers emit, so every delivery is queued to the UI thread."""

    progressed = Signal(int, int, int, str)  # ticket, done, total, text
    ended = Signal(int, str, object)  # ticket, outcome, result or error


def _perform(work: _Work, bridge: _Bridge) -> tuple[str, Any]:
    ticket = work.ticket

    def report(done: int, total: int, text: str) -> None:
        bridge.progressed.emit(ticket, done, total, text)

    try:
        return "succeeded", work.fn(JobContext(work.token, report))
    except Cancelled:
        log.info("job %s cancelled", work.name)
        return "cancelled", None
    except AppError as exc:
        return "failed", exc.with_traceback(None)
    except Exception as exc:
        # Logged here, where the traceback still is; then dropped, since its frames hold
        # the job's locals.
        log.exception("job %s failed unexpectedly", work.name)
        return "failed", exc.with_traceback(None)


class _Lane:
    """Worker threads that take work from one queue, in order."""

    def __init__(self, name: str, threads: int, bridge: _Bridge) -> None:
        self._queue: queue.Queue[_Work | None] = queue.Queue()
        self._bridge = bridge
        self._idle = threading.Condition()
        self._pending = 0
        self._threads = [
            threading.Thread(target=self._serve, name=f"bahi-{name}-{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, work: _Work) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put(work)

    def _serve(self) -> None:
        while True:
            work = self._queue.get()
            if work is None:
                return
            ticket = work.ticket
            outcome, payload = _perform(work, self._bridge)
            del work  # the UI thread still holds the function: this is never the last ref
            self._bridge.ended.emit(ticket, outcome, payload)
            del payload
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait(self, timeout: float | None) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()


class Runner(QObject):
    """Submits jobs: ``write`` to the single writer thread, ``read`` to the pool."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = _Bridge(self)
        self._bridge.progressed.connect(self._progressed)
        self._bridge.ended.connect(self._ended)
        self._writer = _Lane("writer", 1, self._bridge)
        self._readers = _Lane("reader", READER_THREADS, self._bridge)
        self._jobs: dict[int, Job] = {}
        self._tickets = 0
        self._stopped = False
        # Where errors go when the submitter gave no handler of its own.
        self.error_parent: QWidget | None = None

    def write(
        self,
        name: str,
        fn: JobFunction,
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        progress: QWidget | None = None,
    ) -> Job:
        """Run on the single writer thread, after the writes submitted before it."""
        return self._submit(self._writer, name, fn, on_done, on_error, on_progress, progress)

    def read(
        self,
        name: str,
        fn: JobFunction,
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        progress: QWidget | None = None,
    ) -> Job:
        """Run on the pool: reads, reports, key derivation; never a database write."""
        return self._submit(self._readers, name, fn, on_done, on_error, on_progress, progress)

    def _submit(
        self,
        lane: _Lane,
        name: str,
        fn: JobFunction,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_progress: Callable[[int, int, str], None] | None,
        progress: QWidget | None,
    ) -> Job:
        job = Job(name, fn)
        if self._stopped:
            # A timer of a page that outlived its company (a search pause, the backup check):
            # there is nothing left to run it on, and nothing to show.
            log.info("%s was asked for after the company closed; not run", name)
            job.done = True
            return job
        # Everything is connected before the job starts: a fast job cannot finish unheard.
        if on_done is not None:
            job.succeeded.connect(on_done)
        job.failed.connect(on_error if on_error is not None else self._default_error)
        if on_progress is not None:
            job.progressed.connect(on_progress)
        if progress is not None:
            watch(job, progress)
        self._tickets += 1
        self._jobs[self._tickets] = job
        lane.submit(_Work(self._tickets, name, fn, job.token))
        return job

    def _progressed(self, ticket: int, done: int, total: int, text: str) -> None:
        job = self._jobs.get(ticket)
        if job is not None:
            job.last_progress = (done, total)
            job.progressed.emit(done, total, text)

    def _ended(self, ticket: int, outcome: str, payload: Any) -> None:
        job = self._jobs.pop(ticket)
        job.fn = None
        job.done = True
        if outcome == "succeeded":
            job.result = payload
            job.succeeded.emit(payload)
        elif outcome == "failed":
            job.error = payload
            job.failed.emit(payload)
        else:
            job.cancelled.emit()
        job.finished.emit()

    def _default_error(self, exc: BaseException) -> None:
        show_error(self.error_parent, exc)

    @property
    def busy(self) -> bool:
        """True until the UI thread has heard the end of every job."""
        return bool(self._jobs)

    def wait(self, msecs: int = -1) -> bool:
        """Block until the workers have finished every job (at shutdown and in tests).

        The results still arrive by the event loop; ``busy`` turns False once they have.
        """
        timeout = None if msecs < 0 else msecs / 1000
        writer_done = self._writer.wait(timeout)
        return self._readers.wait(timeout) and writer_done

    def settle(self) -> None:
        """Ask every job to stop at its next check and wait: a write in progress ends whole."""
        for job in self._jobs.values():
            job.cancel()
        self.wait()

    def shutdown(self) -> None:
        """Settle, then end the worker threads (when the program ends)."""
        if self._stopped:
            return
        self.settle()
        self._stopped = True
        self._writer.stop()
        self._readers.stop()


class UiThreadCollector(QObject):
    """Python's cycle collector, run only on the UI thread.

    Left automatic, it runs on whichever thread happens to allocate, and a widget caught in
    a cycle would then be freed on a worker thread. So it is switched off and run here from
    a timer instead (the approach calibre takes).
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(interval_ms)

    def collect(self) -> None:
        # Cheap when little changed: only a full threshold's worth of new objects costs.
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return


def watch(job: Job, parent: QWidget, label: str | None = None) -> QProgressDialog:
    """A progress dialog with Cancel that appears only if the job takes over half a second."""
    dialog = QProgressDialog(label or f"{job.name}…", "Cancel", 0, 0, parent)
    dialog.setWindowTitle("Working")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(PROGRESS_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progressed(done: int, total: int, text: str) -> None:
        dialog.setMaximum(total)
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(text)

    def finished() -> None:
        dialog.close()
        dialog.deleteLater()

    job.progressed.connect(progressed)
    dialog.canceled.connect(job.cancel)
    job.finished.connect(finished)
    return dialog


def error_text(exc: BaseException) -> str | None:
    """The user's message for an expected error; None for anything unexpected."""
    return str(exc) if isinstance(exc, AppError) else None


def crash_text() -> str:
    return (
        "Bahi met a problem it did not expect, and the last command stopped. Your data is safe: "
        "a change is saved whole or not at all.\n\n"
        f"Details are in the log file:\n{log_path()}\n\n"
        "Please send that file with a note of what you were doing."
    )


def show_error(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """A domain error as a message that says what to do; anything else as a crash dialog."""
    text = error_text(exc)
    if text is not None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Bahi", text, QMessageBox.StandardButton.Ok)
    else:
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Unexpected problem",
            crash_text(),
            QMessageBox.StandardButton.Ok,
        )
        box.setObjectName("crashDialog")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if parent is not None:
        box.setParent(parent, box.windowFlags())
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # modal but not blocking: the event loop and the workers keep running
    return box
