"""A batch's dates corrected after it was made, and a sale from an expired batch that was
already posted on another device (sync): real encrypted company."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.errors import AccessDenied, ValidationError
from app.inventory import queries
from app.inventory.model import ExpiredBatch, GodownId, ItemDraft, Move, MoveKind, StockEntry
from app.inventory.service import (
    add_batch,
    add_item,
    post_stock,
    post_stock_entries_in,
    set_batch_dates,
)
from app.money import D
from app.storage.access import Role
from app.storage.company import Company
from app.storage.users import add_user
from tests.factories import audit_rows

MAIN = GodownId(1)


def _batch(company: Company) -> tuple[int, int]:
    draft = ItemDraft(
        name="Paracetamol 500", unit="NOS", hsn="30049099", gst_rate=D("5"), batch_tracked=True
    )
    item = add_item(company, draft)
    batch = add_batch(company, item, "B1", date(2025, 1, 1), date(2026, 12, 31))
    post_stock(
        company,
        StockEntry(
            MoveKind.PURCHASE,
            date(2025, 5, 2),
            "bill",
            "1",
            (Move(item, MAIN, D("10"), D("100"), batch_id=batch),),
        ),
    )
    return item, batch


def test_a_batch_s_dates_are_corrected_and_audited(company: Company) -> None:
    item, batch = _batch(company)
    set_batch_dates(company, batch, date(2025, 1, 1), date(2025, 6, 30))
    with company.reader() as conn:
        found = queries.batch_by_number(conn, item, "B1")
        assert (found.mfg_date, found.expiry_date) == (date(2025, 1, 1), date(2025, 6, 30))
        assert queries.on_hand(conn, item, batch_id=batch) == D("10")  # its moves stay
    [row] = audit_rows(company, "batch.update")
    assert row["entity_id"] == str(batch)
    set_batch_dates(company, batch, date(2025, 1, 1), date(2025, 6, 30))  # unchanged
    assert len(audit_rows(company, "batch.update")) == 1
    with pytest.raises(ValidationError, match="expires before it was made"):
        set_batch_dates(company, batch, date(2025, 7, 1), date(2025, 6, 30))


def test_a_sale_posted_elsewhere_from_an_expired_batch_is_kept(company: Company) -> None:
    """Here the batch expired in June; another till sold from it in July (by its dates, or
    with its owner's leave). Typed here the sale is refused, and only the owner may allow
    it; received (sync applies as an accountant) it is posted, the expired batch named in
    the audit row. The check is the counter's, not the books'."""
    item, batch = _batch(company)
    set_batch_dates(company, batch, date(2025, 1, 1), date(2025, 6, 30))
    move = Move(item, MAIN, D("-2"), batch_id=batch)
    sale = StockEntry(MoveKind.SALE, date(2025, 7, 5), "sales invoice", "9", (move,))
    with pytest.raises(ExpiredBatch):
        post_stock(company, sale)
    add_user(company, "asha", Role.ACCOUNTANT, "asha-secret-123")
    accountant = company.as_user("asha")
    with pytest.raises(AccessDenied, match="Only the owner"):
        post_stock(accountant, sale, allow_expired=True)
    with accountant.unit_of_work() as uow:
        post_stock_entries_in(uow, [sale], posted_elsewhere=True)
        uow.commit()
    with company.reader() as conn:
        assert queries.on_hand(conn, item, batch_id=batch) == D("8")
    details = json.loads(audit_rows(company, "stock.post")[-1]["details"])
    assert details["expired_batches_allowed"] == ["Paracetamol 500 batch B1"]
