"""Scans and photos: generated bills rasterised at 150-300 dpi with rotation, noise and JPEG
artefacts, read back through the real tesseract (and zxing-cpp for the e-invoice QR)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.documents.model import FieldSource, TextSource
from app.documents.reader import read_document
from tests.documents.bills import Bill, scan, scanned_pdf

MakePdf = Callable[..., tuple[Bill, Path]]
KEY_FIELDS = (
    "supplier_gstin",
    "buyer_gstin",
    "invoice_number",
    "invoice_date",
    "taxable_value",
    "cgst",
    "sgst",
    "igst",
    "cess",
    "grand_total",
)


def assert_key_fields(reading_fields: object, bill: Bill) -> None:
    assert isinstance(reading_fields, dict)
    truth = bill.truth()
    wrong = {n: (truth[n], reading_fields[n]) for n in KEY_FIELDS if reading_fields[n] != truth[n]}
    assert not wrong


@pytest.mark.parametrize(
    ("layout", "seed", "dpi", "suffix"),
    [
        ("classic", 11, 150, ".jpg"),
        ("labelled", 12, 200, ".png"),
        ("grid", 13, 300, ".jpg"),
        ("einvoice", 14, 250, ".png"),
    ],
)
def test_scanned_bill(
    make_pdf: MakePdf, tmp_path: Path, layout: str, seed: int, dpi: int, suffix: str
) -> None:
    bill, pdf = make_pdf(seed, layout)
    image = scan(pdf, seed, dpi=dpi)
    path = tmp_path / f"scan{suffix}"
    image.save(path, quality=85) if suffix == ".jpg" else image.save(path)
    reading = read_document(path)
    assert [p.source for p in reading.pages] == [TextSource.OCR]
    assert_key_fields(reading.to_json()["fields"], bill)
    assert len(reading.lines) == len(bill.lines)
    assert sum(line.amount or 0 for line in reading.lines) == bill.taxable
    if layout == "einvoice":
        assert reading.einvoice is not None and reading.einvoice.irn == bill.irn
        assert reading.einvoice.signature_verified is False
        number = reading.field("invoice_number")
        assert number is not None and number.source is FieldSource.QR


def test_multi_page_tiff_and_scanned_pdf(make_pdf: MakePdf, tmp_path: Path) -> None:
    bill, pdf = make_pdf(21, "einvoice", line_count=30)
    pages = [scan(pdf, 21, dpi=200, page=0), scan(pdf, 22, dpi=200, page=1)]
    tiff = tmp_path / "bill.tiff"
    pages[0].save(tiff, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    reading = read_document(tiff)
    assert reading.page_count == 2 and len(reading.pages) == 2
    assert_key_fields(reading.to_json()["fields"], bill)
    assert len(reading.lines) == 30

    scanned = scanned_pdf(pages[1:], tmp_path / "scan.pdf")
    second = read_document(scanned)
    assert [p.source for p in second.pages] == [TextSource.OCR]
    assert second.value("grand_total") == bill.grand_total
