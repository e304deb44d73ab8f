"""Start the desktop program: QApplication, unlock, then the main window.

The main window (``app.ui.shell``: every page, billing, documents, the sync client) is
imported only once a company is open: the chooser comes up without waiting for it.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from app.config import APP_NAME, APP_VERSION, setup_logging
from app.storage.settings import THEME, THEMES, choice
from app.ui.ops import Runner, UiThreadCollector, show_error
from app.ui.theme import apply_theme
from app.ui.unlock import UnlockDialog

log = logging.getLogger(__name__)


def _install_excepthook() -> None:
    """An exception escaping a slot goes to the log and a crash dialog, not to stderr."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error in the desktop program", exc_info=(kind, exc, tb))
        show_error(QApplication.activeWindow(), exc)

    sys.excepthook = hook


def run_gui(
    argv: Sequence[str] | None = None,
    company_folder: Path | None = None,
    *,
    demo: bool = False,
    screenshots: Path | None = None,
    backup: Path | None = None,
) -> int:
    """Run until the main window closes; returns the exit status. ``demo`` opens (and if
    need be first builds) the demo company; ``screenshots`` saves every main screen there
    and exits; ``backup`` (a double-clicked ``.bahibak`` file) starts the chooser's restore
    with that file chosen."""
    with contextlib.suppress(OSError):  # a read-only home must not stop the program
        setup_logging()
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(APP_VERSION)
    _install_excepthook()
    UiThreadCollector(app)
    if screenshots is not None:
        from app.ui.screenshots import run_screenshots

        return run_screenshots(screenshots)
    runner = Runner()
    unlock = UnlockDialog(runner, company_folder)
    if demo:
        QTimer.singleShot(0, unlock.chooser.open_demo)
    if backup is not None:  # once the chooser is up: its dialogs open over it
        QTimer.singleShot(0, lambda: unlock.chooser.ask_restore(backup))
    if unlock.exec() != QDialog.DialogCode.Accepted or unlock.company is None:
        runner.shutdown()
        return 0
    company = unlock.company
    try:
        from app.ui.shell import MainWindow  # here, not at the top: see the module's docstring

        with company.reader() as conn:
            apply_theme(app, choice(conn, THEME, THEMES))
        window = MainWindow(company, runner)
        window.show()
        status = app.exec()
    finally:
        runner.shutdown()
        company.close()
    log.info("desktop program closed")
    return int(status)


__all__ = ["run_gui"]
