"""Sales: the register of invoices, bills of supply and notes, and the B2B invoice form (F8)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.billing.model import DocKind
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.document_register import DocumentRegister

SALES_KINDS = (
    DocKind.SALES_INVOICE,
    DocKind.BILL_OF_SUPPLY,
    DocKind.CREDIT_NOTE,
    DocKind.DEBIT_NOTE,
)


class SalesPage(DocumentRegister):
    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(company, runner, SALES_KINDS, DocKind.SALES_INVOICE, parent)
        self.setObjectName("salesPage")
