"""The company's documents for a return period, read once for GSTR-1, GSTR-3B and the checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection

from app.billing import queries
from app.billing.model import DocKind, DocStatus, PostedDocument
from app.errors import ValidationError
from app.gst.periods import ReturnPeriod
from app.ledger.model import financial_year
from app.money import ZERO
from app.reports.gst_readiness import Problem, gstr1_problems
from app.reports.gstr1 import Gstr1Summary, gstr1, gstr1_summary
from app.reports.gstr3b import Gstr3bSummary, gstr3b, gstr3b_summary
from app.storage.company import CompanyProfile

_OUTWARD = (DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY, DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE)


@dataclass(frozen=True)
class PeriodBooks:
    """Everything the GST screens and exports need for one period."""

    gstin: str
    period: ReturnPeriod
    documents: tuple[PostedDocument, ...]  # the period's, plus the originals its notes name
    aggregate_turnover: Decimal  # preceding financial year, for the HSN digits rule

    def gstr1(self) -> dict[str, object]:
        return gstr1(self.gstin, self.period, self.documents)

    def gstr1_summary(self) -> Gstr1Summary:
        return gstr1_summary(self.gstin, self.period, self.documents)

    def gstr3b(self) -> dict[str, object]:
        return gstr3b(self.gstin, self.period, self.documents)

    def gstr3b_summary(self) -> Gstr3bSummary:
        return gstr3b_summary(self.gstin, self.period, self.documents)

    def problems(self) -> list[Problem]:
        return gstr1_problems(self.documents, self.period, self.gstin, self.aggregate_turnover)


def period_books(conn: Connection, profile: CompanyProfile, period: ReturnPeriod) -> PeriodBooks:
    if not profile.gstin:
        raise ValidationError(
            "The company has no GSTIN, so it files no GST returns. Add the GSTIN in Settings."
        )
    documents = queries.documents_between(conn, period.start, period.end)
    have = {d.id for d in documents}
    # A note's original may lie in an earlier period; GSTR-1 looks at it to place the note.
    wanted = {d.original_id for d in documents if d.original_id and d.original_id not in have}
    originals = [queries.document(conn, document_id) for document_id in sorted(wanted)]
    return PeriodBooks(
        profile.gstin,
        period,
        tuple(documents + originals),
        aggregate_turnover(conn, period.start),
    )


def aggregate_turnover(conn: Connection, day: date) -> Decimal:
    """Outward taxable value of the financial year before ``day``'s (credit notes netted)."""
    this_year = financial_year(day)
    last_year = financial_year(this_year.start - timedelta(days=1))
    total = ZERO
    for row in queries.register(conn, last_year.start, last_year.end, _OUTWARD):
        if row.status is DocStatus.POSTED:
            total += -row.taxable if row.kind is DocKind.CREDIT_NOTE else row.taxable
    return total
