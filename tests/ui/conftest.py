"""GUI tests drive real widgets offscreen (pytest-qt) over real encrypted companies."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.ledger.service import create_books
from app.storage.company import Company, CompanyProfile
from app.ui.ops import Runner, UiThreadCollector
from app.ui.shell import MainWindow

PASSWORD = "ui-test-pass-1"
PROFILE = CompanyProfile("Verma Hardware", "27", date(2025, 4, 1))


@pytest.fixture(autouse=True)
def _home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session", autouse=True)
def _collector(qapp: QApplication) -> Iterator[UiThreadCollector]:
    """As the program does: Python's cycle collector runs on the UI thread only."""
    made = UiThreadCollector(qapp)
    yield made
    gc.enable()


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[Runner]:
    made = Runner()
    yield made
    made.shutdown()


@pytest.fixture
def company_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "verma"
    made, _recovery = create_books(folder, PROFILE, PASSWORD)
    made.close()
    return folder


@pytest.fixture
def company(tmp_path: Path) -> Iterator[Company]:
    made, _recovery = create_books(tmp_path / "books", PROFILE, PASSWORD)
    yield made
    made.close()


def activate(qtbot: QtBot, widget: QWidget) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.raise_()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=3000)


@pytest.fixture
def window(qtbot: QtBot, company: Company, runner: Runner) -> Iterator[MainWindow]:
    made = MainWindow(company, runner)
    activate(qtbot, made)
    qtbot.waitUntil(lambda: bool(made.ledger.vouchers.accounts), timeout=5000)
    yield made
    made.ledger.vouchers.clear()  # nothing unsaved: closing must not ask
    made.close()
    runner.wait()
    # No deleteLater: the window has no parent, so Python owns it and deletes it when the
    # fixture lets go. deleteLater as well deleted it twice (a crash in a later test).


def wait_idle(qtbot: QtBot, runner: Runner, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=timeout)


def type_keys(qtbot: QtBot, text: str) -> None:
    """Type as a person does: each key goes to whichever widget has the focus now."""
    for char in text:
        target = QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard focus"
        qtbot.keyClick(target, char)
