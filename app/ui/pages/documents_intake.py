"""Bills coming in: importing files one after another in the background (read and OCR on the
pool, stored by the writer), and a watched folder that feeds new files to that queue.

A scanner writes a file over a second or two, so a file is taken only once its size has
stayed the same between two looks.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from app.documents import queries, service
from app.documents.model import ReadCancelled
from app.documents.pages import file_kind
from app.documents.stored import Imported, PreparedImport
from app.storage.company import Company
from app.ui.ops import Job, JobContext, Runner

BILL_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"})
SETTLE_MS = 1000  # look again after this long; a file whose size held still is complete


@dataclass(frozen=True)
class Outcome:
    """What became of one file: stored, found stored before, failed or cancelled."""

    path: Path
    imported: Imported | None = None
    error: BaseException | None = None
    cancelled: bool = False


class ImportQueue(QObject):
    """Files imported one at a time. ``progressed(done, total, text)`` per page of the file
    being read, ``finished_file(Outcome)`` after each, ``idle()`` when the queue is empty."""

    progressed = Signal(int, int, str)
    finished_file = Signal(object)
    idle = Signal()

    def __init__(self, company: Company, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.company, self.runner = company, runner
        self.waiting: deque[Path] = deque()
        self.current: Path | None = None
        self.job: Job | None = None

    @property
    def busy(self) -> bool:
        return self.current is not None

    def add(self, paths: list[Path]) -> None:
        queued = {*self.waiting, self.current}
        self.waiting.extend(p for p in paths if p not in queued)
        if self.current is None:
            self._next()

    def cancel(self) -> None:
        """Stop the file being read (between pages) and forget the ones waiting."""
        self.waiting.clear()
        if self.job is not None:
            self.job.cancel()

    def _next(self) -> None:
        if not self.waiting:
            self.current, self.job = None, None
            self.idle.emit()
            return
        path = self.current = self.waiting.popleft()
        company = self.company

        def read(ctx: JobContext) -> Imported | PreparedImport:
            file_kind(path)
            with company.reader() as conn:
                known = queries.by_hash(conn, service.content_hash(path.read_bytes()))
            if known is not None:
                return Imported(known, path.name, duplicate=True)

            def progress(done: int, total: int, stage: str) -> None:
                ctx.progress(done, total, stage)

            return service.prepare_import(path, progress=progress, cancel=lambda: ctx.cancelled)

        self.job = self.runner.read(
            f"Read {path.name}",
            read,
            on_done=self._read,
            on_error=self._failed,
            on_progress=self.progressed.emit,
        )
        self.job.cancelled.connect(lambda: self._done(Outcome(path, cancelled=True)))

    def _read(self, result: Imported | PreparedImport) -> None:
        path = self.current
        assert path is not None
        if isinstance(result, Imported):
            self._done(Outcome(path, imported=result))
            return
        company = self.company
        self.progressed.emit(0, 0, f"storing {path.name}")

        def write(_ctx: JobContext) -> Imported:
            return service.store_import(company, result)

        self.job = self.runner.write(
            f"Store {path.name}",
            write,
            on_done=lambda imported: self._done(Outcome(path, imported=imported)),
            on_error=self._failed,
        )

    def _failed(self, error: BaseException) -> None:
        path = self.current
        assert path is not None
        if isinstance(error, ReadCancelled):
            self._done(Outcome(path, cancelled=True))
        else:
            self._done(Outcome(path, error=error))

    def _done(self, outcome: Outcome) -> None:
        self.finished_file.emit(outcome)
        self._next()


class FolderWatch(QObject):
    """Reports bill files that appear in a folder (and those already there when it starts)."""

    found = Signal(list)

    def __init__(self, parent: QObject | None = None, settle_ms: int = SETTLE_MS) -> None:
        super().__init__(parent)
        self.folder: Path | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(settle_ms)
        self.timer.timeout.connect(self.look)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _d: self.timer.start())
        self.sizes: dict[Path, int] = {}
        self.taken: set[Path] = set()

    def set_folder(self, folder: Path | None) -> None:
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        self.folder, self.sizes, self.taken = folder, {}, set()
        if folder is not None and folder.is_dir():
            self.watcher.addPath(str(folder))
            self.look()

    def look(self) -> None:
        if self.folder is None:
            return
        ready, settling = [], False
        try:
            entries = sorted(self.folder.iterdir())
        except OSError:
            return  # the folder went away (an unplugged drive): wait for it to come back
        for path in entries:
            if path in self.taken or path.suffix.lower() not in BILL_SUFFIXES:
                continue
            try:
                size = path.stat().st_size if path.is_file() else -1
            except OSError:
                continue
            if size <= 0:
                settling = settling or size == 0
                continue
            if self.sizes.get(path) == size:
                ready.append(path)
                self.taken.add(path)
            else:
                self.sizes[path] = size
                settling = True
        if ready:
            self.found.emit(ready)
        if settling:
            self.timer.start()
