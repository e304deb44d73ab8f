"""The model's second pass over a bill: only values printed on it and adding up are kept."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from app.assistant.document_help import (
    FILLABLE,
    fill_schema,
    gst_problems,
    missing_fields,
    review,
    second_pass,
)
from app.assistant.grammar import schema_gbnf
from app.assistant.runtime import ModelRuntime
from app.documents.model import Box, PageText, Reading, TextSource, Word
from app.documents.reader import extract_reading
from app.money import D

SUPPLIER_GSTIN = "27AAPFU0939F1ZV"
LINES = (
    "Shree Ganesh Traders",
    f"GSTIN: {SUPPLIER_GSTIN}",
    "TAX INVOICE",
    "Invoice No: SGT/2025/0412 Date: 12/06/2025",
    "Description HSN Qty Rate Amount",
    "Basmati rice 5 kg 1006 2 450.00 900.00",
    "Toor dal 1 kg 0713 1 100.00 100.00",
    "Taxable Value 1,000.00",
    "CGST @ 9% 90.00",
    "SGST @ 9% 90.00",
    "Grand Total 1,180.00",
)
DROPPED = ("invoice_number", "invoice_date", "cgst", "sgst", "grand_total")


def page(lines: tuple[str, ...]) -> PageText:
    words = []
    for row, line in enumerate(lines):
        top = 0.05 + row * 0.04
        x = 0.05
        for text in line.split():
            width = 0.012 * len(text)
            words.append(Word(text, Box(x, top, x + width, top + 0.02)))
            x += width + 0.01
    return PageText(1, TextSource.TEXT_LAYER, tuple(words))


def read_with_misses() -> Reading:
    """The rules' reading of the bill with some fields taken out, as if they had missed them."""
    reading = extract_reading("bill.pdf", 1, [page(LINES)])
    assert reading.value("grand_total") == D("1180.00")  # the rules do read this bill
    kept = tuple(f for f in reading.fields if f.name not in DROPPED and not f.name.endswith("rate"))
    return dataclasses.replace(reading, fields=kept)


def test_printed_values_that_add_up_are_kept() -> None:
    reading = read_with_misses()
    assert set(DROPPED) <= set(missing_fields(reading))
    result = review(
        reading,
        {
            "invoice_number": "SGT/2025/0412",
            "invoice_date": "2025-06-12",
            "cgst": "90.00",
            "sgst": "90",
            "grand_total": "1180.00",
        },
        "model:test",
    )
    assert {f.name: f.value for f in result.accepted} == {
        "invoice_number": "SGT/2025/0412",
        "invoice_date": date(2025, 6, 12),
        "cgst": D("90.00"),
        "sgst": D("90"),
        "grand_total": D("1180.00"),
    }
    assert result.rejected == ()
    assert all(f.confidence == 0.5 for f in result.accepted)


def test_invented_or_inconsistent_values_are_refused() -> None:
    reading = read_with_misses()
    result = review(
        reading,
        {
            "invoice_number": "SGT/2025/9999",  # not on the bill
            "invoice_date": "2025-06-13",  # not on the bill
            "buyer_gstin": "27AAPFU0939F1ZX",  # checksum fails
            "cgst": "90.00",
            "sgst": "90.00",
            "grand_total": "1000.00",  # printed (as the taxable value) but does not add up
        },
        "model:test",
    )
    assert result.accepted == ()
    reasons = {r.field: r.reason for r in result.rejected}
    assert reasons["invoice_number"] == "'SGT/2025/9999' is not printed on the bill"
    assert reasons["invoice_date"] == "13-06-2025 is not a date printed on the bill"
    assert "GSTIN checksum" in reasons["buyer_gstin"]
    for head in ("cgst", "sgst", "grand_total"):
        assert reasons[head].startswith("GST arithmetic: taxable value, tax and round off add")

    halves = review(
        reading, {"cgst": "90.00", "sgst": "100.00", "grand_total": "1180.00"}, "model:test"
    )
    assert {r.field for r in halves.rejected} == {"cgst", "sgst", "grand_total"}
    assert "CGST and SGST differ" in halves.rejected[0].reason  # 100.00 is printed, but no half
    alone = review(reading, {"cgst": "90.00"}, "model:test")
    assert alone.rejected[0].reason.endswith("both needed to check the amounts")


def test_gst_arithmetic_rules() -> None:
    ok = {"taxable_value": D("1000"), "cgst": D("90"), "sgst": D("90"), "grand_total": D("1180")}
    assert gst_problems(ok) == []
    assert gst_problems({**ok, "grand_total": D("1180.40")}) == []  # rounded to the rupee
    assert gst_problems({**ok, "round_off": D("0.40"), "grand_total": D("1180.40")}) == []
    assert gst_problems({**ok, "round_off": D("0.40")})  # a round off must account exactly
    odd = {"taxable_value": D("1000"), "igst": D("70"), "grand_total": D("1070")}
    assert gst_problems(odd) == ["IGST is 7% of the taxable value: no GST rate"]
    assert gst_problems({"cgst": Decimal(1)}) == [
        "the taxable value and the grand total are both needed to check the amounts"
    ]


def test_every_fill_schema_is_a_grammar() -> None:
    for n in range(1, len(FILLABLE) + 1):
        assert "root ::=" in schema_gbnf(fill_schema(FILLABLE[:n]))


def test_a_real_model_proposes_and_only_checked_values_survive(runtime: ModelRuntime) -> None:
    reading = read_with_misses()
    result = second_pass(runtime, reading)
    assert result.engine == "model:tiny-random"
    assert result.asked == missing_fields(reading)
    assert len(result.accepted) + len(result.rejected) <= len(result.asked)
    again = review(reading, {f.name: str(f.value) for f in result.accepted}, "model:again")
    assert again.rejected == ()  # what was kept passes the same checks once more
