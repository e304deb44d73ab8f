"""A double-clicked backup: `bahi gui FILE.bahibak` (the desktop entry's `bahi gui %f`) opens
the chooser's restore of that file, driven here through the launcher's own function."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog
from pytestqt.qtbot import QtBot

from app import launch
from app.storage.backup import create_backup
from app.storage.company import is_company_folder, open_company
from app.ui.unlock import UnlockDialog
from tests.ui.conftest import PASSWORD


def test_the_launcher_routes_a_file_to_restore_and_a_folder_to_open(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import app.ui.app

    calls: list[tuple[Path | None, Path | None]] = []

    def routed(
        argv: object,
        folder: Path | None,
        *,
        demo: bool,
        screenshots: Path | None,
        backup: Path | None = None,
    ) -> int:
        calls.append((folder, backup))
        return 0

    monkeypatch.setattr(app.ui.app, "run_gui", routed)
    backup = tmp_path / "shop.bahibak"
    backup.write_bytes(b"")
    assert launch.main(["gui", str(backup)]) == 0
    assert launch.main(["gui", str(tmp_path)]) == 0
    assert calls == [(None, backup), (tmp_path, None)]
    for wrong in (["gui", str(tmp_path / "gone.bahibak")], ["gui", str(backup), "--company", "x"]):
        with pytest.raises(SystemExit) as refused:
            launch.main(wrong)
        assert refused.value.code == 2


def test_a_double_clicked_backup_opens_at_its_restore(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, company_folder: Path, tmp_path: Path
) -> None:
    with open_company(company_folder, "owner", PASSWORD) as company:
        backup = create_backup(company, tmp_path / "verma.bahibak").path
    target = tmp_path / "restored"
    target.mkdir()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    seen: dict[str, str] = {}

    def drive() -> None:
        """Play the user: pick the folder, type the password, then leave at the login."""
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QFileDialog):
            seen["folder dialog"] = modal.windowTitle()
            modal.setDirectory(str(target))
            modal.accept()
        elif isinstance(modal, QInputDialog):
            seen["password dialog"] = modal.labelText()
            modal.setTextValue(PASSWORD)
            modal.accept()
        elif isinstance(modal, UnlockDialog) and modal.pages.currentWidget() is modal.login:
            seen["login"] = modal.login.title.text()
            modal.reject()  # the restored company is ready to unlock: enough

    def give_up() -> None:  # a flow that never reaches the login must not hang the run
        while (modal := QApplication.activeModalWidget()) is not None:
            modal.close()

    driver = QTimer()
    driver.timeout.connect(drive)
    driver.start(50)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(give_up)
    deadline.start(30_000)
    try:  # the bare file, as the desktop entry's `bahi gui %f` passes it
        assert launch.main(["gui", str(backup)]) == 0
    finally:
        driver.stop()
        deadline.stop()

    assert "verma.bahibak" in seen["folder dialog"]  # the file came preselected
    assert "password" in seen["password dialog"]
    assert str(target) in seen["login"] and "Verma Hardware" in seen["login"]
    assert is_company_folder(target)
    with open_company(target, "owner", PASSWORD) as restored:
        assert restored.profile.name == "Verma Hardware"
