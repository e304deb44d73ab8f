"""Purchases: the register of suppliers' bills and our debit notes, and bill entry (F9) with
the supplier's own bill number, input tax credit and reverse charge."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.billing.model import DocKind
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.document_register import DocumentRegister

PURCHASE_KINDS = (DocKind.PURCHASE_BILL, DocKind.PURCHASE_RETURN)


class PurchasesPage(DocumentRegister):
    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(company, runner, PURCHASE_KINDS, DocKind.PURCHASE_BILL, parent)
        self.setObjectName("purchasesPage")
