"""A stored bill into a purchase bill: supplier by GSTIN (or new), items by name or HSN, only
when confirmed, duplicates refused with the first one named, links both ways."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.billing import queries as billing_queries
from app.billing.model import DocKind, PartyDraft, PartyKind
from app.billing.parties import add_party
from app.billing.tables import documents
from app.documents import queries, service
from app.documents.bill import proposal_blockers
from app.documents.stored import StoredStatus
from app.errors import AccessDenied, Conflict, ValidationError
from app.inventory import queries as stock_queries
from app.inventory.model import ItemDraft
from app.inventory.service import add_item
from app.ledger.checks import check_books
from app.money import D
from app.storage.access import Role
from app.storage.company import Company
from app.storage.users import add_user
from tests.documents.bills import Bill, scan
from tests.factories import audit_rows

MakePdf = Callable[..., tuple[Bill, Path]]


def bill_count(company: Company) -> int:
    with company.reader() as conn:
        return int(conn.execute(select(func.count()).select_from(documents)).scalar_one())


def test_new_supplier_is_proposed_and_posted_only_when_confirmed(
    company: Company, make_pdf: MakePdf
) -> None:
    bill, pdf = make_pdf(30, "classic")
    doc_id = service.import_document(company, pdf).document_id
    with company.reader() as conn:
        proposal = queries.propose_bill(conn, company.profile, doc_id)
    assert proposal.supplier.is_new and proposal.supplier.gstin == bill.supplier_gstin
    assert proposal.supplier.name == bill.supplier_name
    assert proposal.number == bill.invoice_number and proposal.bill_date == bill.invoice_date
    assert [(x.description, x.qty, x.unit_price) for x in proposal.lines] == [
        (x.description, x.quantity, x.rate) for x in bill.lines
    ]
    assert {x.gst_rate for x in proposal.lines} == {bill.gst_rate}
    assert proposal_blockers(proposal) == [] and proposal.duplicate_of is None

    with pytest.raises(ValidationError, match="confirm"):
        service.post_bill(company, proposal, confirmed=False)
    assert bill_count(company) == 0

    done = service.post_bill(company, proposal, confirmed=True)
    posted = done.posted.document
    assert done.new_party
    assert posted.kind is DocKind.PURCHASE_BILL and posted.number == bill.invoice_number
    assert posted.counterparty.gstin == bill.supplier_gstin
    assert abs(posted.grand_total - bill.grand_total) <= Decimal("1.00")
    assert posted.taxable == bill.taxable
    with company.reader() as conn:
        view = queries.stored_document(conn, doc_id)
        party = billing_queries.party(conn, done.party_id)
        by_bill = queries.for_billing_document(conn, posted.id)
        assert posted.voucher_id is not None
        by_voucher = queries.for_voucher(conn, posted.voucher_id)
        by_reference = billing_queries.document_by_number(conn, posted.our_reference)
    assert party.kind is PartyKind.SUPPLIER and party.gstin == bill.supplier_gstin
    assert view.row.status is StoredStatus.POSTED
    assert view.row.billing_document_id == posted.id
    assert view.billing_reference == posted.our_reference and view.voucher_id == posted.voucher_id
    assert [r.id for r in by_bill] == [doc_id] == [r.id for r in by_voucher]
    assert by_reference.id == posted.id
    assert audit_rows(company, "stored_document.post")[-1]["entity_id"] == str(doc_id)
    assert check_books(company).ok

    # Posted once: the draft is gone, so a second try is refused.
    with pytest.raises(Conflict, match="posted"):
        service.post_bill(company, proposal, confirmed=True)
    assert bill_count(company) == 1


def test_supplier_by_gstin_and_items_by_name_and_hsn(company: Company, make_pdf: MakePdf) -> None:
    bill, pdf = make_pdf(31, "labelled", line_count=2)
    first, second = bill.lines
    party_id = add_party(
        company, PartyDraft("Our Name For Them", PartyKind.SUPPLIER, gstin=bill.supplier_gstin)
    )
    by_name = add_item(
        company, ItemDraft(first.description.upper(), hsn=first.hsn, gst_rate=bill.gst_rate)
    )
    by_hsn = add_item(
        company, ItemDraft("Something else entirely", hsn=second.hsn, gst_rate=bill.gst_rate)
    )
    doc_id = service.import_document(company, pdf).document_id
    with company.reader() as conn:
        proposal = queries.propose_bill(conn, company.profile, doc_id)
    assert (proposal.supplier.party_id, proposal.supplier.matched_by) == (party_id, "gstin")
    assert [(x.item_id, x.matched_by) for x in proposal.lines] == [
        (by_name, "name"),
        (by_hsn, "hsn"),
    ]
    done = service.post_bill(company, proposal, confirmed=True)
    assert not done.new_party and done.party_id == party_id
    with company.reader() as conn:
        assert stock_queries.on_hand(conn, by_name) == first.quantity
        assert stock_queries.on_hand(conn, by_hsn) == second.quantity
    assert done.posted.document.igst > 0  # the labelled layout is inter-state
    assert check_books(company).ok


def test_duplicate_bill_is_refused_with_the_first_named(
    company: Company, make_pdf: MakePdf, tmp_path: Path
) -> None:
    bill, pdf = make_pdf(32, "classic")
    first_id = service.import_document(company, pdf).document_id
    with company.reader() as conn:
        proposal = queries.propose_bill(conn, company.profile, first_id)
    first = service.post_bill(company, proposal, confirmed=True).posted.document
    # The same bill again as a photo: other bytes, same supplier GSTIN and number.
    photo = tmp_path / "again.jpg"
    scan(pdf, 32, dpi=300).save(photo, quality=90)
    second_id = service.import_document(company, photo).document_id
    assert second_id != first_id
    with company.reader() as conn:
        again = queries.propose_bill(conn, company.profile, second_id)
    assert again.number == bill.invoice_number
    assert again.duplicate_of is not None
    assert first.our_reference in again.duplicate_of
    assert f"stored document {first_id}" in again.duplicate_of
    audit_before = len(audit_rows(company))
    with pytest.raises(Conflict, match=first.our_reference):
        service.post_bill(company, replace(again, duplicate_of=None), confirmed=True)
    assert bill_count(company) == 1 and len(audit_rows(company)) == audit_before
    with company.reader() as conn:
        assert queries.stored_document(conn, second_id).row.status is StoredStatus.DRAFT


def test_a_proposal_without_lines_is_refused(company: Company, make_pdf: MakePdf) -> None:
    _, pdf = make_pdf(33, "grid")
    doc_id = service.import_document(company, pdf).document_id
    with company.reader() as conn:
        proposal = queries.propose_bill(conn, company.profile, doc_id)
    single = replace(proposal, lines=())
    assert "at least one line" in " ".join(proposal_blockers(single))
    with pytest.raises(ValidationError, match="at least one line"):
        service.post_bill(company, single, confirmed=True)


def test_corrected_fields_feed_the_proposal(company: Company, make_pdf: MakePdf) -> None:
    _, pdf = make_pdf(34, "classic")
    doc_id = service.import_document(company, pdf).document_id
    service.correct_fields(company, doc_id, {"invoice_number": "FIX-1", "grand_total": "1.00"})
    with company.reader() as conn:
        proposal = queries.propose_bill(conn, company.profile, doc_id)
    assert proposal.number == "FIX-1"
    assert any("the bill says 1.00" in p for p in proposal.problems)
    assert proposal.bill_total == D("1.00")


def test_cashiers_and_auditors_may_not_import_or_post(company: Company, make_pdf: MakePdf) -> None:
    _, pdf = make_pdf(35, "classic")
    doc_id = service.import_document(company, pdf).document_id
    with company.reader() as conn:
        proposal = queries.propose_bill(conn, company.profile, doc_id)
    for name, role in (("kiran", Role.CASHIER), ("audit", Role.AUDITOR)):
        add_user(company, name, role, "role-test-pass-1")
        other = company.as_user(name)
        with pytest.raises(AccessDenied):
            service.import_document(other, pdf)
        with pytest.raises(AccessDenied):
            service.post_bill(other, proposal, confirmed=True)
        with pytest.raises(AccessDenied):
            service.correct_fields(other, doc_id, {"invoice_number": "X"})
    assert bill_count(company) == 0
