"""A company's June 2025 posted through the billing service with something for every GSTR-1
table (b2b, b2cl, b2cs, cdnr, cdnur, exp, nil, hsn, doc_issue), a cancelled invoice, and notes
whose originals lie in May: for tests that compare the ways GSTR-1 is made."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.billing.model import (
    Address,
    DocKind,
    DocumentDraft,
    DocumentId,
    DraftLine,
    Export,
    PartyDraft,
    PartyId,
)
from app.billing.parties import add_party
from app.billing.service import cancel_document, post_document
from app.gst import Taxability
from app.gst.periods import parse_period
from app.money import D
from app.storage.company import Company
from tests.reports.gst_documents import gstin

JUNE = parse_period("2025-06")


def _line(
    price: str, rate: str = "18", *, qty: str = "1", hsn: str = "8471", uqc: str = "NOS"
) -> DraftLine:
    return DraftLine("Goods", D(qty), D(price), D(rate), hsn=hsn, uqc=uqc)


RICE = DraftLine("Basmati rice", D("10.5"), D("450"), D("5"), hsn="1006", uqc="KGS")
SOAP = DraftLine("Soap", D("3"), D("40"), D("18"), hsn="3401", cess_rate=D("1"))
MILK = DraftLine(
    "Milk", D("2"), D("28"), D("0"), hsn="0401", uqc="LTR", taxability=Taxability.EXEMPT
)
SALT = DraftLine(
    "Salt", D("4"), D("20"), D("0"), hsn="2501", uqc="KGS", taxability=Taxability.NIL_RATED
)
BREAD = DraftLine("Bread", D("1"), D("35"), D("0"), hsn="1905", uqc="NOS")  # taxable at 0%
REPAIR = DraftLine("Repairs", D("1"), D("999.99"), D("18"), hsn="998714", discount_pct=D("12.5"))
PETROL = DraftLine(
    "Petrol", D("5"), D("100"), D("0"), hsn="2710", uqc="LTR", taxability=Taxability.NON_GST
)
SERVER = DraftLine("Server", D("1"), D("150000"), D("18"), hsn="8471")  # above the B2CL limit


def _post(company: Company, draft: DocumentDraft) -> DocumentId:
    return post_document(company, draft).document.id


def _note(
    kind: DocKind,
    day: date,
    line: DraftLine,
    original: DocumentId,
    party: PartyId | None = None,
    **more: Any,
) -> DocumentDraft:
    """A price-only note (no stock moves back) against ``original``."""
    return DocumentDraft(
        kind,
        day,
        (line,),
        party,
        original_id=original,
        reason="returned",
        moves_stock=False,
        **more,
    )


def busy_month(company: Company) -> None:
    """A June with every GSTR-1 table, and a May whose invoice a June note corrects."""
    rao = add_party(
        company,
        PartyDraft("Rao Stores", gstin="29AABCR1718E1ZL", billing=Address("MG Road", pin="560001")),
    )
    local = add_party(company, PartyDraft("Pune Traders", gstin=gstin("27", "AAACC1234C")))
    sez = add_party(company, PartyDraft("SEZ Unit", gstin=gstin("27", "AAACD4321D")))
    foreign = add_party(company, PartyDraft("Acme GmbH"))
    # unregistered buyers in our state and in another (on account: no tenders needed)
    near_buyer = add_party(company, PartyDraft("Pune Buyer", state_code="27"))
    far_buyer = add_party(
        company, PartyDraft("Hosur Buyer", state_code="29", billing=Address("Hosur", "29"))
    )

    def june(day: int) -> date:
        return date(2025, 6, day)

    may = _post(company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 5, 30), (RICE,), rao))
    _post(company, DocumentDraft(DocKind.SALES_INVOICE, june(2), (RICE, SOAP, REPAIR), rao))
    _post(company, DocumentDraft(DocKind.SALES_INVOICE, june(2), (SOAP, MILK, SALT), local))
    _post(company, DocumentDraft(DocKind.SALES_INVOICE, june(3), (REPAIR,), sez, to_sez=True))
    _post(
        company, DocumentDraft(DocKind.SALES_INVOICE, june(3), (SOAP,), local, reverse_charge=True)
    )
    large = _post(
        company,
        DocumentDraft(DocKind.SALES_INVOICE, june(4), (SERVER, RICE), far_buyer),
    )
    for day in (4, 5, 5, 6):
        _post(
            company,
            DocumentDraft(DocKind.SALES_INVOICE, june(day), (SOAP, RICE, BREAD), near_buyer),
        )
    small = _post(company, DocumentDraft(DocKind.SALES_INVOICE, june(6), (SOAP, PETROL), far_buyer))
    _post(company, DocumentDraft(DocKind.BILL_OF_SUPPLY, june(7), (MILK, SALT), near_buyer))
    _post(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            june(8),
            (REPAIR,),
            foreign,
            export=Export(False, "INNSA1", "1234567", june(9)),
        ),
    )
    exported = _post(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE, june(8), (SOAP, RICE), foreign, export=Export(True, "INBOM4")
        ),
    )
    # notes: against May's invoice (the original lies outside the period), a large B2C one,
    # a small B2C one, an export, and a price rise to a registered buyer
    _post(company, _note(DocKind.CREDIT_NOTE, june(10), RICE, may, rao))
    _post(company, _note(DocKind.CREDIT_NOTE, june(11), RICE, large, far_buyer))
    _post(company, _note(DocKind.CREDIT_NOTE, june(11), SOAP, small, far_buyer))
    export = Export(True, "INBOM4")
    _post(company, _note(DocKind.CREDIT_NOTE, june(12), RICE, exported, foreign, export=export))
    rise = _line("100", "5", hsn="1006", uqc="KGS")
    _post(company, _note(DocKind.DEBIT_NOTE, june(12), rise, may, rao))
    wrong = _post(company, DocumentDraft(DocKind.SALES_INVOICE, june(13), (SOAP,), local))
    cancel_document(company, wrong, june(14), "wrong buyer")
    _post(company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 7, 1), (SOAP,), local))
