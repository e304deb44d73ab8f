"""The GST period read (``gst_returns.documents_between``) gives exactly what billing's own
document reader gives, on documents posted through the billing service."""

from __future__ import annotations

from datetime import date

from app.billing import queries
from app.billing.model import (
    Address,
    Counterparty,
    DocKind,
    DocumentDraft,
    DraftLine,
    Export,
    Irn,
    PartyDraft,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.parties import add_party
from app.billing.service import cancel_document, post_document, record_irn
from app.gst import Taxability
from app.gst.periods import parse_period
from app.money import D
from app.reports import gst_returns
from app.storage.company import Company
from tests.conftest import CompanyFactory

JUNE = parse_period("2025-06")


def _month(company: Company) -> None:
    rao = add_party(
        company,
        PartyDraft(
            "Rao Stores",
            gstin="29AABCR1718E1ZL",
            billing=Address("12 MG Road, Bengaluru", pin="560001"),
            shipping=Address("Godown 3, Hosur Road", "29", "560068"),
            phone="9800000001",
        ),
    )
    rice = DraftLine("Basmati rice", D("10.5"), D("450"), D("5"), hsn="1006", uqc="KGS")
    soap = DraftLine(
        "Soap", D("3"), D("40"), D("18"), hsn="3401", price_includes_tax=True, cess_rate=D("1")
    )
    milk = DraftLine(
        "Milk", D("2"), D("28"), D("0"), hsn="0401", uqc="LTR", taxability=Taxability.EXEMPT
    )
    service = DraftLine(
        "Repairs", D("1"), D("999.99"), D("18"), hsn="998714", discount_pct=D("12.5")
    )
    may = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 5, 30), (rice,), party_id=rao)
    )
    b2b = post_document(
        company,
        DocumentDraft(DocKind.SALES_INVOICE, date(2025, 6, 2), (rice, soap, service), party_id=rao),
    )
    post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            date(2025, 6, 3),
            (soap, milk),
            walk_in=Counterparty("Walk-in", state_code="27"),
            tenders=(Tender(PaymentMode.CASH, D("200")),),
        ),
    )
    post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            date(2025, 6, 4),
            (service,),
            party_id=add_party(company, PartyDraft("Acme GmbH")),
            export=Export(False, "INNSA1", "1234567", date(2025, 6, 5)),
        ),
    )
    # a note in June against May's invoice: the original comes from outside the period
    post_document(
        company,
        DocumentDraft(
            DocKind.CREDIT_NOTE,
            date(2025, 6, 6),
            (rice,),
            party_id=rao,
            original_id=may.document.id,
            reason="damaged in transit",
        ),
    )
    wrong = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 6, 7), (soap,), party_id=rao)
    )
    cancel_document(company, wrong.document.id, date(2025, 6, 8), "wrong buyer")
    record_irn(
        company,
        b2b.document.id,
        Irn("a" * 64, "112010000000001", date(2025, 6, 2), "signed.qr.text"),
    )
    supplier = add_party(
        company, PartyDraft("Gupta Wholesale", PartyKind.SUPPLIER, gstin="27AAPFU0939F1ZV")
    )
    post_document(
        company,
        DocumentDraft(
            DocKind.PURCHASE_BILL,
            date(2025, 6, 9),
            (rice,),
            party_id=supplier,
            supplier_number="GW-1",
            notes="first lot",
        ),
    )


def test_period_read_matches_the_billing_reader(make_company: CompanyFactory) -> None:
    company = make_company(gstin="27AAPFU0939F1ZV", address="Shop 4, Laxmi Road, Pune")
    _month(company)
    with company.reader() as conn:
        fast = gst_returns.documents_between(conn, JUNE.start, JUNE.end)
        slow = queries.documents_between(conn, JUNE.start, JUNE.end)
        books = gst_returns.period_books(conn, company.profile, JUNE)
    assert len(fast) == 6
    assert fast == slow
    # repr shows each Decimal's digits and exponent, which == would let differ
    assert repr(fast) == repr(slow)
    assert {d.kind for d in fast} >= {DocKind.CREDIT_NOTE, DocKind.PURCHASE_BILL}
    assert any(d.irn is not None for d in fast) and any(d.cancelled for d in fast)
    # the May invoice the note names is read as well
    assert [d.doc_date for d in books.documents[len(fast) :]] == [date(2025, 5, 30)]
    assert books.gstr1()["fp"] == "062025"


def test_empty_period(make_company: CompanyFactory) -> None:
    company = make_company(gstin="27AAPFU0939F1ZV")
    with company.reader() as conn:
        assert gst_returns.documents_between(conn, JUNE.start, JUNE.end) == []
