"""Settings → Invoices: template, logo, UPI id, bank and terms saved into the company, and a
series prefix, through the page's own widgets."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pytestqt.qtbot import QtBot

from app.billing.invoice_settings import invoice_settings
from app.billing.model import DocKind
from app.billing.numbering import series_prefixes
from app.billing.printing import BankDetails
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.shell import MainWindow
from tests.ui.conftest import wait_idle


def test_invoice_settings_are_kept_in_the_company(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company, tmp_path: Path
) -> None:
    window.show_screen("Settings")
    tab = window.settings.invoices
    wait_idle(qtbot, runner)
    assert tab.template.currentData() == "classic" and tab.logo == b""

    logo = tmp_path / "logo.png"
    picture = io.BytesIO()
    Image.new("RGB", (60, 30), (0, 90, 160)).save(picture, format="PNG")
    logo.write_bytes(picture.getvalue())
    tab.read_logo(str(logo))  # what the file dialog's choice calls
    assert tab.logo_preview.pixmap() is not None and not tab.logo_preview.pixmap().isNull()

    tab.template.setCurrentIndex(tab.template.findData("compact"))
    tab.upi.setText("verma@okhdfc")
    tab.bank.setText("HDFC Bank")
    tab.account.setText("50200099887766")
    tab.ifsc.setText("hdfc0000123")  # capitals are put right
    tab.terms.setPlainText("Goods once sold are not taken back.\n\nE & O E")
    tab.save()
    qtbot.waitUntil(lambda: "saved" in window.settings.message.text(), timeout=10_000)
    wait_idle(qtbot, runner)
    logo.unlink()  # the company keeps its own copy
    with company.reader() as conn:
        kept = invoice_settings(conn)
    assert kept.template == "compact" and kept.upi_id == "verma@okhdfc"
    assert kept.bank == BankDetails("HDFC Bank", "50200099887766", "HDFC0000123")
    assert kept.terms == ("Goods once sold are not taken back.", "E & O E")
    assert kept.logo == picture.getvalue()

    tab.series_kind.setCurrentIndex(tab.series_kind.findData(DocKind.SALES_INVOICE))
    tab.prefix.setText("vh")
    tab.save_prefix()
    qtbot.waitUntil(lambda: "start with VH" in window.settings.message.text(), timeout=10_000)
    with company.reader() as conn:
        assert series_prefixes(conn)[DocKind.SALES_INVOICE] == "VH"


def test_bad_bank_details_are_named_and_not_saved(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company
) -> None:
    window.show_screen("Settings")
    tab = window.settings.invoices
    wait_idle(qtbot, runner)
    tab.bank.setText("HDFC Bank")
    tab.account.setText("123")
    tab.ifsc.setText("HDFC123")
    tab.save()
    assert "IFSC 'HDFC123' is not valid" in window.settings.message.text()
    wait_idle(qtbot, runner)
    with company.reader() as conn:
        assert invoice_settings(conn).bank is None
