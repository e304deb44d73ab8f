"""Field rules on pages built word by word: GSTINs by checksum, parties, labels, arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.documents.model import Box, PageText, Reading, TextSource, Word
from app.documents.reader import extract_reading
from app.gst import check_character

CHAR = 0.0085  # width of a character, as a fraction of the page width
LINE = 0.02


def page(
    *rows: list[tuple[float, str]],
    source: TextSource = TextSource.TEXT_LAYER,
    confidence: float = 1.0,
) -> PageText:
    """A page from rows of (x, text) pieces; pieces split into words at spaces."""
    words = []
    for index, pieces in enumerate(rows):
        top = 0.05 + index * LINE
        for start, text in pieces:
            x = start
            for word in text.split():
                box = Box(x, top, x + len(word) * CHAR, top + 0.011)
                words.append(Word(word, box, confidence))
                x += (len(word) + 1) * CHAR
    return PageText(1, source, tuple(words))


def read(*rows: list[tuple[float, str]], **kw: object) -> Reading:
    return extract_reading("test.pdf", 1, [page(*rows, **kw)])  # type: ignore[arg-type]


def gstin(first14: str) -> str:
    return first14 + check_character(first14)


SUPPLIER = gstin("27AAPFU0939F1Z")
BUYER = gstin("29AAGCB1286Q1Z")


def bill(*extra: list[tuple[float, str]], total: str = "1,180.00") -> Reading:
    return read(
        [(0.05, "Shree Ganesh Traders")],
        [(0.05, f"GSTIN: {SUPPLIER}"), (0.6, "Invoice No.: A/101")],
        [(0.6, "Date: 05/04/2025")],
        [(0.05, "Bill To:")],
        [(0.05, "Sharma Kirana Store")],
        [(0.05, f"GSTIN: {BUYER}")],
        [(0.6, "Taxable Value"), (0.85, "1,000.00")],
        [(0.6, "IGST @ 18%"), (0.85, "180.00")],
        [(0.6, "Grand Total"), (0.85, total)],
        *extra,
    )


def test_a_plain_bill() -> None:
    reading = bill()
    assert reading.value("supplier_gstin") == SUPPLIER
    assert reading.value("buyer_gstin") == BUYER
    assert reading.value("invoice_number") == "A/101"
    assert reading.value("invoice_date") == date(2025, 4, 5)
    assert reading.value("taxable_value") == Decimal("1000.00")
    assert reading.value("igst") == Decimal("180.00")
    assert reading.value("igst_rate") == "18"
    assert reading.value("grand_total") == Decimal("1180.00")
    assert reading.value("supplier_name") == "Shree Ganesh Traders"
    assert reading.value("currency") == "INR"
    assert reading.problems == ()
    total = reading.field("grand_total")
    assert total is not None and total.confidence > 0.9
    assert total.region is not None and total.region.page == 1
    assert 0.84 < total.region.box.x0 < 0.86  # the region is the amount's own words


def test_totals_that_do_not_add_up_are_flagged_and_doubted() -> None:
    good = bill().field("grand_total")
    reading = bill(total="1,280.00")
    bad = reading.field("grand_total")
    assert good is not None and bad is not None
    assert bad.value == Decimal("1280.00")
    assert bad.confidence < good.confidence * 0.7
    assert any("add up to 1,180.00" in p.message for p in reading.problems)


def test_tax_that_is_not_the_rate_of_the_taxable_value_is_flagged() -> None:
    reading = read(
        [(0.05, f"GSTIN {SUPPLIER}")],
        [(0.6, "Taxable Value"), (0.85, "1,000.00")],
        [(0.6, "CGST @ 9%"), (0.85, "95.00")],
        [(0.6, "SGST @ 9%"), (0.85, "95.00")],
        [(0.6, "Grand Total"), (0.85, "1,190.00")],
    )
    assert reading.value("cgst") == Decimal("95.00")
    assert any("CGST at 9% of 1,000.00 is 90.00" in p.message for p in reading.problems)


def test_ocr_spaces_and_look_alikes_inside_a_gstin() -> None:
    spaced = f"{SUPPLIER[:12]} {SUPPLIER[12:]}".replace("0", "O", 1)  # '27AAPFU0939F 1ZV'
    reading = read(
        [(0.05, f"GSTIN: {spaced}")],
        [(0.05, "Invoice No. 7")],
        source=TextSource.OCR,
        confidence=0.9,
    )
    found = reading.field("supplier_gstin")
    assert found is not None and found.value == SUPPLIER
    assert found.confidence < 0.9  # repaired, so less sure than the words


def test_a_gstin_failing_its_check_character_is_a_problem_not_a_value() -> None:
    wrong = SUPPLIER[:14] + ("A" if SUPPLIER[14] != "A" else "B")
    reading = read([(0.05, f"GSTIN: {wrong}")], [(0.05, "Invoice No. 7")])
    assert reading.value("supplier_gstin") is None
    assert any(wrong in p.message and "check character" in p.message for p in reading.problems)


def test_buyer_heading_beats_order_of_appearance() -> None:
    reading = read(
        [(0.05, "Buyer (Bill to): Sharma Kirana")],
        [(0.05, f"GSTIN: {BUYER}")],
        [(0.05, "Sold by: Shree Ganesh Traders")],
        [(0.05, f"GSTIN: {SUPPLIER}")],
    )
    assert reading.value("buyer_gstin") == BUYER
    assert reading.value("supplier_gstin") == SUPPLIER
    assert reading.value("supplier_name") == "Shree Ganesh Traders"


def test_label_above_value_and_other_dates_ignored() -> None:
    reading = read(
        [(0.05, "Order Date: 01/04/2025"), (0.6, "Inv #"), (0.75, "Dated")],
        [(0.6, "B-77/25"), (0.75, "05.04.25")],
        [(0.05, "Due Date: 05/05/2025")],
    )
    assert reading.value("invoice_number") == "B-77/25"
    assert reading.value("invoice_date") == date(2025, 4, 5)


def test_eway_bill_number_is_not_the_invoice_number() -> None:
    reading = read([(0.05, "E-Way Bill No: 331009876543")], [(0.05, "Bill No: GT-5521")])
    assert reading.value("invoice_number") == "GT-5521"


def test_intra_state_heads_and_several_rates_add_up() -> None:
    reading = read(
        [(0.05, f"GSTIN {SUPPLIER}")],
        [(0.6, "Sub Total"), (0.85, "3,000.00")],
        [(0.6, "CGST @ 2.5%"), (0.85, "25.00")],
        [(0.6, "CGST @ 9%"), (0.85, "180.00")],
        [(0.6, "SGST @ 2.5%"), (0.85, "25.00")],
        [(0.6, "SGST @ 9%"), (0.85, "180.00")],
        [(0.6, "Round Off"), (0.85, "(0.00)")],
        [(0.6, "Net Amount"), (0.85, "3,410.00")],
    )
    assert reading.value("cgst") == Decimal("205.00")
    assert reading.value("sgst") == Decimal("205.00")
    assert reading.value("grand_total") == Decimal("3410.00")
    assert not any(p.field == "grand_total" for p in reading.problems)


def test_missing_fields_are_null_in_json() -> None:
    data = read([(0.05, "Some letter with no bill on it at all")]).to_json()
    fields = data["fields"]
    assert isinstance(fields, dict)
    assert fields["invoice_number"] is None and fields["grand_total"] is None
    assert {"invoice_number", "invoice_date", "grand_total"} <= {
        p["field"]
        for p in data["problems"]  # type: ignore[union-attr]
    }
