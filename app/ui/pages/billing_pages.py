"""The billing screens the main window shows, built together and kept in step: a sale at the
counter or a document saved in the office refreshes the registers and the parties."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.parties import PartiesPage
from app.ui.pages.pos import PosPage
from app.ui.pages.purchases import PurchasesPage
from app.ui.pages.sales import SalesPage


@dataclass(frozen=True)
class BillingPages:
    pos: PosPage
    sales: SalesPage
    purchases: PurchasesPage
    parties: PartiesPage

    @classmethod
    def build(cls, company: Company, runner: Runner) -> BillingPages:
        pages = cls(
            PosPage(company, runner),
            SalesPage(company, runner),
            PurchasesPage(company, runner),
            PartiesPage(company, runner),
        )
        for source in (pages.pos, pages.sales, pages.purchases):
            source.posted.connect(lambda _posted: pages.refresh())
        return pages

    def by_screen(self) -> dict[str, QWidget]:
        return {
            "POS": self.pos,
            "Sales": self.sales,
            "Purchases": self.purchases,
            "Parties": self.parties,
        }

    def refresh(self) -> None:
        self.sales.refresh()
        self.purchases.refresh()
        self.parties.refresh()

    def start(self, screen: str) -> None:
        """F8 / F9: a new sales invoice or purchase bill, as in Tally."""
        (self.sales if screen == "Sales" else self.purchases).new_document()
