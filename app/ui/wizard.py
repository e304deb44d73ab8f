"""First run: create a company in four steps, show its recovery key once, then optionally
import an AI model.

Company (name, GSTIN checked as typed, state, address, folder) -> books (financial year start,
books beginning) -> owner password (strength meter) -> recovery key with its QR and a
"Print / save as PDF" button -> AI assistant (optional: import a local .gguf file, or skip).
The company is created in the background on arrival at the recovery key.
"""

from __future__ import annotations

import html
import re
import threading
from datetime import date
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QImage, QPageSize, QPixmap, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.config import data_dir
from app.errors import AppError
from app.gst.gstin import check_gstin
from app.gst.registration import registered_gstin
from app.gst.states import all_states
from app.ledger.model import financial_year
from app.ledger.service import create_books
from app.storage import totp
from app.storage.company import Company, CompanyProfile
from app.storage.keyslots import MIN_PASSWORD_LENGTH, check_password_strength
from app.ui.ops import Job, JobContext, Runner, error_text, show_error
from app.ui.widgets import DateField

MONTHS = (
    "January February March April May June July August September October November December"
).split()
_COMMON = re.compile(r"(password|qwerty|123456|abcdef|letmein|admin|welcome|india)", re.I)


def password_strength(password: str) -> tuple[int, str]:
    """A 0-4 score and a word for the meter. The rule that refuses is check_password_strength;
    this only guides towards long passwords with variety and no common words."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return 0, f"Too short: at least {MIN_PASSWORD_LENGTH} characters"
    kinds = sum(
        bool(re.search(pattern, password)) for pattern in (r"[a-z]", r"[A-Z]", r"\d", r"[^\w]")
    )
    score = 1 + (len(password) >= 12) + (len(password) >= 16) + (kinds >= 3)
    if _COMMON.search(password) or len(set(password)) < 5:
        score = min(score, 1)
    return score, ("Weak", "Fair", "Good", "Strong")[min(score, 4) - 1]


def _folder_name(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return slug or "company"


class CompanyPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your business")
        self.setSubTitle("As it appears on your invoices. You can change these later.")
        self.name = QLineEdit()
        self.name.setObjectName("companyName")
        self.gstin = QLineEdit()
        self.gstin.setObjectName("gstin")
        self.gstin.setPlaceholderText("15 characters, or leave empty if not registered")
        self.gstin.setMaxLength(20)
        self.gstin_note = QLabel()
        self.gstin_note.setObjectName("gstinNote")
        self.gstin_note.setWordWrap(True)
        self.state = QComboBox()
        self.state.setObjectName("state")
        for state in all_states():
            if state.in_gstin and state.merged_into is None:
                self.state.addItem(f"{state.code} {state.name}", state.code)
        self.state.setCurrentIndex(self.state.findData("27"))
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setMaximumHeight(70)
        self.folder = QLineEdit()
        self.folder.setObjectName("folder")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Company &name", self.name)
        form.addRow("&GSTIN", self.gstin)
        form.addRow("", self.gstin_note)
        form.addRow("&State", self.state)
        form.addRow("&Address", self.address)
        form.addRow("Save in &folder", folder_row)
        self._folder_edited = False
        self.name.textChanged.connect(self._suggest_folder)
        self.folder.textEdited.connect(lambda _t: setattr(self, "_folder_edited", True))
        self.gstin.textChanged.connect(self._check_gstin)
        self.name.textChanged.connect(self.completeChanged)
        self.gstin.textChanged.connect(self.completeChanged)
        self.folder.textChanged.connect(self.completeChanged)
        self.state.currentIndexChanged.connect(self._check_gstin)

    def _suggest_folder(self, name: str) -> None:
        if not self._folder_edited:
            self.folder.setText(str(data_dir() / "companies" / _folder_name(name)))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the company")
        if chosen:
            self._folder_edited = True
            self.folder.setText(str(Path(chosen) / _folder_name(self.name.text())))

    @property
    def state_code(self) -> str:
        return str(self.state.currentData())

    def _check_gstin(self) -> None:
        text = self.gstin.text().strip()
        if not text:
            self.gstin_note.setText("Not registered for GST: invoices will be bills of supply.")
            self.gstin_note.setStyleSheet("")
            return
        verdict = check_gstin(text)
        if len(verdict.text) < 15:
            self.gstin_note.setText(f"{len(verdict.text)} of 15 characters")
            self.gstin_note.setStyleSheet("")
            return
        if verdict.valid and verdict.state_code and verdict.state_code != self.state_code:
            index = self.state.findData(verdict.state_code)
            if index >= 0:
                self.state.setCurrentIndex(index)  # the GSTIN names the state
        if verdict.is_regular:
            self.gstin_note.setText(f"✓ Valid GSTIN. PAN {verdict.pan}.")
            self.gstin_note.setStyleSheet("color: #15803d;")
        elif verdict.valid:
            kind = verdict.kind.label if verdict.kind else "special ID"
            self.gstin_note.setText(f"This is a {kind}, not a regular GSTIN.")
            self.gstin_note.setStyleSheet("color: #b91c1c;")
        else:
            self.gstin_note.setText(f"Not valid: {verdict.problem}.")
            self.gstin_note.setStyleSheet("color: #b91c1c;")

    def isComplete(self) -> bool:
        text = self.gstin.text().strip()
        gstin_ok = not text or check_gstin(text).is_regular
        return bool(self.name.text().strip() and self.folder.text().strip() and gstin_ok)


class BooksPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your books")
        self.setSubTitle(
            "Indian businesses keep books from April to March. Enter vouchers from the date "
            "your books begin; balances before it go in as opening balances."
        )
        today = date.today()
        self.year_start = QComboBox()
        self.year_start.setObjectName("yearStart")
        for number, month in enumerate(MONTHS, start=1):
            self.year_start.addItem(month, number)
        self.year_start.setCurrentIndex(3)  # April
        self.begins = DateField(financial_year(today).start)
        self.begins.setObjectName("booksBegin")
        self.year_start.currentIndexChanged.connect(self._year_changed)
        form = QFormLayout(self)
        form.addRow("Financial year &starts in", self.year_start)
        form.addRow("Books &begin on", self.begins)
        self.begins.textChanged.connect(self.completeChanged)

    @property
    def start_month(self) -> int:
        return int(self.year_start.currentData())

    def _year_changed(self) -> None:
        self.begins.set_date(financial_year(date.today(), self.start_month).start)

    def isComplete(self) -> bool:
        return self.begins.value() is not None


class PasswordPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("The owner's password")
        self.setSubTitle(
            "It encrypts the company file. Nobody, not even Bahi's makers, can open the books "
            "without it or the recovery key shown next."
        )
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setObjectName("passwordAgain")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = QProgressBar()
        self.meter.setObjectName("strength")
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("&Password", self.password)
        form.addRow("Strength", self.meter)
        form.addRow("&Again", self.again)
        form.addRow("", self.note)
        for field in (self.password, self.again):
            field.textChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        score, word = password_strength(self.password.text())
        self.meter.setValue(score)
        self.meter.setFormat(word)
        again = self.again.text()
        self.note.setText(
            "The two entries differ." if again and again != self.password.text() else ""
        )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        password = self.password.text()
        return len(password) >= MIN_PASSWORD_LENGTH and password == self.again.text()


class RecoveryPage(QWizardPage):
    """Creates the company on arrival, then shows the recovery key once."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("Your recovery key")
        self.setSubTitle(
            "If the password is forgotten, this key is the only way into the books. It is "
            "shown once: print it or save it as a PDF, and keep it away from this computer."
        )
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.status = QLabel("Creating the company…")
        self.status.setWordWrap(True)
        self.key = QLabel()
        self.key.setObjectName("recoveryKey")
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setStyleSheet("font-family: monospace; font-size: 16px;")
        self.qr = QLabel()
        self.print_button = QPushButton("&Print / save as PDF…")
        self.print_button.clicked.connect(self.print_key)
        self.saved = QCheckBox("I have printed or saved the recovery key")
        self.saved.setObjectName("savedKey")
        self.saved.toggled.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.key)
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.saved)
        self._show_key(False)

    def _show_key(self, shown: bool) -> None:
        for widget in (self.key, self.qr, self.print_button, self.saved):
            widget.setVisible(shown)
        self.busy.setVisible(not shown)

    def initializePage(self) -> None:
        self._show_key(False)
        self.status.setText("Creating the company and its encrypted file…")
        self.owner.make_company()

    def created(self, name: str, recovery_key: str) -> None:
        self._show_key(True)
        self.status.setText(f"{name} is ready.")
        self.key.setText(recovery_key)
        image = QImage.fromData(QByteArray(totp.qr_png(recovery_key)))
        self.qr.setPixmap(QPixmap.fromImage(image).scaledToWidth(180))
        self.completeChanged.emit()

    def failed(self, text: str) -> None:
        self.busy.hide()
        self.status.setText(f"{text}\n\nGo back to change it, then try again.")

    def isComplete(self) -> bool:
        return self.owner.company is not None and self.saved.isChecked()

    def key_html(self) -> str:
        return (
            f"<h2>Bahi recovery key</h2><p>{html.escape(self.owner.company_name)}</p>"
            f'<p style="font-family: monospace; font-size: 16pt">'
            f"{html.escape(self.key.text())}</p>"
            '<p><img src="qr" width="180"></p>'
            "<p>Keep this page safe and away from the computer. Anyone who has it can open "
            "the books; without it or the owner's password nobody can.</p>"
        )

    def save_pdf(self, path: Path) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setOutputFileName(str(path))
        self._document().print_(printer)

    def print_key(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)  # offers "Print to PDF" too
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self._document().print_(printer)

    def _document(self) -> QTextDocument:
        document = QTextDocument()
        image = QImage.fromData(QByteArray(totp.qr_png(self.key.text())))
        document.addResource(QTextDocument.ResourceType.ImageResource, "qr", image)
        document.setHtml(self.key_html())
        return document


class AssistantPage(QWizardPage):
    """Optional last step: import a local .gguf model now, or finish without one.

    The import (header checks, the catalog's sha256 when it has one, the copy) runs on the
    runner's pool with a progress bar and a Cancel button; a refused file only says why, and
    the wizard still finishes.
    """

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("AI assistant (optional)")
        self.setSubTitle(
            "Bahi works fully without one. You can skip this and add a model later on the "
            "Assistant page."
        )
        about = QLabel(
            "The assistant answers questions about your books in plain words with an AI model "
            "that runs on this computer, without the internet. A model is one large file "
            "ending in .gguf (about 0.7 to 4.5 GB). If you have one, import it now; otherwise "
            "press Skip and finish."
        )
        about.setWordWrap(True)
        self.import_button = QPushButton("&Import a .gguf model file…")
        self.import_button.setObjectName("importModel")
        self.import_button.clicked.connect(self.ask_import)
        self.cancel_button = QPushButton("S&top import")
        self.cancel_button.setObjectName("stopImport")
        self.cancel_button.clicked.connect(self.cancel_import)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.setRange(0, 1000)
        self.status = QLabel()
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.job: Job | None = None
        self._cancel: threading.Event | None = None
        self.imported: Path | None = None  # the installed model file
        self._set_busy(False)

    @property
    def busy(self) -> bool:
        return self.job is not None

    def initializePage(self) -> None:
        self._name_finish()

    def ask_import(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Import a GGUF model", str(Path.home()), "GGUF models (*.gguf);;All files (*)"
        )
        if chosen:
            self.import_file(Path(chosen))

    def import_file(self, source: Path) -> None:
        # Imported here, not at the top: the chooser imports this module, and the HTTP
        # client model_files brings costs start-up time that a first run may never need.
        from app.assistant.model_files import import_model

        if self.busy:
            return
        cancel = threading.Event()

        def work(ctx: JobContext) -> Path:
            ctx.progress(0, 0, f"Checking {source.name}…")

            def copied(done: int, total: int | None) -> None:
                # Per mille: a byte count of a 4 GB file overflows the signal's C++ int.
                ctx.progress(
                    done * 1000 // total if total else 0,
                    1000,
                    f"Copying {source.name}: {done / 1e6:,.0f} of {(total or 0) / 1e6:,.0f} MB",
                )

            return import_model(source, progress=copied, cancel=cancel).path

        self._cancel = cancel
        self.status.setStyleSheet("")
        self.status.setText(f"Checking {source.name}…")
        self.job = self.owner.runner.read(
            "Import a model",
            work,
            on_done=self._imported,
            on_error=self._refused,
            on_progress=self._progressed,
        )
        self._set_busy(True)

    def cancel_import(self) -> None:
        if self._cancel is not None and self.job is not None:
            self._cancel.set()
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Stopping the import…")

    def _progressed(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        else:
            self.progress.setRange(0, 0)  # checking: no measure of how far
        if text:
            self.status.setText(text)

    def _imported(self, path: Path) -> None:
        self._ended()
        self.imported = path
        self.progress.setValue(self.progress.maximum())
        self.status.setStyleSheet("color: #15803d;")
        self.status.setText(
            f"✓ {path.name} is installed. Load it on the Assistant page when you want to ask "
            "something."
        )
        self._name_finish()

    def _refused(self, exc: BaseException) -> None:
        self._ended()
        self.progress.setValue(0)
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
            text = "The model could not be imported."
        self.status.setStyleSheet("color: #b91c1c;")
        self.status.setText(f"{text}\n\nYou can try another file, or finish without a model.")

    def _ended(self) -> None:
        self.job = None
        self._cancel = None
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy or self.imported is not None)
        if busy:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
        self.completeChanged.emit()

    def _name_finish(self) -> None:
        self.owner.setButtonText(
            QWizard.WizardButton.FinishButton,
            "&Finish" if self.imported is not None else "&Skip and finish",
        )

    def isComplete(self) -> bool:
        return not self.busy  # finishing mid-copy would leave the import running

    def validatePage(self) -> bool:
        return not self.busy


class FirstRunWizard(QWizard):
    """Creates a real company; ``company`` is the opened company once it is made."""

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle("Create a company")
        self.setObjectName("firstRunWizard")
        self.resize(640, 520)
        self.company: Company | None = None
        self.company_name = ""
        self.company_page = CompanyPage()
        self.books_page = BooksPage()
        self.password_page = PasswordPage()
        self.recovery_page = RecoveryPage(self)
        self.assistant_page = AssistantPage(self)
        for page in (
            self.company_page,
            self.books_page,
            self.password_page,
            self.recovery_page,
            self.assistant_page,
        ):
            self.addPage(page)
        # Past the recovery key the company exists: no way back to the pages that made it.
        self.recovery_page.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Next >")
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)

    def profile(self) -> CompanyProfile:
        page = self.company_page
        begins = self.books_page.begins.value()
        if begins is None:
            raise AppError("Type the date the books begin as dd-mm-yyyy.")
        state = page.state_code
        return CompanyProfile(
            name=page.name.text().strip(),
            state_code=state,
            books_begin=begins,
            gstin=registered_gstin(state, page.gstin.text()),
            address=page.address.toPlainText().strip(),
            fy_start_month=self.books_page.start_month,
        )

    def make_company(self) -> None:
        if self.company is not None:
            return  # made already; going back and forth must not make a second one
        try:
            profile = self.profile()
            check_password_strength(self.password_page.password.text())
        except AppError as exc:
            self.recovery_page.failed(str(exc))
            return
        folder = Path(self.company_page.folder.text().strip()).expanduser()
        password = self.password_page.password.text()
        self.company_name = profile.name

        def make(ctx: JobContext) -> tuple[Company, str]:
            ctx.progress(0, 0, "Creating the company…")
            return create_books(folder, profile, password)

        self.runner.write("Create the company", make, on_done=self._made, on_error=self._failed)

    def _made(self, made: tuple[Company, str]) -> None:
        company, recovery_key = made
        self.company = company
        self.password_page.password.clear()
        self.password_page.again.clear()
        self.recovery_page.created(company.profile.name, recovery_key)
        # Once made, the company stays made: Back would only confuse.
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)

    def _failed(self, exc: BaseException) -> None:
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
            text = "The company could not be created."
        self.recovery_page.failed(text)

    def reject(self) -> None:
        if self.company is not None and not self.recovery_page.saved.isChecked():
            self.recovery_page.status.setText(
                "The company is made. Save the recovery key and tick the box to finish."
            )
            return
        self.assistant_page.cancel_import()  # an import must not outlive the wizard
        super().reject()
