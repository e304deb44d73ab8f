"""Per-company invoice settings (template, UPI id, bank, logo, terms) read by printing; the
series prefix a company chooses, within Rule 46's 16 characters; a renamed party's ledger."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from app.billing import queries
from app.billing.checks import check_company
from app.billing.invoice_settings import (
    InvoiceSettings,
    invoice_settings,
    letterhead_for,
    save_invoice_settings,
)
from app.billing.model import (
    Address,
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PaymentMode,
    Tender,
)
from app.billing.numbering import prefix_problem, series_prefixes, set_series_prefix
from app.billing.parties import add_party, update_party
from app.billing.printing import BankDetails, invoice_pdf, load_template
from app.billing.service import post_document
from app.errors import Conflict, ValidationError
from app.money import D
from app.reports.trial_balance import trial_balance
from app.storage.company import Company
from tests.conftest import CompanyFactory

DAY = date(2025, 6, 10)
SOAP = DraftLine("Soap", D("2"), D("40"), D("18"), hsn="3401")


@pytest.fixture
def shop(make_company: CompanyFactory) -> Company:
    return make_company(gstin="27AAPFU0939F1ZV", address="Shop 4, Laxmi Road, Pune")


def _cash_sale(company: Company, day: date = DAY) -> str:
    draft = DocumentDraft(
        DocKind.SALES_INVOICE, day, (SOAP,), tenders=(Tender(PaymentMode.CASH, D("100")),)
    )
    return post_document(company, draft).document.number


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


# --- series prefix -------------------------------------------------------------------------


def test_a_chosen_prefix_numbers_new_series(shop: Company) -> None:
    assert set_series_prefix(shop, DocKind.SALES_INVOICE, " sb ") == ()  # nothing started
    assert _cash_sale(shop) == "SB/2526/0001"
    assert _cash_sale(shop) == "SB/2526/0002"
    with shop.reader() as conn:
        assert series_prefixes(conn)[DocKind.SALES_INVOICE] == "SB"
        assert series_prefixes(conn)[DocKind.CREDIT_NOTE] == "CN"  # the default stands


def test_a_started_series_keeps_its_prefix_to_the_year_end(shop: Company) -> None:
    assert _cash_sale(shop) == "INV/2526/0001"
    assert set_series_prefix(shop, DocKind.SALES_INVOICE, "CS") == ("2025-26",)
    assert _cash_sale(shop) == "INV/2526/0002"  # no gap, no second series mid-year
    assert _cash_sale(shop, date(2026, 4, 2)) == "CS/2627/0001"  # the next year's series
    assert check_company(shop).ok


@pytest.mark.parametrize(
    ("prefix", "device", "fault"),
    [
        ("ABCDEF", "", None),  # ABCDEF/2526/9999: exactly 16 characters
        ("ABCDEFG", "", "17 characters"),
        ("INV", "TILL2", "19 characters"),  # INV-TILL2/2526/9999: 3 + 1 + 5 + 10
        ("INV/X", "", "capital letters"),
        ("inv", "", "capital letters"),
        ("0INV", "", "may not start with 0"),
    ],
)
def test_prefix_rules(prefix: str, device: str, fault: str | None) -> None:
    problem = prefix_problem(prefix, device)
    if fault is None:
        assert problem is None
    else:
        assert problem is not None and fault in problem


def test_prefix_with_a_device_code_counts_the_device() -> None:
    # INV-B/2526/9999 is 15 characters; INVOIC-B/2526/9999 would be 18.
    assert prefix_problem("INV", "B") is None
    problem = prefix_problem("INVOIC", "B")
    assert problem is not None and "18 characters" in problem and "at most 4" in problem


def test_a_bad_prefix_is_refused_and_nothing_changes(shop: Company) -> None:
    with pytest.raises(ValidationError, match="16"):
        set_series_prefix(shop, DocKind.SALES_INVOICE, "TOOLONGX")
    assert _cash_sale(shop) == "INV/2526/0001"


# --- party rename --------------------------------------------------------------------------


def test_renaming_a_party_renames_its_ledger_account(shop: Company) -> None:
    draft = PartyDraft("Rao Stores", gstin="29AABCR1718E1ZL", billing=Address("MG Road"))
    rao = add_party(shop, draft)
    post_document(shop, DocumentDraft(DocKind.SALES_INVOICE, DAY, (SOAP,), party_id=rao))
    update_party(shop, rao, PartyDraft("Rao & Sons", gstin="29AABCR1718E1ZL"))
    balances = {row.account: row.debit for row in trial_balance(shop, DAY).rows}
    assert "Rao Stores" not in balances
    # 2 x 40 = 80 at 18% inter-state: IGST 14.40, 94.40 rounded to 94.
    assert balances["Rao & Sons"] == D("94.00")
    with shop.reader() as conn:
        assert queries.party(conn, rao).name == "Rao & Sons"
    with pytest.raises(Conflict, match=r"(?i)cash"):
        update_party(shop, rao, PartyDraft("cash", gstin="29AABCR1718E1ZL"))
    with shop.reader() as conn:
        assert queries.party(conn, rao).name == "Rao & Sons"  # all or nothing
    assert check_company(shop).ok


# --- invoice settings ----------------------------------------------------------------------


def test_invoice_settings_round_trip_and_print(shop: Company, tmp_path: Path) -> None:
    with shop.reader() as conn:
        assert invoice_settings(conn) == InvoiceSettings()  # defaults: classic, nothing else
    logo = _png()
    chosen = InvoiceSettings(
        template="compact",
        upi_id="sharmastore@okaxis",
        bank=BankDetails("HDFC Bank", "50200012345678", "HDFC0001234", branch="Laxmi Road"),
        logo=logo,
        terms=("Goods once sold are not taken back.", "  Subject to Pune jurisdiction. "),
        phone="9822012345",
    )
    save_invoice_settings(shop, chosen)
    with shop.reader() as conn:
        kept = invoice_settings(conn)
    assert kept.logo == logo  # the image itself is in the company, not a path
    assert kept.terms == ("Goods once sold are not taken back.", "Subject to Pune jurisdiction.")
    assert (kept.template, kept.upi_id, kept.bank) == ("compact", chosen.upi_id, chosen.bank)

    head = letterhead_for(shop, kept)
    assert head.logo is not None and head.logo.read_bytes() == logo
    rao = add_party(shop, PartyDraft("Rao Stores", gstin="29AABCR1718E1ZL"))
    doc = post_document(
        shop, DocumentDraft(DocKind.SALES_INVOICE, DAY, (SOAP,), party_id=rao)
    ).document
    texts = {}
    for name in (kept.template, "classic"):
        out = tmp_path / f"{name}.pdf"
        invoice_pdf(doc, head, load_template(name), out)
        with pdfplumber.open(out) as pdf:
            texts[name] = pdf.pages[0].extract_text()
            images = pdf.pages[0].images
    assert "IFSC: HDFC0001234" in texts["compact"] and "UPI: sharmastore@okaxis" in texts["compact"]
    # Terms print where the template has room for them: the classic page, not the compact.
    assert "Subject to Pune jurisdiction." in texts["classic"]
    assert "Subject to Pune jurisdiction." not in texts["compact"]
    assert images  # the logo (and the UPI QR)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"template": "fancy"}, "no invoice template 'fancy'"),
        ({"upi_id": "not a upi id"}, "UPI id"),
        ({"logo": b"GIF89a..."}, "PNG or JPEG"),
        ({"terms": tuple(f"line {n}" for n in range(7))}, "6 lines"),
    ],
)
def test_bad_settings_are_refused(shop: Company, change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        save_invoice_settings(shop, InvoiceSettings(**change))  # type: ignore[arg-type]
    with shop.reader() as conn:
        assert invoice_settings(conn) == InvoiceSettings()
