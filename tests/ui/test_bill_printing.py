"""Print… and Email… from a posted document: the bill goes through the real print dialog to a
QPrinter writing a PDF, which is read back with pdfplumber and compared with the saved bill;
the mail command is checked as data, never run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.billing.model import (
    Address,
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PaymentMode,
    Tender,
)
from app.billing.parties import add_party
from app.billing.service import post_document
from app.money import D
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.bill_printing import mail_command, print_pdf, save_bill_pdf
from app.ui.pages.document_register import DocumentView
from tests.conftest import CompanyFactory
from tests.ui.conftest import activate, wait_idle

DAY = date(2025, 6, 10)
RAO_EMAIL = "accounts@raostores.in"


@pytest.fixture
def shop(make_company: CompanyFactory) -> Company:
    company = make_company(gstin="27AAPFU0939F1ZV", address="Shop 4, Laxmi Road, Pune")
    return company


@pytest.fixture
def view(qtbot: QtBot, shop: Company, runner: Runner) -> Iterator[DocumentView]:
    rao = add_party(
        shop,
        PartyDraft(
            "Rao Stores",
            gstin="29AABCR1718E1ZL",
            billing=Address("MG Road, Bengaluru"),
            email=RAO_EMAIL,
        ),
    )
    rice = DraftLine("Basmati rice", D("10"), D("450"), D("5"), hsn="1006", uqc="KGS")
    doc = post_document(shop, DocumentDraft(DocKind.SALES_INVOICE, DAY, (rice,), party_id=rao))
    parent = QWidget()
    qtbot.addWidget(parent)
    made = DocumentView(shop, runner, doc.document, parent)
    activate(qtbot, made)
    yield made
    made.close()
    runner.wait()


def _picture(path: Path) -> Image.Image:
    """The first page in grey, softened: the print is a picture of the page, the saved bill
    vector text, and the two render the same glyph a little differently."""
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0].to_image(resolution=72).original.convert("L")
    return page.filter(ImageFilter.GaussianBlur(2))


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a, b.resize(a.size))).mean[0])


def test_print_goes_through_the_dialog_and_matches_the_saved_bill(
    qtbot: QtBot, view: DocumentView, shop: Company, runner: Runner, tmp_path: Path
) -> None:
    out = tmp_path / "printed.pdf"
    printer = view.output.printer
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setFullPage(True)  # the whole sheet, so the print lines up with the saved bill

    qtbot.keyClick(view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # no mouse
    qtbot.waitUntil(
        lambda: view.output.print_dialog is not None and view.output.print_dialog.isVisible(),
        timeout=10_000,
    )
    dialog = view.output.print_dialog
    assert dialog is not None
    dialog.accept()
    qtbot.waitUntil(lambda: "Sent 1 page" in view.message.text(), timeout=10_000)
    wait_idle(qtbot, runner)

    saved = save_bill_pdf(shop, view.doc, receipt=False)
    with pdfplumber.open(out) as printed, pdfplumber.open(saved) as source:
        assert len(printed.pages) == len(source.pages) == 1
        page = printed.pages[0]
        assert len(page.images) == 1  # the bill's page, drawn whole
        assert abs(page.width - source.pages[0].width) < 2  # A4 both
    bill, print_ = _picture(saved), _picture(out)
    # The print looks like the bill (about 2 grey levels apart on 255), while a blank page or
    # the same print a line lower is several times further off, so the check can fail.
    assert _difference(bill, print_) < 4
    assert _difference(bill, Image.new("L", bill.size, 255)) > 3 * _difference(bill, print_)
    assert _difference(bill, ImageChops.offset(print_, 0, 8)) > 3 * _difference(bill, print_)


def test_print_pdf_counts_pages_and_refuses_what_is_not_a_pdf(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_text("not a pdf")
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "out.pdf"))
    with pytest.raises(Exception, match="could not be read as a PDF"):
        print_pdf(bad, printer)


def test_email_saves_to_the_chosen_folder_and_builds_the_mail_command(
    qtbot: QtBot, view: DocumentView, shop: Company, runner: Runner, tmp_path: Path
) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    view.output.save_for_mail(view.doc, folder, open_client=False)
    qtbot.waitUntil(lambda: view.output.last_mail is not None, timeout=10_000)
    wait_idle(qtbot, runner)
    (pdf,) = folder.glob("*.pdf")
    with pdfplumber.open(pdf) as opened:
        text = opened.pages[0].extract_text()
    assert view.doc.number in text and "29AABCR1718E1ZL" in text
    command = view.output.last_mail
    assert command is not None
    assert command.argv[:3] == ("xdg-email", "--attach", str(pdf)) or command.argv[:2] == (
        "open",
        "-a",
    )
    linux = command.argv[0] == "xdg-email"
    if linux:
        assert command.argv[-1] == RAO_EMAIL  # addressed to the party, from its record

    # A walk-in sale has no party, so the mail has no address: the user types one.
    soap = DraftLine("Soap", D("1"), D("40"), D("18"), hsn="3401", price_includes_tax=True)
    walk_in = post_document(
        shop,
        DocumentDraft(
            DocKind.SALES_INVOICE, DAY, (soap,), tenders=(Tender(PaymentMode.CASH, D("40")),)
        ),
    ).document
    assert walk_in.party_id is None
    view.output.last_mail = None
    view.output.save_for_mail(walk_in, folder, open_client=False)
    qtbot.waitUntil(lambda: view.output.last_mail is not None, timeout=10_000)
    wait_idle(qtbot, runner)
    command = view.output.last_mail
    assert command is not None
    if linux:
        assert command.argv[-2:] == (
            "--body",
            f"Please find attached tax invoice {walk_in.number}.",
        )
        assert not any("@" in arg for arg in command.argv)


def test_email_folder_is_asked_from_the_keyboard(qtbot: QtBot, view: DocumentView) -> None:
    qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: view.output.folder_dialog is not None and view.output.folder_dialog.isVisible(),
        timeout=5000,
    )
    assert view.output.folder_dialog is not None
    view.output.folder_dialog.reject()


@pytest.mark.parametrize(
    ("platform", "argv", "url", "folder"),
    [
        (
            "linux",
            ("xdg-email", "--attach", "/bills/INV-1.pdf", "--subject", "Tax Invoice INV/1",
             "--body", "Attached.", "rao@example.com"),
            "",
            None,
        ),
        ("darwin", ("open", "-a", "Mail", "/bills/INV-1.pdf"), "", None),
        (
            "win32",
            (),
            "mailto:rao@example.com?subject=Tax%20Invoice%20INV%2F1&body=Attached.",
            Path("/bills"),
        ),
    ],
)  # fmt: skip
def test_mail_command_per_platform(
    platform: str, argv: tuple[str, ...], url: str, folder: Path | None
) -> None:
    command = mail_command(
        Path("/bills/INV-1.pdf"),
        to="rao@example.com",
        subject="Tax Invoice INV/1",
        body="Attached.",
        platform=platform,
    )
    assert (command.argv, command.url, command.folder) == (argv, url, folder)
    if platform == "win32":
        assert "INV-1.pdf" in command.note  # the user is told to attach it themselves
