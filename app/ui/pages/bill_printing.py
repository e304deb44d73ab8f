"""Printed bills for the billing screens, when the printing module is installed.

Printing (``app.billing.printing``) is optional for the screens: they offer it only when it
imports, and everything else works without it. A bill is always rendered to PDF first (the
same file "Save PDF" writes); "Print…" sends that PDF's pages through the system print dialog,
and "Email…" saves it to a chosen folder and opens the mail client with it attached where the
platform allows, addressed to the party when its record has an email address.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

from PySide6.QtCore import QRectF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from app.billing import queries as billing_queries
from app.billing.model import PostedDocument
from app.errors import AppError, ValidationError
from app.storage.company import Company
from app.ui.ops import JobContext, Runner, show_error

log = logging.getLogger(__name__)

PRINT_FOLDER = "printed"  # inside the company folder: the bill stays with the books
MAX_PRINT_DPI = 300  # pages are rendered as images; more only makes the spool file bigger


def _printing() -> ModuleType | None:
    try:
        return importlib.import_module("app.billing.printing")
    except ImportError as error:
        log.info("printing not available: %s", error)
        return None


def printing_available() -> bool:
    module = _printing()
    return module is not None and hasattr(module, "receipt_pdf")


def save_bill_pdf(
    company: Company, doc: PostedDocument, *, receipt: bool, folder: Path | None = None
) -> Path:
    """Write the bill as a PDF (80 mm receipt or A4 invoice) and return where it went: the
    company's printed/ folder unless ``folder`` is given. The company's invoice settings
    (template, logo, UPI id, bank, terms) decide the look."""
    module = _printing()
    if module is None:
        raise RuntimeError("printing is not installed")
    if folder is None:
        folder = company.folder / PRINT_FOLDER
        folder.mkdir(exist_ok=True)
    elif not folder.is_dir():
        raise ValidationError(f"The folder {folder} does not exist. Choose another folder.")
    from app.billing.invoice_settings import invoice_settings, letterhead_for

    with company.reader() as conn:
        chosen = invoice_settings(conn)
    head = letterhead_for(company, chosen)
    name = str(module.pdf_file_name(doc.number))
    path = folder / (name if not receipt else name.replace(".pdf", "-receipt.pdf"))
    if receipt:
        module.receipt_pdf(doc, head, path)
    else:
        module.invoice_pdf(doc, head, module.load_template(chosen.template), path)
    return path


# --- the system print dialog -----------------------------------------------------------------


def _page_images(pdf: Path, dpi: int) -> Iterator[QImage]:
    """Each page of ``pdf`` as an image at ``dpi`` (pdfium, which also renders bills for OCR;
    PySide6-Essentials has no Qt PDF module)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    try:
        document = pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as error:
        raise ValidationError(f"{pdf.name} could not be read as a PDF; save it again.") from error
    try:
        for index in range(len(document)):
            picture = document[index].render(scale=dpi / 72).to_pil().convert("RGB")
            data = picture.tobytes()
            image = QImage(
                data, picture.width, picture.height, 3 * picture.width, QImage.Format.Format_RGB888
            )
            yield image.copy()  # the copy owns its pixels; ``data`` goes away
    finally:
        document.close()


def print_pdf(pdf: Path, printer: QPrinter) -> int:
    """Send every page of ``pdf`` to ``printer`` (as the print dialog set it up), each scaled
    to fit the printable area and centred across; returns the number of pages printed."""
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    painter = QPainter()
    pages = 0
    try:
        for image in _page_images(pdf, dpi):
            if pages == 0 and not painter.begin(printer):
                raise ValidationError(
                    "The printer could not be started; check that it is on and chosen."
                )
            if pages:
                printer.newPage()
            area = QRectF(painter.viewport())
            scale = min(area.width() / image.width(), area.height() / image.height())
            width, height = image.width() * scale, image.height() * scale
            target = QRectF(area.x() + (area.width() - width) / 2, area.y(), width, height)
            painter.drawImage(target, image)
            pages += 1
    finally:
        if painter.isActive():
            painter.end()
    if not pages:
        raise ValidationError(f"{pdf.name} has no pages to print.")
    return pages


class BillOutput:
    """Print… and Email… for one screen: the PDF is made off the UI thread, then the system
    print dialog (or the folder chooser) opens without blocking, so everything stays
    reachable from the keyboard. ``say`` shows the outcome on the screen; ``closed``, when
    given, runs as either dialog closes (the counter takes the keys and the scanner back)."""

    def __init__(
        self,
        parent: QWidget,
        company: Company,
        runner: Runner,
        say: Callable[[str], None],
        closed: Callable[[], None] | None = None,
    ) -> None:
        self.parent, self.company, self.runner, self.say = parent, company, runner, say
        self.closed = closed
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.print_dialog: QPrintDialog | None = None
        self.folder_dialog: QFileDialog | None = None
        self.last_mail: MailCommand | None = None  # what was handed to the mail client

    def print_bill(self, doc: PostedDocument, *, receipt: bool = False) -> None:
        company = self.company

        def render(_ctx: JobContext) -> Path:
            return save_bill_pdf(company, doc, receipt=receipt)

        self.runner.read("Print", render, on_done=self._ask_printer, on_error=self._failed)

    def _ask_printer(self, pdf: Path) -> None:
        dialog = QPrintDialog(self.printer, self.parent)
        dialog.setObjectName("printDialog")
        dialog.setWindowTitle(f"Print {pdf.stem}")
        dialog.accepted.connect(lambda: self._print(pdf))
        self._on_close(dialog)
        self.print_dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()  # not exec(): the event loop (and the runner's results) keep going

    def _on_close(self, dialog: QDialog) -> None:
        closed = self.closed
        if closed is not None:
            dialog.finished.connect(lambda _result: closed())

    def _print(self, pdf: Path) -> None:
        try:
            pages = print_pdf(pdf, self.printer)
        except AppError as error:
            self._failed(error)
            return
        where = self.printer.outputFileName() or self.printer.printerName() or "the printer"
        self.say(f"Sent {pages} page{'s' if pages != 1 else ''} of {pdf.stem} to {where}.")

    def email_bill(self, doc: PostedDocument) -> None:
        """Ask for a folder, save the bill there, then open a new mail with it attached."""
        dialog = QFileDialog(self.parent, "Save the bill for the mail in")
        dialog.setObjectName("emailFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda folder: self.save_for_mail(doc, Path(folder)))
        self._on_close(dialog)
        self.folder_dialog = dialog
        dialog.open()

    def save_for_mail(self, doc: PostedDocument, folder: Path, *, open_client: bool = True) -> None:
        company = self.company

        def save(_ctx: JobContext) -> tuple[Path, str]:
            pdf = save_bill_pdf(company, doc, receipt=False, folder=folder)
            return pdf, party_email(company, doc)  # a database read: here, off the UI thread

        def saved(result: tuple[Path, str]) -> None:
            pdf, to = result
            command = mail_command(
                pdf,
                to=to,
                subject=f"{doc.kind.label} {doc.number} from {company.profile.name}",
                body=f"Please find attached {doc.kind.label.lower()} {doc.number}.",
            )
            self.last_mail = command
            if not open_client:
                self.say(f"Saved {pdf}.")
                return
            try:
                self.say(f"Saved {pdf}. " + open_mail(command))
            except AppError as error:
                self._failed(error)

        self.runner.read("Save for mail", save, on_done=saved, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        show_error(self.parent, error)


# --- email ----------------------------------------------------------------------------------


def party_email(company: Company, doc: PostedDocument) -> str:
    """Where the new mail goes: the party's email address, or "" for a walk-in sale or a
    party without one (the user types it in the mail client)."""
    if doc.party_id is None:
        return ""
    with company.reader() as conn:
        return billing_queries.party(conn, doc.party_id).email.strip()


@dataclass(frozen=True)
class MailCommand:
    """How to hand a saved bill to the mail client: a program to start (``argv``) or a
    ``mailto:`` link to open, and a folder to show when the file cannot be attached."""

    argv: tuple[str, ...] = ()
    url: str = ""
    folder: Path | None = None
    note: str = ""


def mail_command(
    pdf: Path, *, to: str = "", subject: str = "", body: str = "", platform: str | None = None
) -> MailCommand:
    """The command that opens a new mail with ``pdf`` attached, for ``platform``
    (sys.platform's values). Linux has xdg-email; macOS's Mail takes a file to attach; on
    Windows a mailto: link cannot carry an attachment, so the folder opens beside the mail."""
    platform = platform or sys.platform
    if platform.startswith("linux") or "bsd" in platform:
        argv = ["xdg-email", "--attach", str(pdf)]
        if subject:
            argv += ["--subject", subject]
        if body:
            argv += ["--body", body]
        if to:
            argv.append(to)
        return MailCommand(argv=tuple(argv))
    if platform == "darwin":
        return MailCommand(argv=("open", "-a", "Mail", str(pdf)))
    query = "&".join(
        f"{key}={quote(value, safe='')}"
        for key, value in (("subject", subject), ("body", body))
        if value
    )
    url = f"mailto:{quote(to, safe='@')}" + (f"?{query}" if query else "")
    return MailCommand(
        url=url,
        folder=pdf.parent,
        note=f"Attach {pdf.name} from the folder that opened to the new mail.",
    )


def open_mail(command: MailCommand, parent: QWidget | None = None) -> str:
    """Start the mail client as ``command`` says; returns what to tell the user."""
    from PySide6.QtCore import QProcess

    if command.argv:
        program = shutil.which(command.argv[0])
        if program is None or not QProcess.startDetached(program, list(command.argv[1:])):
            raise ValidationError(
                f"No mail program could be started ({command.argv[0]} is missing). The bill "
                "was saved; attach it to a mail yourself."
            )
    if command.url:
        QDesktopServices.openUrl(QUrl(command.url))
    if command.folder is not None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(command.folder)))
    return command.note or "A new mail with the bill attached has opened."
