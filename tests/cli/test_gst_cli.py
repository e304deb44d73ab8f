"""`bahi gst gstr1 | gstr3b | check | einvoice | file` on a real company's posted documents."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pdfplumber
import pytest

from app.billing.model import (
    Address,
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.parties import add_party
from app.billing.queries import documents_between, party_by_name
from app.billing.service import post_document
from app.cli.main import main
from app.errors import PeriodLocked
from app.money import D
from app.reports.einvoice import validate_einvoice
from app.reports.gst_returns import period_books
from app.reports.gstr1 import gstr1_json, validate_gstr1, write_gstr1
from app.storage.company import Company
from tests.conftest import OWNER_PASSWORD, CompanyFactory
from tests.reports.gst_month import JUNE, busy_month

DAY = date(2025, 6, 10)


@pytest.fixture
def shop(make_company: CompanyFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Company:
    company = make_company(gstin="27AAPFU0939F1ZV", address="Shop 4, Laxmi Road, Pune")
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_COMPANY", str(company.folder))
    monkeypatch.setenv("BAHI_PASSWORD", OWNER_PASSWORD)
    rao = add_party(
        company,
        PartyDraft(
            "Rao Stores",
            gstin="29AABCR1718E1ZL",
            billing=Address("12 MG Road, Bengaluru", pin="560001"),
        ),
    )
    rice = DraftLine("Basmati rice", D("10"), D("450"), D("5"), hsn="1006", uqc="KGS")
    soap = DraftLine("Soap", D("3"), D("40"), D("18"), hsn="3401", price_includes_tax=True)
    post_document(company, DocumentDraft(DocKind.SALES_INVOICE, DAY, (rice,), party_id=rao))
    post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE, DAY, (soap,), tenders=(Tender(PaymentMode.CASH, D("120")),)
        ),
    )
    supplier = add_party(
        company, PartyDraft("Gupta Wholesale", PartyKind.SUPPLIER, gstin="27AAPFU0939F1ZV")
    )
    post_document(
        company,
        DocumentDraft(
            DocKind.PURCHASE_BILL, DAY, (rice,), party_id=supplier, supplier_number="GW-1"
        ),
    )
    return company


def test_gstr1_json_is_written_valid_and_matches_the_books(
    shop: Company, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gstr1.json"
    assert main(["gst", "gstr1", "--period", "2025-06", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert validate_gstr1(data) == []
    assert (data["gstin"], data["fp"]) == ("27AAPFU0939F1ZV", "062025")
    (b2b,) = data["b2b"]
    # 10 x 450 = 4500 at 5% inter-state: IGST 225; invoice value 4725.
    assert b2b["ctin"] == "29AABCR1718E1ZL"
    assert b2b["inv"][0]["val"] == 4725 and b2b["inv"][0]["itms"][0]["itm_det"]["iamt"] == 225
    (b2cs,) = data["b2cs"]
    # 120 with 18% inside: taxable 101.69, CGST = SGST = 9.15.
    assert (b2cs["txval"], b2cs["camt"], b2cs["samt"]) == (101.69, 9.15, 9.15)
    capsys.readouterr()
    assert main(["gst", "gstr1", "--period", "2025-06"]) == 0
    assert "B2B" in capsys.readouterr().out


def test_gstr3b_counts_purchases_as_input_tax(shop: Company, tmp_path: Path) -> None:
    out = tmp_path / "gstr3b.json"
    assert main(["gst", "gstr3b", "--period", "2025-06", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    other = next(row for row in data["itc_elg"]["itc_avl"] if row["ty"] == "OTH")
    assert (other["camt"], other["samt"]) == (112.5, 112.5)  # 4500 at 5% intra-state
    assert data["sup_details"]["osup_det"]["iamt"] == 225


def test_summaries_as_pdf(shop: Company, tmp_path: Path) -> None:
    # A composition dealer charges no tax; what we buy from one goes to GSTR-3B table 5.
    joshi = add_party(
        shop,
        PartyDraft("Joshi Dairy", PartyKind.SUPPLIER, gstin="27AKLPJ6203R1ZM", composition=True),
    )
    ghee = DraftLine("Cow ghee", D("4"), D("450"), D("5"), hsn="0405", uqc="LTR")
    post_document(
        shop,
        DocumentDraft(DocKind.PURCHASE_BILL, DAY, (ghee,), party_id=joshi, supplier_number="J-7"),
    )
    gstr1_pdf, gstr3b_pdf = tmp_path / "gstr1.pdf", tmp_path / "gstr3b.pdf"
    assert main(["gst", "gstr1", "--period", "2025-06", "--pdf", str(gstr1_pdf)]) == 0
    assert main(["gst", "gstr3b", "--period", "2025-06", "--pdf", str(gstr3b_pdf)]) == 0
    with pdfplumber.open(gstr1_pdf) as pdf:
        one = "\n".join(page.extract_text() for page in pdf.pages)
    with pdfplumber.open(gstr3b_pdf) as pdf:
        three = "\n".join(page.extract_text() for page in pdf.pages)
    assert "GSTR-1 27AAPFU0939F1ZV June 2025" in one
    assert "GSTR-3B 27AAPFU0939F1ZV June 2025" in three
    # Rao Stores: 4,500 at 5% inter-state, IGST 225; the counter sale: 120 with 18% inside,
    # taxable 101.69 and CGST = SGST = 9.15.
    assert "B2B invoices 1 4,500.00 225.00 0.00 0.00 0.00" in one
    assert "B2C others 1 101.69 0.00 9.15 9.15 0.00" in one
    # The purchase from Gupta: 4,500 at 5% within Maharashtra, 112.50 each of CGST and SGST.
    assert "ITC available: all other ITC 0.00 112.50 112.50 0.00" in three
    # Joshi Dairy's bill: 4 x 450 = 1,800 with no tax, intra-state, in table 5.
    assert "nil rated: intra-state 1,800.00" in three


def test_readiness_blocks_an_export_until_fixed(
    shop: Company, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    party = add_party(shop, PartyDraft("No HSN Traders", gstin="29AAGCB1286Q1Z0"))
    bare = DraftLine("Consulting", D("1"), D("1000"), D("18"))
    post_document(shop, DocumentDraft(DocKind.SALES_INVOICE, DAY, (bare,), party_id=party))
    capsys.readouterr()
    assert main(["gst", "check", "--period", "2025-06"]) == 1
    assert "HSN" in capsys.readouterr().out
    out = tmp_path / "gstr1.json"
    assert main(["gst", "gstr1", "--period", "2025-06", "--out", str(out)]) == 1
    assert not out.exists()


def test_einvoice_for_a_period_takes_only_invoices_and_notes(
    shop: Company, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Quotations, orders, challans and bills of supply to a registered buyer are outward
    documents too, but the IRP takes only tax invoices and credit/debit notes (gst.md §6.2):
    the period's batch leaves them out instead of refusing the whole batch."""
    rice = DraftLine("Basmati rice", D("2"), D("450"), D("5"), hsn="1006", uqc="KGS")
    with shop.reader() as conn:
        rao = party_by_name(conn, "Rao Stores").id
    for kind in (DocKind.QUOTATION, DocKind.SALES_ORDER, DocKind.DELIVERY_CHALLAN):
        post_document(shop, DocumentDraft(kind, DAY, (rice,), party_id=rao))
    exempt = DraftLine("Fresh milk", D("1"), D("60"), D("0"), hsn="0401", uqc="LTR")
    post_document(shop, DocumentDraft(DocKind.BILL_OF_SUPPLY, DAY, (exempt,), party_id=rao))
    with shop.reader() as conn:
        invoice = next(
            d for d in documents_between(conn, DAY, DAY) if d.kind is DocKind.SALES_INVOICE
        )
    one = DraftLine("Basmati rice", D("1"), D("450"), D("5"), hsn="1006", uqc="KGS")
    post_document(
        shop,
        DocumentDraft(
            DocKind.CREDIT_NOTE, DAY, (one,), party_id=rao, original_id=invoice.id, reason="Return"
        ),
    )
    out = tmp_path / "einv.json"
    args = ["gst", "einvoice", "--period", "2025-06", "--pin", "411030", "--town", "Pune"]
    assert main([*args, "--out", str(out)]) == 0
    requests = json.loads(out.read_text())
    assert [(r["DocDtls"]["Typ"], r["ValDtls"]["TotInvVal"]) for r in requests] == [
        ("INV", 4725),
        ("CRN", 473),  # 450 + 5% IGST 22.50 = 472.50, rounded half up to the rupee
    ]
    assert all(validate_einvoice(r) == [] for r in requests)


def test_einvoice_for_a_period_and_filing_lock(
    shop: Company, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "einv.json"
    args = ["gst", "einvoice", "--period", "2025-06", "--pin", "411030", "--town", "Pune"]
    assert main([*args, "--out", str(out)]) == 0
    (request,) = json.loads(out.read_text())
    assert validate_einvoice(request) == []
    assert request["ValDtls"]["TotInvVal"] == 4725
    file_args = ["gst", "file", "--period", "2025-06", "--return", "GSTR-1"]
    assert main([*file_args, "--filed-on", "2025-07-11", "--arn", "AA27072500001"]) == 0
    late = DraftLine("Soap", D("1"), D("40"), D("18"), hsn="3401")
    with pytest.raises(PeriodLocked, match="was filed on 11-07-2025"):
        post_document(
            shop,
            DocumentDraft(
                DocKind.SALES_INVOICE, DAY, (late,), tenders=(Tender(PaymentMode.CASH, D("50")),)
            ),
        )


def test_gstr1_from_the_books_says_what_the_documents_say(
    make_company: CompanyFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`bahi gst gstr1` and `check` read the month without every document whole; the file,
    the JSON, the summary and the problems are what the documents read whole give, on a
    month with notes (one against May), B2CL, exports, nil-rated lines and a cancellation."""
    company = make_company(gstin="27AAPFU0939F1ZV")
    busy_month(company)
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_COMPANY", str(company.folder))
    monkeypatch.setenv("BAHI_PASSWORD", OWNER_PASSWORD)
    with company.reader() as conn:
        whole = period_books(conn, company.profile, JUNE)
    expected = tmp_path / "expected.json"
    write_gstr1(whole.gstr1(), expected)
    problems = whole.problems()
    assert len(problems) == 2  # two exports with IGST paid lack their shipping bills

    out = tmp_path / "gstr1.json"
    june = ["gst", "gstr1", "--period", "2025-06"]
    assert main([*june, "--out", str(out)]) == 1
    assert not out.exists()
    assert main([*june, "--out", str(out), "--force"]) == 0
    assert out.read_bytes() == expected.read_bytes()
    capsys.readouterr()
    assert main([*june, "--json"]) == 0
    assert capsys.readouterr().out == gstr1_json(whole.gstr1(), pretty=True) + "\n"
    assert main(june) == 0
    assert capsys.readouterr().out == whole.gstr1_summary().table().text() + "\n"
    assert main(["gst", "check", "--period", "2025-06", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {"document_id": p.document_id, "number": p.number, "problem": p.message} for p in problems
    ]
