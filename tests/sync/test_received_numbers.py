"""Billing's side of re-posting a received document: ``post_documents_in(numbers=...)`` keeps
the number another device issued, refuses this device's own series, a serial already in the
books and a prefix the series never had; ``cancel_document_in`` runs in the caller's unit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.billing import queries
from app.billing.model import (
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.numbering import DEVICE_SETTING
from app.billing.parties import add_party
from app.billing.service import IssuedNumber, cancel_document_in, post_documents_in
from app.billing.tables import number_series
from app.errors import Conflict, ValidationError
from app.money import D
from app.storage.company import Company
from app.storage.settings import write_setting


def _sale(day: int = 2) -> DocumentDraft:
    line = DraftLine("Tea 250 g", D("1"), D("120"), D("5"), hsn="0902")
    return DocumentDraft(
        DocKind.SALES_INVOICE,
        date(2025, 6, day),
        (line,),
        tenders=(Tender(PaymentMode.CASH, D("126")),),
    )


def _post(company: Company, *numbers: IssuedNumber | None) -> list[str]:
    with company.unit_of_work() as uow:
        posted = post_documents_in(uow, company.profile, [_sale() for _ in numbers], list(numbers))
        uow.commit()
    return [p.document.number for p in posted]


def _series(company: Company) -> dict[str, int]:
    with company.reader() as conn:
        return {
            r.device: r.next_serial
            for r in conn.execute(select(number_series.c.device, number_series.c.next_serial))
        }


@pytest.fixture
def till_b(company: Company) -> Company:
    with company.unit_of_work() as uow:
        write_setting(uow, DEVICE_SETTING, "B")
        uow.commit()
    return company


def test_a_received_number_is_kept_and_the_copy_follows_it(till_b: Company) -> None:
    got = _post(till_b, IssuedNumber("A", "INV", 1), IssuedNumber("A", "INV", 2), None)
    assert got == ["INV-A/2526/0001", "INV-A/2526/0002", "INV-B/2526/0001"]
    assert _series(till_b) == {"A": 3, "B": 2}
    # A serial that arrives late (held in quarantine) fills its place; the copy stays ahead.
    assert _post(till_b, IssuedNumber("A", "INV", 5)) == ["INV-A/2526/0005"]
    assert _post(till_b, IssuedNumber("A", "INV", 4)) == ["INV-A/2526/0004"]
    assert _series(till_b)["A"] == 6
    assert _post(till_b, None) == ["INV-B/2526/0002"]  # this till's own series untouched


def test_refusals_leave_nothing_behind(till_b: Company) -> None:
    _post(till_b, IssuedNumber("A", "INV", 1))
    with pytest.raises(ValidationError, match="own series"):
        _post(till_b, IssuedNumber("B", "INV", 1))
    with pytest.raises(Conflict, match="already in the books"):
        _post(till_b, IssuedNumber("A", "INV", 1))
    with pytest.raises(Conflict, match="already in the books"):
        _post(till_b, IssuedNumber("A", "INV", 2), IssuedNumber("A", "INV", 2))
    with pytest.raises(ValidationError, match="keeps its prefix"):
        _post(till_b, IssuedNumber("A", "SALE", 2))
    with pytest.raises(ValueError, match="one entry per draft"), till_b.unit_of_work() as uow:
        post_documents_in(uow, till_b.profile, [_sale(), _sale()], [None])
    assert _series(till_b) == {"A": 2}
    assert _post(till_b, IssuedNumber("A", "INV", 2)) == ["INV-A/2526/0002"]


def test_cancel_in_the_callers_unit_of_work(till_b: Company) -> None:
    _post(till_b, IssuedNumber("A", "INV", 1))
    with till_b.reader() as conn:
        doc = queries.documents_between(conn, date(2025, 6, 1), date(2025, 6, 30))[0]
    with till_b.unit_of_work() as uow:
        cancel_document_in(uow, till_b.profile, doc.id, date(2025, 6, 3), "Wrong customer")
        # not committed: leaving the block rolls it back
    with till_b.reader() as conn:
        assert not queries.document(conn, doc.id).cancelled
    with till_b.unit_of_work() as uow:
        cancel_document_in(uow, till_b.profile, doc.id, date(2025, 6, 3), "Wrong customer")
        uow.commit()
    with till_b.reader() as conn:
        assert queries.document(conn, doc.id).cancelled


def test_a_received_purchase_keeps_our_reference_once(till_b: Company) -> None:
    """A supplier's bill keeps the sender's own reference (its PB series); the same
    reference again, in a later batch or twice in one, is refused like an invoice number."""
    supplier = add_party(till_b, PartyDraft("Gupta Wholesale", PartyKind.SUPPLIER, state_code="27"))

    def bill(supplier_number: str) -> DocumentDraft:
        line = DraftLine("Tea 250 g", D("10"), D("100"), D("5"), hsn="0902")
        return DocumentDraft(
            DocKind.PURCHASE_BILL,
            date(2025, 6, 2),
            (line,),
            party_id=supplier,
            supplier_number=supplier_number,
        )

    def post(*bills: tuple[str, int]) -> list[str]:
        with till_b.unit_of_work() as uow:
            posted = post_documents_in(
                uow,
                till_b.profile,
                [bill(no) for no, _ in bills],
                [IssuedNumber("A", "PB", serial) for _, serial in bills],
            )
            uow.commit()
        return [p.document.our_reference for p in posted]

    assert post(("GW-101", 1), ("GW-102", 2)) == ["PB-A/2526/0001", "PB-A/2526/0002"]
    with pytest.raises(Conflict, match="already in the books"):
        post(("GW-103", 2))
    with pytest.raises(Conflict, match="already in the books"):
        post(("GW-104", 3), ("GW-105", 3))
    assert post(("GW-104", 3)) == ["PB-A/2526/0003"]
