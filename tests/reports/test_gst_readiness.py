"""The readiness check before a GSTR-1 export: each fault named on its document, none dropped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.billing.model import Counterparty, DocKind, Export, PostedDocument
from app.gst import SellerScheme, Taxability
from app.gst.periods import parse_period
from app.reports.gst_readiness import Problem, gstr1_problems, hsn_digits_required
from app.reports.gstr1 import UnplaceableDocument, gstr1
from tests.reports.gst_documents import (
    SELLER_GSTIN,
    Item,
    cancelled,
    credit_note,
    gstin,
    invoice,
    post,
)

APRIL = parse_period("2025-04")
DAY = date(2025, 4, 10)
BUYER = gstin("29", "AABCR1718E")


def _messages(documents: list[PostedDocument], turnover: str = "0") -> list[str]:
    return [p.message for p in gstr1_problems(documents, APRIL, SELLER_GSTIN, Decimal(turnover))]


def test_a_clean_month_has_no_problems() -> None:
    sale = invoice("INV/1", DAY, Item("1000", hsn="84713010"), buyer_gstin=BUYER)
    documents = [
        sale,
        credit_note("CN/1", DAY, sale, Item("100", hsn="84713010")),
        invoice(
            "EXP/1",
            DAY,
            Item("500", hsn="84713010"),
            export=Export(True, "INNSA1", "1234567", DAY),
        ),
        invoice("EXP/2", DAY, Item("500", hsn="84713010"), export=Export(False)),  # LUT
        cancelled(invoice("INV/2", DAY, Item("1"))),
    ]
    assert gstr1_problems(documents, APRIL, SELLER_GSTIN, Decimal("60000000")) == []


def test_b2b_with_an_invalid_gstin_uses_the_gstin_checks_words() -> None:
    bad = invoice("INV/1", DAY, Item("1000"), buyer_gstin="27AAPFU0939F1ZO")
    problems = gstr1_problems([bad], APRIL, SELLER_GSTIN)
    assert problems == [
        Problem(
            bad.id,
            "INV/1",
            "The buyer's GSTIN '27AAPFU0939F1ZO' is not valid: check character should be V, "
            "not O. Correct it on the party and re-issue the document, or clear it to report a "
            "B2C sale.",
        )
    ]


def test_lines_without_hsn_with_short_hsn_or_unknown_units() -> None:
    doc = invoice(
        "INV/1",
        DAY,
        Item("100", hsn="", description="Pen"),
        Item("100", hsn="8471", description="Laptop"),
        Item("100", hsn="8471", uqc="KILO", description="Wire"),
        Item("100", hsn="998314", uqc="NA", description="Support"),
    )
    assert _messages([doc]) == [
        "Line 1 (Pen) has no HSN/SAC code; GSTR-1 Table 12 needs one for every line. Set the "
        "item's HSN code.",
        "Line 3 (Wire): unit 'KILO' is not on the GSTN list of unit codes (UQC); choose one "
        "such as NOS, PCS, KGS or OTH for the item.",
    ]
    # Above Rs 5 crore the 4-digit code is too short (Notification 78/2020-CT).
    assert hsn_digits_required(Decimal("50000000")) == 4
    assert hsn_digits_required(Decimal("50000000.01")) == 6
    above = _messages([doc], turnover="75000000")
    assert [m for m in above if "digits" in m] == [
        "Line 2 (Laptop): HSN/SAC 8471 has 4 digits; with this turnover at least 6 are "
        "required (Notification 78/2020-CT). Use the longer code.",
        "Line 3 (Wire): HSN/SAC 8471 has 4 digits; with this turnover at least 6 are required "
        "(Notification 78/2020-CT). Use the longer code.",
    ]


def test_place_of_supply_missing_or_unknown() -> None:
    doc = invoice("INV/1", DAY, Item("100"))
    assert _messages([replace(doc, place_of_supply="")]) == [
        "The place of supply is missing; set the buyer's state on the document."
    ]
    assert _messages([replace(doc, place_of_supply="45")]) == [
        "Place of supply '45' is not a GST state code; choose the buyer's state."
    ]
    assert "only for exports" in _messages([replace(doc, place_of_supply="96")])[0]


def test_notes_need_their_original_invoice() -> None:
    sale = invoice("INV/1", DAY, Item("1000"), buyer_gstin=BUYER)
    note = credit_note("CN/1", DAY, sale, Item("100"))
    orphan = replace(note, original_id=None, original_number="", original_date=None)
    assert _messages([sale, orphan]) == [
        "The credit note does not name its original invoice's number and date (Rule 53(1A)); "
        "enter them on the note."
    ]


def test_exports_with_payment_need_port_and_shipping_bill() -> None:
    doc = invoice("EXP/1", DAY, Item("1000"), export=Export(True))
    assert _messages([doc]) == [
        "The export with IGST paid has no port code; enter the port of export.",
        "The export with IGST paid has no shipping bill number and date; enter them.",
    ]


def test_dates_outside_the_period_and_bad_numbers() -> None:
    may = invoice("INV/9", date(2025, 5, 1), Item("100"))
    long_number = invoice("INV/2025-2026/00001", DAY, Item("100"))
    odd = invoice("INV#7", DAY, Item("100"))
    problems = gstr1_problems([may, long_number, odd], APRIL, SELLER_GSTIN)
    assert [(p.document_id, p.message) for p in problems] == [
        (
            odd.id,
            "Number 'INV#7' may hold only letters, digits, '/' and '-', starting with a letter "
            "or digit (Rule 46(b)); change the numbering series.",
        ),
        (
            long_number.id,
            "Number 'INV/2025-2026/00001' has 19 characters; GST allows at most 16 (Rule 46(b)). "
            "Shorten the series prefix for new documents and amend this one.",
        ),
        (
            may.id,
            "Dated 01-05-2025, outside April 2025: this return leaves it out; it belongs in the "
            "return of its own period (or correct its date).",
        ),
    ]


def test_duplicate_numbers_ignore_case() -> None:
    first = invoice("inv-1", DAY, Item("100"))
    second = invoice("INV-1", date(2025, 4, 11), Item("100"))
    assert gstr1_problems([first, second], APRIL, SELLER_GSTIN) == [
        Problem(
            second.id,
            "INV-1",
            "Number INV-1 is used twice (also on the document dated 10-04-2025); a serial must "
            "be unique in the financial year.",
        )
    ]


def test_company_gstin_and_tax_heads() -> None:
    doc = invoice("INV/1", DAY, Item("100"), buyer_gstin=BUYER)
    wrong_head = replace(doc, inter_state=False)
    problems = gstr1_problems([wrong_head], APRIL, "19AAACI1681G1DV")  # a TDS deductor ID
    assert problems[0].document_id is None
    assert "cannot file GSTR-1" in problems[0].message
    assert problems[1].message == (
        "An intra-state document carries IGST; re-post it with CGST and SGST."
    )


def test_what_gstr1_cannot_place_is_a_problem_too() -> None:
    composition = post(
        DocKind.BILL_OF_SUPPLY, "B/1", DAY, Item("100"), scheme=SellerScheme.COMPOSITION
    )
    sez = invoice("S/1", DAY, Item("100"), to_sez=True)
    for document in (composition, sez):
        with pytest.raises(UnplaceableDocument) as raised:
            gstr1(SELLER_GSTIN, APRIL, [document])
        problems = gstr1_problems([document], APRIL, SELLER_GSTIN)
        assert Problem(document.id, document.number, str(raised.value)) in problems


def test_no_valid_document_is_dropped() -> None:
    """Every document the check passes appears in the return; every one it flags is named."""
    registered = invoice("INV/1", DAY, Item("1000"), buyer_gstin=BUYER)
    unregistered_name_only = replace(
        invoice("INV/2", DAY, Item("1000")), counterparty=Counterparty("Walk-in")
    )
    bad_gstin = invoice("INV/3", DAY, Item("1000"), buyer_gstin="29AABCR1718E1ZX")
    exempt_only = invoice(
        "INV/4", DAY, Item("100", rate="0", hsn="0401", uqc="LTR", taxability=Taxability.EXEMPT)
    )
    documents = [registered, unregistered_name_only, bad_gstin, exempt_only]
    flagged = {p.document_id for p in gstr1_problems(documents, APRIL, SELLER_GSTIN)}
    assert flagged == {bad_gstin.id}
    data = gstr1(SELLER_GSTIN, APRIL, documents)
    in_b2b = {inv["inum"] for party in data["b2b"] for inv in party["inv"]}
    assert in_b2b == {"INV/1", "INV/3"}  # the bad GSTIN still shows, and is flagged
    assert data["b2cs"][0]["txval"] == Decimal("1000.00")
    assert data["nil"]["inv"][0]["expt_amt"] == Decimal("100.00")
