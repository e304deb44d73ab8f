"""Settings → Invoices: how the company's bills look and ask to be paid (template, logo, UPI
id, bank details, terms) and the prefix of each numbering series. Printing reads these."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.billing.invoice_settings import (
    InvoiceSettings,
    invoice_settings,
    logo_problem,
    save_invoice_settings,
)
from app.billing.model import DocKind
from app.billing.numbering import DEFAULT_PREFIXES, series_prefixes, set_series_prefix
from app.billing.printing import BankDetails, load_template, template_names
from app.errors import AppError
from app.storage.company import Company
from app.ui.ops import JobContext, Runner, show_error

LOGO_PREVIEW = 48  # pixels high


def _line(name: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setPlaceholderText(placeholder)
    return field


class InvoiceSettingsTab(QWidget):
    def __init__(
        self, company: Company, runner: Runner, say: Callable[[str], None], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.company, self.runner, self.say = company, runner, say
        self.logo = b""
        self.logo_dialog: QFileDialog | None = None
        self.template = QComboBox()
        self.template.setObjectName("invoiceTemplate")
        for name in template_names():
            self.template.addItem(load_template(name).title, name)
        self.upi = _line("upiId", "shopname@okaxis")
        self.phone = _line("invoicePhone")
        self.email = _line("invoiceEmail")
        self.bank = _line("bankName", "HDFC Bank")
        self.account = _line("bankAccount")
        self.ifsc = _line("bankIfsc", "HDFC0001234")
        self.branch = _line("bankBranch")
        self.terms = QPlainTextEdit()
        self.terms.setObjectName("invoiceTerms")
        self.terms.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.terms.setPlaceholderText("One line each, e.g. Goods once sold are not taken back.")
        self.terms.setMaximumHeight(90)
        self.logo_preview = QLabel("No logo")
        self.logo_preview.setObjectName("logoPreview")
        logo_row = self._logo_row()
        save = QPushButton("Save &invoice settings")
        save.setObjectName("saveInvoiceSettings")
        save.clicked.connect(self.save)

        self.series_kind = QComboBox()
        self.series_kind.setObjectName("seriesKind")
        self.prefix = _line("seriesPrefix", "INV")
        prefix_row = self._prefix_row()
        self.prefixes: dict[DocKind, str] = dict(DEFAULT_PREFIXES)

        form = QFormLayout(self)
        form.addRow("&Template", self.template)
        form.addRow("Logo", logo_row)
        form.addRow("&UPI id (payment QR)", self.upi)
        form.addRow("Phone on bills", self.phone)
        form.addRow("Email on bills", self.email)
        form.addRow("&Bank", self.bank)
        form.addRow("Account number", self.account)
        form.addRow("IFSC", self.ifsc)
        form.addRow("Branch", self.branch)
        form.addRow("Te&rms", self.terms)
        form.addRow("", save)
        form.addRow("Numbering &series", prefix_row)
        form.addRow(
            "",
            QLabel(
                "A series already started keeps its prefix until its financial year ends; "
                "numbers stay within 16 characters (CGST Rule 46)."
            ),
        )
        self.load()

    def _logo_row(self) -> QHBoxLayout:
        choose = QPushButton("Choose &logo…")
        choose.clicked.connect(self.choose_logo)
        remove = QPushButton("Remove l&ogo")
        remove.clicked.connect(lambda: self.set_logo(b""))
        row = QHBoxLayout()
        row.addWidget(self.logo_preview)
        row.addWidget(choose)
        row.addWidget(remove)
        return row

    def _prefix_row(self) -> QHBoxLayout:
        for kind in DEFAULT_PREFIXES:
            self.series_kind.addItem(kind.label, kind.value)  # Qt keeps a StrEnum as str
        self.series_kind.currentIndexChanged.connect(self._show_prefix)
        self.prefix.setMaxLength(6)
        set_prefix = QPushButton("Set &prefix")
        set_prefix.setObjectName("setPrefix")
        set_prefix.clicked.connect(self.save_prefix)
        row = QHBoxLayout()
        row.addWidget(self.series_kind)
        row.addWidget(self.prefix)
        row.addWidget(set_prefix)
        return row

    def _failed(self, error: BaseException) -> None:
        show_error(self, error)

    # -- reading ---------------------------------------------------------------------------
    def load(self) -> None:
        company = self.company

        def read(_ctx: JobContext) -> tuple[InvoiceSettings, dict[DocKind, str]]:
            with company.reader() as conn:
                return invoice_settings(conn), series_prefixes(conn)

        self.runner.read("Invoice settings", read, on_done=self._loaded)

    def _loaded(self, values: tuple[InvoiceSettings, dict[DocKind, str]]) -> None:
        chosen, prefixes = values
        self.template.setCurrentIndex(max(0, self.template.findData(chosen.template)))
        self.upi.setText(chosen.upi_id)
        self.phone.setText(chosen.phone)
        self.email.setText(chosen.email)
        bank = chosen.bank
        for field, value in (
            (self.bank, bank.bank if bank else ""),
            (self.account, bank.account_number if bank else ""),
            (self.ifsc, bank.ifsc if bank else ""),
            (self.branch, bank.branch if bank else ""),
        ):
            field.setText(value)
        self.terms.setPlainText("\n".join(chosen.terms))
        self.set_logo(chosen.logo)
        self.prefixes = prefixes
        self._show_prefix()

    def _show_prefix(self) -> None:
        kind = DocKind(self.series_kind.currentData())
        self.prefix.setText(self.prefixes.get(kind, DEFAULT_PREFIXES[kind]))

    # -- the logo ----------------------------------------------------------------------------
    def choose_logo(self) -> None:
        dialog = QFileDialog(self, "Choose the logo", "", "Images (*.png *.jpg *.jpeg)")
        dialog.setObjectName("logoDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.read_logo)
        self.logo_dialog = dialog
        dialog.open()

    def read_logo(self, path: str) -> None:
        """Take the image into the settings (not its path: the file may move later)."""
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            self.say(f"The logo could not be read: {error.strerror}.")
            return
        problem = logo_problem(data)
        if problem:
            self.say(problem)
            return
        self.set_logo(data)
        self.say("Logo chosen; save the invoice settings to keep it.")

    def set_logo(self, data: bytes) -> None:
        self.logo = data
        picture = QPixmap()
        if data and picture.loadFromData(data):
            self.logo_preview.setPixmap(
                picture.scaledToHeight(LOGO_PREVIEW, Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("No logo")

    # -- saving ------------------------------------------------------------------------------
    def current(self) -> InvoiceSettings:
        """The settings as entered; raises ValidationError for bad bank details."""
        bank_fields = (self.bank, self.account, self.ifsc, self.branch)
        bank = None
        if any(field.text().strip() for field in bank_fields):
            bank = BankDetails(
                bank=self.bank.text().strip(),
                account_number=self.account.text().strip(),
                ifsc=self.ifsc.text().strip().upper(),
                branch=self.branch.text().strip(),
            )
        return InvoiceSettings(
            template=str(self.template.currentData()),
            upi_id=self.upi.text().strip(),
            bank=bank,
            logo=self.logo,
            terms=tuple(self.terms.toPlainText().splitlines()),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
        )

    def save(self) -> None:
        try:
            chosen = self.current()
        except AppError as error:
            self.say(str(error))
            return
        company = self.company

        def write(_ctx: JobContext) -> InvoiceSettings:
            return save_invoice_settings(company, chosen)

        self.runner.write(
            "Invoice settings",
            write,
            on_done=lambda _kept: self.say("Invoice settings saved; new prints use them."),
            on_error=self._failed,
        )

    def save_prefix(self) -> None:
        company, prefix = self.company, self.prefix.text()
        kind = DocKind(self.series_kind.currentData())

        def write(_ctx: JobContext) -> tuple[str, ...]:
            return set_series_prefix(company, kind, prefix)

        def done(kept: tuple[str, ...]) -> None:
            self.prefixes[kind] = prefix.strip().upper()
            text = f"{kind.label} numbers start with {self.prefixes[kind]}"
            if kept:
                text += f" from the next series; FY {', '.join(kept)} keeps its prefix"
            self.say(text + ".")

        self.runner.write("Series prefix", write, on_done=done, on_error=self._failed)
