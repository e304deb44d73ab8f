"""Barcode labels: render the PDF to an image and read the bars back with zxing-cpp."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp

from app.errors import ValidationError
from app.inventory import queries
from app.inventory.barcodes import BarcodeKind, lookup_forms
from app.inventory.labels import Label, LabelLayout, label_for, labels_pdf
from app.inventory.model import ItemDraft
from app.inventory.service import add_item
from app.money import D
from app.storage.company import Company

LABELS = (
    Label(
        "Tata Salt 1kg with a name too long for one line",
        "8904063200303",
        BarcodeKind.EAN13,
        D("28.00"),
        D("30.00"),
    ),
    Label("Imported soda", "036000291452", BarcodeKind.UPCA, D("40.00"), None),
    Label("Pencil", "96385074", BarcodeKind.EAN8, D("5.00"), D("5.00")),
    Label("Loose rice", "RICE-SONA/25", BarcodeKind.CODE128, D("62.50"), None),
)


def decoded(pdf: bytes, dpi: int = 300) -> list[list[str]]:
    """Every barcode a real decoder finds, page by page."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil()
            pages.append(sorted(r.text for r in zxingcpp.read_barcodes(image)))
        return pages
    finally:
        document.close()


def _read_back(code: str) -> str:
    return "0" + code if len(code) == 12 and code.isdigit() else code  # UPC-A reads as EAN-13


@pytest.mark.parametrize("dpi", [200, 300])
def test_a4_sheet_scans_back(dpi: int) -> None:
    pages = decoded(labels_pdf(LABELS, LabelLayout.A4), dpi)
    assert pages == [sorted(_read_back(label.code) for label in LABELS)]
    for code in pages[0]:
        assert any(label.code in lookup_forms(code) for label in LABELS)


def test_roll_labels_one_a_page_scan_back() -> None:
    pages = decoded(labels_pdf(LABELS, LabelLayout.ROLL))
    assert pages == [[_read_back(label.code)] for label in LABELS]
    document = pypdfium2.PdfDocument(labels_pdf(LABELS[:1], LabelLayout.ROLL))
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (50, 25)
    document.close()


def test_a4_sheet_takes_24_labels_a_page() -> None:
    pages = decoded(labels_pdf([LABELS[0]] * 25, LabelLayout.A4), 200)
    assert [len(page) for page in pages] == [24, 1]


def test_label_text_shows_prices() -> None:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(labels_pdf(LABELS[:1], LabelLayout.ROLL))) as pdf:
        words = pdf.pages[0].extract_text()
    assert "MRP Rs. 30.00" in words and "Our price Rs. 28.00" in words
    assert "Tata Salt" in words and "..." in words


def test_too_long_for_a_roll_label_is_refused() -> None:
    long = Label("x", "ABCDEFGHIJKLMNOPQRSTU-123", BarcodeKind.CODE128, D("1"), None)
    with pytest.raises(ValidationError, match="too long for this label"):
        labels_pdf([long], LabelLayout.ROLL)
    with pytest.raises(ValidationError):
        labels_pdf([], LabelLayout.A4)


def test_label_for_an_item_uses_its_barcode_or_sku(company: Company) -> None:
    coded = add_item(
        company,
        ItemDraft(
            name="Salt",
            unit="PCS",
            barcodes=("8904063200303",),
            sale_price=D("28"),
            prices=(("wholesale", D("26")),),
        ),
    )
    sku_only = add_item(company, ItemDraft(name="Rice", unit="KGS", sku="RICE-1"))
    neither = add_item(company, ItemDraft(name="Pen", unit="NOS"))
    with company.reader() as conn:
        label = label_for(queries.item(conn, coded), "wholesale")
        assert (label.code, label.price) == ("8904063200303", D("26.00"))
        assert label_for(queries.item(conn, sku_only)).kind is BarcodeKind.CODE128
        with pytest.raises(ValidationError, match="no barcode or SKU"):
            label_for(queries.item(conn, neither))
