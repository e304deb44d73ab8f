"""Auto-lock: after the idle time set in Settings the window hides the books and asks for the
user's password. Nothing is closed, so a voucher being typed is still there after unlocking.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.storage.company import Company
from app.ui.ops import JobContext, Runner, error_text, show_error

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatch(QObject):
    """Emits ``idle`` after ``msecs`` without a key press, click or mouse move anywhere."""

    idle = Signal()

    def __init__(self, msecs: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_interval(msecs)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_interval(self, msecs: int) -> None:
        """0 switches the lock off."""
        self._timer.stop()
        self._msecs = msecs
        if msecs > 0:
            self._timer.start(msecs)

    def restart(self) -> None:
        if self._msecs > 0:
            self._timer.start(self._msecs)

    def stop(self) -> None:
        self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start(self._msecs)
        return False


class LockScreen(QWidget):
    """The user's password, checked off the UI thread (Argon2id takes a moment)."""

    unlocked = Signal()

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        actor = company.actor
        title = QLabel(f"<h2>{company.profile.name} is locked</h2>")
        note = QLabel(
            f"Locked after a while without use. Type the password of <b>{actor.username}</b> "
            "to carry on where you left off; nothing you were typing is lost."
        )
        note.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.returnPressed.connect(self.submit)
        self.button = QPushButton("&Unlock")
        self.button.clicked.connect(self.submit)
        self.error = QLabel()
        self.error.setObjectName("lockError")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.button)
        box = QWidget()
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        inner.addWidget(title)
        inner.addWidget(note)
        inner.addLayout(row)
        inner.addWidget(self.error)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def reset(self) -> None:
        self.password.clear()
        self.error.clear()
        self._busy(False)
        self.password.setFocus()

    def submit(self) -> None:
        password = self.password.text()
        if not password:
            self.error.setText("Type your password.")
            return
        company = self.company
        self.password.clear()
        self._busy(True)

        def check(_ctx: JobContext) -> None:
            company.confirm_password(password)

        self.runner.read("Unlock", check, on_done=self._confirmed, on_error=self._refused)

    def _confirmed(self, _result: object) -> None:
        self._busy(False)
        self.unlocked.emit()

    def _refused(self, exc: BaseException) -> None:
        self._busy(False)
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
            return
        self.error.setText(text)
        self.password.setFocus()

    def _busy(self, busy: bool) -> None:
        self.password.setEnabled(not busy)
        self.button.setEnabled(not busy)
        if busy:
            self.error.setText("Checking…")
