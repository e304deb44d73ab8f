"""The barcode scanner as a keyboard wedge: it types the code fast and presses Enter.

An application event filter, active only while the counter is on screen and its window is
the active one, watches every key before the focused widget does. Keys that come less than
``SCAN_GAP_MS`` apart, at least ``MIN_SCAN_LENGTH`` of them, then Enter just as fast, are a
scan: the filter takes them back from wherever they went and reports the code. Anything
slower is a person typing and goes on as typed. When the focus is not in a text field (the
bill's table, a button), typed keys are held a moment, then handed to the page as
type-to-search text, so a scan there never starts an edit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

SCAN_GAP_MS = 50  # scanners send a key every 1-20 ms; people type 80 ms apart or more
MIN_SCAN_LENGTH = 4  # the shortest code worth scanning (internal codes, EAN-8 is 8)
_TYPING_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _scan_char(event: QKeyEvent) -> str | None:
    text = event.text()
    if len(text) != 1 or not (text.isascii() and (text.isalnum() or text in "-./")):
        return None
    if event.modifiers() & ~_TYPING_MODIFIERS:
        return None  # Ctrl+digit and Alt+letter are commands, not a code
    return text


class ScanWedge(QObject):
    """``scanned(code)`` for a scan; ``typed(text)`` for keys held back that were typing."""

    scanned = Signal(str)
    typed = Signal(str)

    def __init__(
        self,
        page: QWidget,
        commands: Callable[[QKeyEvent, QWidget | None], bool],
        overrides: frozenset[int],
    ) -> None:
        super().__init__(page)
        self.page = page
        self._commands = commands  # the page's own keys (F12 to pay, Del, ...)
        self._overrides = overrides  # keys the page takes before the window's shortcuts
        self._burst: list[str] = []
        self._last_ms = -1e9
        self._restore: tuple[QLineEdit, str, int] | None = None
        self._held = False  # the burst is held back rather than typed into a field
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(SCAN_GAP_MS + 10)
        self._flush.timeout.connect(self._hand_over)
        self._installed = False

    # -- switched on while the counter is shown -------------------------------------------------
    def install(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False
        self._hand_over()

    def _active(self, focus: QWidget | None) -> bool:
        window = self.page.window()
        if not self.page.isVisible() or QApplication.activeWindow() is not window:
            return False
        if focus is not None:
            return focus.window() is window  # not while a dialog over the counter has it
        return QApplication.activeModalWidget() is None

    # -- the filter ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        focus = QApplication.focusWidget()
        if not isinstance(event, QKeyEvent) or not self._active(focus):
            return False
        # A key the focused widget ignores travels up to its parents: act on it once only.
        if watched is not (focus or self.page.window()):
            return False
        if kind == QEvent.Type.ShortcutOverride:
            if event.key() in self._overrides or (
                event.key() in _ENTER and event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                event.accept()  # the window's F6/F7 stand aside while the counter is shown
                return True
            return False
        return self._key_press(event, focus)

    def _now_ms(self, event: QKeyEvent) -> float:
        # The window system's time of the key when there is one (a busy moment on this
        # thread must not make slow typing look fast); the clock for synthetic keys.
        return float(event.timestamp()) or time.monotonic() * 1000

    def _key_press(self, event: QKeyEvent, focus: QWidget | None) -> bool:
        now = self._now_ms(event)
        fast = now - self._last_ms < SCAN_GAP_MS
        char = _scan_char(event)
        if char is not None:
            if not fast:
                self._hand_over()
                self._start_burst(focus)
            self._burst.append(char)
            self._last_ms = now
            if self._held:
                self._flush.start()
                return True
            return False
        if event.key() in _ENTER and not event.modifiers() & ~_TYPING_MODIFIERS:
            if fast and len(self._burst) >= MIN_SCAN_LENGTH:
                code = "".join(self._burst)
                self._take_back()
                self.scanned.emit(code)
                return True
            self._hand_over()
        else:
            self._hand_over()
        self._last_ms = -1e9
        return self._commands(event, focus)

    def _start_burst(self, focus: QWidget | None) -> None:
        self._burst = []
        if isinstance(focus, QLineEdit) and not focus.isReadOnly():
            self._restore = (focus, focus.text(), focus.cursorPosition())
            self._held = False
        else:
            self._restore = None
            self._held = True

    def _take_back(self) -> None:
        """Undo what the scanner typed into a field, so the code does not stay there."""
        self._flush.stop()
        if self._restore is not None:
            field, text, cursor = self._restore
            field.setText(text)
            field.setCursorPosition(cursor)
        self._burst, self._restore, self._held = [], None, False

    def _hand_over(self) -> None:
        """The burst was typing: keys held back go to the page as search text."""
        self._flush.stop()
        if self._held and self._burst:
            self.typed.emit("".join(self._burst))
        self._burst, self._restore, self._held = [], None, False
