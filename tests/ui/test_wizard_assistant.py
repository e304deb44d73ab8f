"""The new-company wizard's optional last step: import a local GGUF model, or skip it.

A real company is made on the way; the model is a tiny random-weight GGUF written by the
assistant tests' generator, imported through the real runner into the real models folder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from app.config import data_dir
from app.storage.company import Company
from app.ui.ops import READER_THREADS, JobContext, Runner
from app.ui.unlock import UnlockDialog
from app.ui.wizard import AssistantPage, FirstRunWizard
from tests.assistant.gguf_writer import write_llama_gguf
from tests.ui.conftest import activate, wait_idle

GOOD_PASSWORD = "Kirana-Counter-2025!"


@pytest.fixture
def dialog(qtbot: QtBot, runner: Runner) -> Iterator[UnlockDialog]:
    made = UnlockDialog(runner)
    qtbot.addWidget(made)
    activate(qtbot, made)
    yield made
    runner.wait()
    if made.company is not None:
        made.company.close()


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_llama_gguf(tmp_path_factory.mktemp("models") / "tiny-test.gguf")


def to_assistant_page(qtbot: QtBot, dialog: UnlockDialog, folder: Path) -> FirstRunWizard:
    """Through the four pages that make the company, to the optional one."""
    dialog.open_wizard()
    wizard = dialog.wizard
    assert isinstance(wizard, FirstRunWizard)
    activate(qtbot, wizard)
    wizard.company_page.name.setText("Verma Kirana")
    wizard.company_page.folder.setText(str(folder))
    wizard.next()
    wizard.next()  # the books page's defaults
    wizard.password_page.password.setText(GOOD_PASSWORD)
    wizard.password_page.again.setText(GOOD_PASSWORD)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.company is not None, timeout=20_000)
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert not commit.isEnabled()  # not past the recovery key before it is saved
    wizard.recovery_page.saved.setChecked(True)
    assert commit.isEnabled()
    commit.click()
    assert wizard.currentPage() is wizard.assistant_page
    # The company exists now: no way back to the pages that made it.
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    return wizard


def models_in_folder() -> list[str]:
    folder = data_dir() / "models"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def finish(qtbot: QtBot, dialog: UnlockDialog, wizard: FirstRunWizard) -> Company:
    finish_button = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        finish_button.click()
    assert dialog.company is not None and dialog.company is wizard.company
    return dialog.company


def test_skipping_creates_the_company_as_before(
    qtbot: QtBot, dialog: UnlockDialog, tmp_path: Path
) -> None:
    wizard = to_assistant_page(qtbot, dialog, tmp_path / "verma")
    page = wizard.assistant_page
    assert "works fully without" in page.subTitle()
    assert "Assistant page" in page.subTitle()
    assert wizard.button(QWizard.WizardButton.FinishButton).text() == "&Skip and finish"
    company = finish(qtbot, dialog, wizard)
    assert company.profile.name == "Verma Kirana"
    assert company.folder == tmp_path / "verma"
    assert models_in_folder() == []


def test_importing_a_gguf_installs_it_in_the_models_folder(
    qtbot: QtBot, dialog: UnlockDialog, runner: Runner, tmp_path: Path, tiny_gguf: Path
) -> None:
    wizard = to_assistant_page(qtbot, dialog, tmp_path / "verma")
    page = wizard.assistant_page
    page.import_file(tiny_gguf)
    assert page.busy and not page.isComplete()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert page.job is not None
    said: list[str] = []
    page.job.progressed.connect(lambda _done, _total, text: said.append(text))
    wait_idle(qtbot, runner)
    assert not page.busy
    assert any(text.startswith("Copying tiny-test.gguf") for text in said), said
    assert page.progress.value() == page.progress.maximum() == 1000
    assert "tiny-test.gguf is installed" in page.status.text()
    installed = data_dir() / "models" / "tiny-test.gguf"
    assert page.imported == installed
    assert models_in_folder() == ["tiny-test.gguf"]  # whole: no .part left beside it
    assert installed.read_bytes() == tiny_gguf.read_bytes()
    assert wizard.button(QWizard.WizardButton.FinishButton).text() == "&Finish"
    finish(qtbot, dialog, wizard)


def test_a_file_that_is_not_gguf_is_refused_and_the_wizard_still_finishes(
    qtbot: QtBot, dialog: UnlockDialog, runner: Runner, tmp_path: Path
) -> None:
    wizard = to_assistant_page(qtbot, dialog, tmp_path / "verma")
    page = wizard.assistant_page
    impostor = tmp_path / "model.gguf"
    impostor.write_text("not a model, only a name that looks like one\n" * 40_000, "utf-8")
    page.import_file(impostor)
    wait_idle(qtbot, runner)
    assert "model.gguf is not a GGUF model file" in page.status.text()
    assert "finish without a model" in page.status.text()
    assert page.imported is None and page.import_button.isEnabled()
    assert models_in_folder() == []
    assert wizard.button(QWizard.WizardButton.FinishButton).text() == "&Skip and finish"
    company = finish(qtbot, dialog, wizard)
    assert company.profile.name == "Verma Kirana"


def test_stopping_an_import_installs_nothing(
    qtbot: QtBot, dialog: UnlockDialog, runner: Runner, tmp_path: Path, tiny_gguf: Path
) -> None:
    wizard = to_assistant_page(qtbot, dialog, tmp_path / "verma")
    page: AssistantPage = wizard.assistant_page
    # Hold every pool thread so that Stop is pressed before the import's first chunk:
    # without this the 6 MB copy may be over before the click.
    release = threading.Event()

    def hold(_ctx: JobContext) -> None:
        release.wait(10)

    for _ in range(READER_THREADS):
        runner.read("hold", hold)
    page.import_file(tiny_gguf)
    assert page.cancel_button.isVisible() and page.cancel_button.isEnabled()
    page.cancel_import()
    release.set()
    wait_idle(qtbot, runner)
    assert "cancelled; nothing was installed" in page.status.text()
    assert models_in_folder() == []
    assert page.import_button.isEnabled() and not page.cancel_button.isVisible()
    finish(qtbot, dialog, wizard)
