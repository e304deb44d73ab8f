"""Billing services against a real encrypted company: documents, their vouchers and stock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from app.billing import queries
from app.billing.checks import check_company as check_books
from app.billing.model import (
    Address,
    Counterparty,
    DocKind,
    DocStatus,
    DocumentDraft,
    DraftLine,
    Export,
    PartyDraft,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.parties import add_party, update_party
from app.billing.service import (
    cancel_document,
    post_document,
    post_documents,
    record_settlement,
)
from app.billing.tables import documents
from app.errors import AccessDenied, Conflict, ValidationError
from app.inventory import queries as stock_queries
from app.inventory.model import GodownId, ItemDraft
from app.inventory.service import StockLine, add_item, set_opening_stock
from app.ledger import queries as ledger_queries
from app.money import D
from app.storage.access import Role
from app.storage.company import Company
from app.storage.users import add_user

DAY = date(2025, 6, 10)
KARNATAKA_GSTIN = "29AABCR1718E1ZL"  # a valid GSTIN from gst.md's samples
MAHARASHTRA_GSTIN = "27AAPFU0939F1ZV"


def line(
    desc: str = "Basmati rice 5 kg",
    qty: str = "2",
    price: str = "450",
    rate: str = "5",
    **kw: object,
) -> DraftLine:
    return DraftLine(desc, D(qty), D(price), D(rate), hsn=str(kw.pop("hsn", "1006")), **kw)  # type: ignore[arg-type]


def customer(company: Company, gstin: str | None = KARNATAKA_GSTIN, **kw: object) -> int:
    draft = PartyDraft(
        name=str(kw.pop("name", "Rao Stores")),
        gstin=gstin,
        billing=Address("12 MG Road, Bengaluru", pin="560001"),
        phone="98450 12345",
        **kw,  # type: ignore[arg-type]
    )
    return add_party(company, draft)


def balances(company: Company) -> dict[str, Decimal]:
    with company.reader() as conn:
        names = {a.id: a.name for a in ledger_queries.chart(conn)}
        return {
            names[k]: v for k, v in ledger_queries.balances(conn, date(2026, 3, 31)).items() if v
        }


def test_inter_state_b2b_invoice_posts_igst_and_debits_the_customer(company: Company) -> None:
    party = customer(company)
    posted = post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            DAY,
            (line(), line("Toor dal", "3", "133.35", "5")),
            party_id=party,
        ),
    )
    doc = posted.document
    # 2 x 450 = 900.00; 3 x 133.35 = 400.05; IGST 5% = 45.00 + 20.00 (20.0025 rounds down).
    assert (doc.taxable, doc.igst, doc.cgst, doc.sgst) == (D("1300.05"), D("65.00"), 0, 0)
    assert doc.place_of_supply == "29" and doc.inter_state
    assert doc.grand_total == D("1365") and doc.round_off == D("-0.05")
    assert doc.number == "INV/2526/0001"
    books = balances(company)
    assert books["Rao Stores"] == D("1365")
    assert books["Sales"] == D("-1300.05")
    assert books["Output IGST"] == D("-65.00")
    assert books["Round Off"] == D("0.05")
    assert check_books(company).ok
    with company.reader() as conn:
        assert queries.document(conn, doc.id) == doc  # read back exactly as posted


def test_intra_state_cash_sale_with_split_payment_and_change(company: Company) -> None:
    posted = post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            DAY,
            (line("Soap", "3", "40", "18", price_includes_tax=True, hsn="3401"),),
            tenders=(Tender(PaymentMode.UPI, D("100")), Tender(PaymentMode.CASH, D("50"))),
        ),
    )
    doc = posted.document
    # 120 inclusive of 18%: taxable 101.69, CGST = SGST = 9.15, total 119.99 -> 120.
    assert (doc.taxable, doc.cgst, doc.sgst, doc.grand_total) == (
        D("101.69"),
        D("9.15"),
        D("9.15"),
        D("120"),
    )
    assert doc.counterparty.name == "Cash Sale" and doc.place_of_supply == "27"
    assert posted.change == D("30")
    books = balances(company)
    assert books["UPI Collections"] == D("100") and books["Cash"] == D("20")


def test_change_only_from_cash(company: Company) -> None:
    draft = DocumentDraft(
        DocKind.SALES_INVOICE,
        DAY,
        (line(qty="1", price="100", rate="0", hsn="1006"),),
        tenders=(Tender(PaymentMode.UPI, D("150")),),
    )
    with pytest.raises(ValidationError, match="only cash can be given back"):
        post_document(company, draft)


def test_walk_in_sale_must_be_paid_in_full(company: Company) -> None:
    draft = DocumentDraft(
        DocKind.SALES_INVOICE, DAY, (line(),), tenders=(Tender(PaymentMode.CASH, D("500")),)
    )
    with pytest.raises(ValidationError, match="unpaid"):
        post_document(company, draft)
    with company.reader() as conn:
        assert conn.execute(select(func.count()).select_from(documents)).scalar() == 0


def test_numbers_are_consecutive_per_year_and_a_failed_sale_leaves_no_gap(company: Company) -> None:
    party = customer(company)
    good = DocumentDraft(DocKind.SALES_INVOICE, DAY, (line(),), party_id=party)
    bad = DocumentDraft(DocKind.SALES_INVOICE, DAY, (line(rate="7"),), party_id=party)
    first = post_document(company, good).document
    with pytest.raises(ValidationError):
        post_documents(company, [good, bad])  # all or nothing
    second = post_document(company, good).document
    next_year = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, date(2026, 4, 2), (line(),), party_id=party)
    ).document
    assert [first.number, second.number, next_year.number] == [
        "INV/2526/0001",
        "INV/2526/0002",
        "INV/2627/0001",
    ]


def test_stock_moves_with_the_invoice_and_back_when_cancelled(company: Company) -> None:
    item = add_item(
        company,
        ItemDraft("Sugar 1 kg", unit="KGS", hsn="1701", gst_rate=D("5"), sale_price=D("48")),
    )
    set_opening_stock(company, GodownId(1), [StockLine(item, D("10"), value=D("400"))])
    party = customer(company)
    doc = post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            DAY,
            (line("Sugar", "4", "48", "5", item_id=item, uqc="KGS", hsn="1701"),),
            party_id=party,
        ),
    ).document
    with company.reader() as conn:
        assert stock_queries.on_hand(conn, item) == D("6")
    cancel_document(company, doc.id, DAY, "Customer refused delivery")
    with company.reader() as conn:
        assert stock_queries.on_hand(conn, item) == D("10")
        again = queries.document(conn, doc.id)
    assert again.status is DocStatus.CANCELLED and again.number == doc.number
    assert balances(company).get("Rao Stores") is None  # reversed to nothing
    with pytest.raises(Conflict, match="already cancelled"):
        cancel_document(company, doc.id, DAY, "again")
    assert check_books(company).ok


def test_purchase_bill_with_itc_and_one_under_reverse_charge(company: Company) -> None:
    supplier = add_party(
        company, PartyDraft("Gupta Wholesale", PartyKind.SUPPLIER, gstin=MAHARASHTRA_GSTIN)
    )
    bill = DocumentDraft(
        DocKind.PURCHASE_BILL,
        DAY,
        (line(qty="10", price="400"),),
        party_id=supplier,
        supplier_number="GW/771",
    )
    doc = post_document(company, bill).document
    assert (doc.cgst, doc.sgst, doc.grand_total) == (D("100.00"), D("100.00"), D("4200"))
    assert doc.our_reference == "PB/2526/0001" and doc.number == "GW/771"
    with pytest.raises(Conflict, match="already in the books"):
        post_document(company, bill)
    rcm = DocumentDraft(
        DocKind.PURCHASE_BILL,
        DAY,
        (line("Legal services", "1", "10000", "18", hsn="998211"),),
        party_id=supplier,
        supplier_number="GW/772",
        reverse_charge=True,
    )
    post_document(company, rcm)
    books = balances(company)
    assert books["Input CGST"] == D("100.00") + D("900.00")
    assert books["GST Payable (Reverse Charge)"] == D("-1800.00")
    assert books["Gupta Wholesale"] == D("-4200") - D(
        "10000"
    )  # we owe the supplier the taxable value only
    assert check_books(company).ok


def test_blocked_credit_is_part_of_the_cost(company: Company) -> None:
    supplier = add_party(
        company, PartyDraft("Car Dealer", PartyKind.SUPPLIER, gstin=MAHARASHTRA_GSTIN)
    )
    post_document(
        company,
        DocumentDraft(
            DocKind.PURCHASE_BILL,
            DAY,
            (line(qty="1", price="1000", rate="18"),),
            party_id=supplier,
            supplier_number="C1",
            itc_eligible=False,
        ),
    )
    books = balances(company)
    assert books["Purchases"] == D("1180.00") and "Input CGST" not in books


def test_credit_note_refers_to_its_invoice_and_reduces_what_is_owed(company: Company) -> None:
    party = customer(company, credit_days=30)
    invoice = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, DAY, (line(),), party_id=party)
    ).document
    with pytest.raises(ValidationError, match="original invoice"):
        post_document(
            company, DocumentDraft(DocKind.CREDIT_NOTE, DAY, (line(qty="1"),), party_id=party)
        )
    note = post_document(
        company,
        DocumentDraft(
            DocKind.CREDIT_NOTE,
            DAY,
            (line(qty="1"),),
            party_id=party,
            original_id=invoice.id,
            reason="damaged",
            moves_stock=False,
        ),
    ).document
    assert note.number == "CN/2526/0001" and note.original_number == invoice.number
    with company.reader() as conn:
        (open_doc,) = queries.open_documents(conn, party)
    assert open_doc.outstanding == invoice.grand_total - note.grand_total
    assert open_doc.due_date == date(2025, 7, 10)
    books = balances(company)
    assert books["Sales Returns"] == note.taxable and books["Output IGST"] == -(
        invoice.igst - note.igst
    )
    with pytest.raises(Conflict, match="cancel the note first"):
        cancel_document(company, invoice.id, DAY, "wrong")


def test_receipt_allocated_against_invoices_and_ageing(company: Company) -> None:
    party = customer(company, credit_days=15)
    first = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 4, 5), (line(),), party_id=party)
    ).document
    second = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, DAY, (line(qty="1"),), party_id=party)
    ).document
    with pytest.raises(ValidationError, match="outstanding"):
        record_settlement(
            company, party, DAY, Tender(PaymentMode.BANK, D("5000")), [(first.id, D("5000"))]
        )
    record_settlement(
        company,
        party,
        DAY,
        Tender(PaymentMode.BANK, D("1000"), "NEFT 8812"),
        [(first.id, D("900"))],
    )
    with company.reader() as conn:
        open_docs = {d.number: d.outstanding for d in queries.open_documents(conn, party)}
        (row,) = queries.ageing(conn, date(2025, 6, 30))
    assert open_docs == {first.number: first.grand_total - 900, second.number: second.grand_total}
    # First due 20 April: 71 days late on 30 June; second due 25 June: 5 days late.
    assert row.days_61_90 == first.grand_total - 900 and row.days_1_30 == second.grand_total
    assert balances(company)["Rao Stores"] == first.grand_total + second.grand_total - 1000


def test_party_rules(company: Company) -> None:
    with pytest.raises(ValidationError, match="check character"):
        customer(company, gstin="29AABCR1718E1ZA")
    with pytest.raises(ValidationError, match="registered in state 29"):
        customer(company, state_code="27")
    party = customer(company)
    with pytest.raises(Conflict, match="already has this GSTIN"):
        customer(company, name="Someone Else")
    update_party(
        company, party, PartyDraft("Rao Stores Pvt Ltd", gstin=KARNATAKA_GSTIN, phone="9845012345")
    )
    with company.reader() as conn:
        assert queries.find_parties(conn, "12345")[0].name == "Rao Stores Pvt Ltd"
        assert queries.party(conn, party).state_code == "29"


def test_party_opening_balance_is_a_journal_on_the_first_day(company: Company) -> None:
    customer(company, opening_balance=D("2500"))
    books = balances(company)
    assert books["Rao Stores"] == D("2500") and books["Opening Balance Difference"] == D("-2500")


def test_cashier_sells_but_does_not_cancel_or_buy(company: Company) -> None:
    add_user(company, "ravi", Role.CASHIER, "ravi-secret-12")
    cashier = company.as_user("ravi")
    doc = post_document(
        cashier,
        DocumentDraft(
            DocKind.SALES_INVOICE, DAY, (line(),), tenders=(Tender(PaymentMode.CASH, D("1000")),)
        ),
    ).document
    with pytest.raises(AccessDenied):
        cancel_document(cashier, doc.id, DAY, "oops")
    supplier = add_party(
        company, PartyDraft("Gupta Wholesale", PartyKind.SUPPLIER, gstin=MAHARASHTRA_GSTIN)
    )
    with pytest.raises(AccessDenied):
        post_document(
            cashier,
            DocumentDraft(
                DocKind.PURCHASE_BILL, DAY, (line(),), party_id=supplier, supplier_number="X1"
            ),
        )


def test_export_without_payment_charges_no_tax(company: Company) -> None:
    party = add_party(company, PartyDraft("Dubai Foods LLC", state_code="97"))
    doc = post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            DAY,
            (line(qty="100"),),
            party_id=party,
            export=Export(False, "INBOM1", "1234567", DAY),
        ),
    ).document
    assert doc.place_of_supply == "96" and doc.igst == 0 and doc.taxable == D("45000")
    with company.reader() as conn:
        assert queries.document(conn, doc.id).export == Export(False, "INBOM1", "1234567", DAY)


def test_document_lines_cannot_be_changed_outside_the_app(company: Company) -> None:
    doc = post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            DAY,
            (line(),),
            walk_in=Counterparty("Anil"),
            tenders=(Tender(PaymentMode.CASH, D("945")),),
        ),
    ).document
    with company.engine.connect() as conn, pytest.raises(Exception, match="never changed"):
        conn.execute(
            text("UPDATE document_lines SET taxable = 1 WHERE document_id = :d"), {"d": doc.id}
        )
    with company.engine.connect() as conn, pytest.raises(Exception, match="never deleted"):
        conn.execute(text("DELETE FROM documents WHERE id = :d"), {"d": doc.id})


def test_a_document_that_comes_to_nothing_is_refused(company: Company) -> None:
    draft = DocumentDraft(
        DocKind.SALES_INVOICE,
        DAY,
        (line(qty="0.001", price="0.01", rate="0"),),
        tenders=(Tender(PaymentMode.CASH, D("1")),),
    )
    with pytest.raises(ValidationError, match="comes to nothing"):
        post_document(company, draft)


def test_filing_gstr1_locks_the_periods_outward_documents(company: Company) -> None:
    from app.billing.filing import mark_filed
    from app.errors import PeriodLocked
    from app.gst.periods import parse_period

    party = customer(company)
    doc = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, DAY, (line(),), party_id=party)
    ).document
    mark_filed(company, "GSTR-1", parse_period("2025-06"), date(2025, 7, 11), "AA2707250012345")
    with pytest.raises(PeriodLocked, match="credit or debit note"):
        post_document(company, DocumentDraft(DocKind.SALES_INVOICE, DAY, (line(),), party_id=party))
    with pytest.raises(PeriodLocked):
        cancel_document(company, doc.id, date(2025, 7, 20), "late")
    with pytest.raises(Conflict, match="already marked filed"):
        mark_filed(company, "GSTR-1", parse_period("2025-06"), date(2025, 7, 12))
    # The next period is open, and purchases of June wait for GSTR-3B.
    post_document(
        company,
        DocumentDraft(
            DocKind.CREDIT_NOTE,
            date(2025, 7, 2),
            (line(qty="1"),),
            party_id=party,
            original_id=doc.id,
        ),
    )
    supplier = add_party(
        company, PartyDraft("Gupta Wholesale", PartyKind.SUPPLIER, gstin=MAHARASHTRA_GSTIN)
    )
    post_document(
        company,
        DocumentDraft(
            DocKind.PURCHASE_BILL, DAY, (line(),), party_id=supplier, supplier_number="G1"
        ),
    )


def test_the_company_check_finds_a_tampered_document(company: Company) -> None:
    party = customer(company)
    doc = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, DAY, (line(),), party_id=party)
    ).document
    assert check_books(company).ok
    with company.engine.connect() as conn:
        conn.execute(
            text("UPDATE documents SET taxable = taxable + 100 WHERE id = :d"), {"d": doc.id}
        )
        conn.commit()
    problems = [str(p) for p in check_books(company).problems]
    assert problems == [f"document {doc.id} ({doc.number}): its lines do not add up to its totals"]


def test_irn_is_kept_once_and_read_back(company: Company) -> None:
    from app.billing.model import Irn
    from app.billing.service import record_irn

    party = customer(company)
    doc = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, DAY, (line(),), party_id=party)
    ).document
    irn = Irn("a" * 64, "112510012345678", DAY, "eyJhbGciOiJSUzI1NiJ9.signed")
    with pytest.raises(ValidationError, match="64 characters"):
        record_irn(company, doc.id, Irn("abc", "1", DAY, "x"))
    record_irn(company, doc.id, irn)
    record_irn(company, doc.id, irn)  # the same again is fine
    with pytest.raises(Conflict, match="cannot change"):
        record_irn(company, doc.id, Irn("b" * 64, "1", DAY, "x"))
    with company.reader() as conn:
        assert queries.document(conn, doc.id).irn == irn
