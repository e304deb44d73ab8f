"""The closing-stock journal between real company files, through the real service and
PostgreSQL: posted on the owner's device once the tills have synced, it reaches the other
till as the journal it is (its two accounts made there on first use), so both trial balances
stay identical; a sale entered later on the other till, dated inside the closed period, makes
the closing stale on both until one of them posts it again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
from app.billing.service import post_document
from app.inventory.closing import (
    CLOSING_STOCK,
    post_stock_closing,
    role_account_ids,
    stale_closings,
)
from app.ledger import queries as ledger_queries
from app.money import ZERO, D
from tests.conftest import CompanyFactory
from tests.sync.service import Service
from tests.sync.test_company_sync import _assert_same, _item_id, _make_shop, _settle
from tests.sync.tills import ITEM, Till

JUNE_END = date(2025, 6, 30)


@pytest.fixture
def shop(make_company: CompanyFactory, service: Service) -> Iterator[list[Till]]:
    yield _make_shop(make_company, service, 2)


def _sell(till: Till, day: date, qty: str) -> None:
    with till.open() as company:
        line = DraftLine(ITEM, D(qty), D("412.50"), D("5"), item_id=_item_id(company), hsn="1006")
        paid = (Tender(PaymentMode.CASH, D("1000") * D(qty)),)
        post_document(company, DocumentDraft(DocKind.SALES_INVOICE, day, (line,), tenders=paid))


def _closing_state(till: Till) -> tuple[Decimal, list[date]]:
    with till.open() as company, company.reader() as conn:
        account = role_account_ids(conn)[CLOSING_STOCK.key]
        posted = ledger_queries.balances(conn, JUNE_END).get(account, ZERO)
        return posted, [c.as_of for c in stale_closings(conn)]


def test_a_closing_travels_and_a_late_sale_makes_it_stale_everywhere(shop: list[Till]) -> None:
    a, b = shop
    _sell(a, date(2025, 6, 10), "10")  # 100 bought at 350 on 1 June (the shop's purchase bill)
    _settle(shop)
    with a.open() as company:
        (closing,) = post_stock_closing(company, JUNE_END)
    assert closing.stock_value == D("31500.00") and closing.posted is not None  # 90 at 350
    all_books = _settle(shop)
    _assert_same(all_books)
    assert _closing_state(a) == _closing_state(b) == (D("31500.00"), [])

    _sell(b, date(2025, 6, 20), "5")  # entered on till B after the closing, dated inside it
    _settle(shop)
    assert _closing_state(a) == _closing_state(b) == (D("31500.00"), [JUNE_END])
    with b.open() as company:
        (again,) = post_stock_closing(company, JUNE_END)
    assert again.amount == D("-1750.00")  # 5 more at 350 went out
    all_books = _settle(shop)
    _assert_same(all_books)
    assert _closing_state(a) == _closing_state(b) == (D("29750.00"), [])
