"""Printed invoices read back: every PDF is opened with pdfplumber (text) and pypdfium2 +
zxing-cpp (QR codes), and what it says is checked against the posted document."""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from app.billing.model import Address, Counterparty, DocKind, DocStatus, Irn, PostedDocument
from app.billing.printing import (
    BankDetails,
    Letterhead,
    export_pdfs,
    invoice_pdf,
    letterhead_from,
    load_template,
    pdf_file_name,
    receipt_pdf,
    template_names,
)
from app.billing.printing.qr import qr_matrix, reportlab_matrix
from app.billing.printing.templates import parse_template
from app.errors import ValidationError
from app.gst import SellerScheme
from app.money import amount_in_words, format_inr
from app.storage.company import CompanyProfile
from tests.billing.printed_documents import (
    BUYER_GSTIN,
    GROCERY,
    KARNATAKA_GSTIN,
    SELLER_GSTIN,
    Spec,
    document,
    many_lines,
    registered_buyer,
    seller,
    walk_in,
)

CLASSIC = load_template("classic")
THERMAL = load_template("thermal")
# Lakh grouping shows only above 99,999: one big line lifts the invoice past it.
ALMIRAH = Spec("Steel Almirah 4-door", "94031090", "10", "12500.00", "18", discount_pct="2.5")


def pdf_bytes(doc: PostedDocument, head: Letterhead | None = None, template=CLASSIC) -> bytes:
    out = io.BytesIO()
    invoice_pdf(doc, head or seller(), template, out)
    return out.getvalue()


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def flat(text: str) -> str:
    """Whitespace folded, so text wrapped over lines still reads as one phrase."""
    return " ".join(text.split())


def left_text(data: bytes, page: int = -1, share: float = 0.63) -> str:
    """Text left of the totals box (which starts at 63% of an A4 width): the amount in words."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        chosen = pdf.pages[page]
        return chosen.crop((0, 0, chosen.width * share, chosen.height)).extract_text() or ""


def qr_texts(data: bytes) -> list[str]:
    """Every QR code on every page, read from a 288 dpi rendering."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        images = [page.render(scale=4).to_pil().convert("L") for page in pdf]
    finally:
        pdf.close()
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [
        result.text for image in images for result in zxingcpp.read_barcodes(image, formats=formats)
    ]


def signed_qr_text(seed: str) -> str:
    """A signed e-invoice QR the way the IRP issues it: a JWT of about 900 characters."""
    header = {"alg": "RS256", "kid": "EDC57DE1358B300BA9F179B9", "typ": "JWT"}
    data = {
        "SellerGstin": SELLER_GSTIN,
        "BuyerGstin": KARNATAKA_GSTIN,
        "DocNo": "INV/25-26/0001",
        "DocTyp": "INV",
        "DocDt": "14/06/2025",
        "TotInvVal": 7387,
        "ItemCnt": 10,
        "MainHsnCode": "10063020",
        "Irn": seed,
        "IrnDt": "2025-06-14 11:32:00",
    }

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    payload = {"data": json.dumps(data, separators=(",", ":")), "iss": "NIC"}
    signature = bytes((n * 37 + 11) % 256 for n in range(256))
    return ".".join(
        (b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), b64(signature))
    )


# The tax invoice ----------------------------------------------------------------------


def test_tax_invoice_shows_every_rule_46_particular() -> None:
    doc = document((*GROCERY, ALMIRAH))
    data = pdf_bytes(doc)
    (text,) = pages_text(data)
    assert doc.grand_total > Decimal("100000")  # so Indian grouping is exercised

    assert "Tax Invoice" in text
    assert f"GSTIN: {SELLER_GSTIN}" in text and "Sharma Traders" in text
    assert "Shop 4, Laxmi Road" in text and "State: Maharashtra (27)" in text
    assert f"GSTIN/UIN: {BUYER_GSTIN}" in text and "Kulkarni Retail Pvt Ltd" in text
    assert "22 FC Road, Shivajinagar - 411005" in text
    assert "Invoice No. INV/25-26/0001" in text
    assert "Date 14-06-2025" in text
    assert "Place of Supply Maharashtra (27)" in text
    for line in doc.lines:
        assert text.count(line.hsn) == 2, line.hsn  # the line and the HSN summary
        assert format_inr(line.taxable) in text
        assert format_inr(line.cgst) in text
    assert f"Taxable Value {format_inr(doc.taxable)}" in text
    assert f"CGST {format_inr(doc.cgst)}" in text
    assert f"SGST {format_inr(doc.sgst)}" in text
    assert f"Cess {format_inr(doc.cess)}" in text
    assert "IGST" not in text
    sign = "+" if doc.round_off > 0 else ""
    assert f"Round Off {sign}{format_inr(doc.round_off)}" in text
    grand = format_inr(doc.grand_total)
    assert re.fullmatch(r"\d,\d\d,\d{3}\.\d\d", grand)  # lakh grouping: 1,47,xxx.00
    assert f"Grand Total ₹ {grand}" in text
    assert amount_in_words(doc.grand_total) in flat(left_text(data))
    assert "Whether tax is payable on reverse charge: No" in text
    assert "For Sharma Traders" in text and "Authorised Signatory" in text
    assert "HSN/SAC-wise tax summary" in text
    # The per-head rates of the lines: 2.5% + 2.5% at 5%, 9% + 9% at 18%, cess 12%.
    assert "2.5% 32.00 2.5% 32.00" in text
    assert "14% 79.80 14% 79.80 12% 68.40" in text


def test_hsn_summary_adds_up_per_code_and_rate() -> None:
    specs = (GROCERY[3], replace(GROCERY[3], description="Detergent Powder 1kg", qty="7"))
    doc = document(specs)
    (text,) = pages_text(pdf_bytes(doc))
    summary = text[text.index("HSN/SAC-wise tax summary") :]
    row = next(x for x in summary.splitlines() if x.startswith("34022010"))
    cgst = doc.lines[0].cgst + doc.lines[1].cgst
    total_tax = sum((x.tax for x in doc.lines), Decimal(0))
    expected = f"34022010 {format_inr(doc.taxable)} 9% {format_inr(cgst)} 9% {format_inr(cgst)}"
    assert row == f"{expected} {format_inr(total_tax)}"


def test_inter_state_invoice_shows_igst_and_no_cgst() -> None:
    doc = document(buyer=registered_buyer(KARNATAKA_GSTIN))
    assert doc.inter_state
    (text,) = pages_text(pdf_bytes(doc))
    assert "Place of Supply Karnataka (29)" in text
    assert f"IGST {format_inr(doc.igst)}" in text
    assert "CGST" not in text and "SGST" not in text and "UTGST" not in text
    assert "5% 64.00" in text  # rice: IGST at the full 5%


def test_union_territory_prints_utgst() -> None:
    chandigarh = Counterparty("Sector 17 Stores", state_code="04", billing=Address("SCO 12", "04"))
    doc = document(GROCERY[:2], seller_state="04", buyer=chandigarh)
    head = replace(seller(), state_code="04", gstin="04AAPFU0939F1Z" + "3")
    (text,) = pages_text(pdf_bytes(doc, head))
    assert f"UTGST {format_inr(doc.sgst)}" in text
    assert "SGST" not in text.replace("UTGST", "")


def test_sixty_lines_flow_onto_pages_with_totals_only_on_the_last() -> None:
    doc = document(many_lines(60))
    data = pdf_bytes(doc)
    texts = pages_text(data)
    count = len(texts)
    assert count >= 2
    grand = f"Grand Total ₹ {format_inr(doc.grand_total)}"
    for number, text in enumerate(texts, start=1):
        assert f"GSTIN: {SELLER_GSTIN}" in text and f"GSTIN/UIN: {BUYER_GSTIN}" in text
        assert "Invoice No. INV/25-26/0001" in text
        assert "# Description HSN/SAC Qty Rate" in text  # the headings, repeated
        assert f"Page {number} of {count}" in text
        assert (grand in text) is (number == count)
        assert ("Authorised Signatory" in text) is (number == count)
    numbers = [
        int(m.group(1)) for text in texts for m in re.finditer(r"^(\d+) \D.*? \d{8} ", text, re.M)
    ]
    assert numbers == list(range(1, 61))  # every line once, in order
    assert amount_in_words(doc.grand_total) in flat(left_text(data))


@pytest.mark.parametrize("count", [24, 31, 38, 44])
def test_the_last_page_holds_the_last_line_totals_words_and_signature(count: int) -> None:
    doc = document(many_lines(count))
    data = pdf_bytes(doc)
    last = pages_text(data)[-1]
    assert re.search(rf"^{count} \D.*? \d{{8}} ", last, re.M)  # the last line's row
    assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in last
    assert amount_in_words(doc.grand_total) in flat(left_text(data))
    assert "Authorised Signatory" in last and "HSN/SAC-wise tax summary" in last


# Bills of supply, notes, reverse charge, cancelled -------------------------------------


def test_composition_bill_of_supply_says_so_and_shows_no_tax() -> None:
    doc = document(
        GROCERY[:4],
        kind=DocKind.BILL_OF_SUPPLY,
        scheme=SellerScheme.COMPOSITION,
        number="BOS/25-26/0007",
        buyer=walk_in(),
    )
    assert doc.total_tax == 0
    (text,) = pages_text(pdf_bytes(doc))
    assert "Bill of Supply" in text and "Tax Invoice" not in text
    assert "Composition taxable person, not eligible to collect tax on supplies" in text
    for word in ("CGST", "SGST", "IGST", "Cess", "Taxable", "HSN/SAC-wise"):
        assert word not in text
    assert "Bill No. BOS/25-26/0007" in text
    assert f"Total Value {format_inr(doc.taxable)}" in text
    assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in text


def test_regular_bill_of_supply_for_exempt_goods_has_no_legend() -> None:
    exempt = (Spec("Fresh Vegetables", "07099990", "12", "40.00", "0"),)
    doc = document(exempt, kind=DocKind.BILL_OF_SUPPLY, number="BOS/25-26/0001")
    (text,) = pages_text(pdf_bytes(doc))
    assert "Bill of Supply" in text and "Composition" not in text and "CGST" not in text


def test_credit_note_names_the_original_invoice_and_the_reason() -> None:
    doc = document(
        GROCERY[:2],
        kind=DocKind.CREDIT_NOTE,
        number="CN/25-26/0002",
        original_number="INV/25-26/0001",
        original_date=date(2025, 6, 14),
        reason="Goods returned: damaged in transit",
        doc_date=date(2025, 6, 20),
    )
    data = pdf_bytes(doc)
    (text,) = pages_text(data)
    assert "Credit Note" in text
    assert "Credit Note No. CN/25-26/0002" in text and "Date 20-06-2025" in text
    assert "Against Invoice INV/25-26/0001" in text and "Invoice Date 14-06-2025" in text
    assert "Reason: Goods returned: damaged in transit" in text
    assert not any(t.startswith("upi://") for t in qr_texts(data))  # nothing to pay


def test_reverse_charge_is_stated_and_tax_left_out_of_the_total() -> None:
    doc = document(GROCERY[:3], reverse_charge=True)
    assert doc.grand_total == doc.taxable.quantize(Decimal(1))
    data = pdf_bytes(doc)
    text = flat(pages_text(data)[0])
    assert "Whether tax is payable on reverse charge: Yes" in text
    assert "Reverse Charge Yes" in text
    assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in text
    tax = format_inr(doc.total_tax)
    assert f"Tax of ₹ {tax} is payable by the recipient under reverse charge." in flat(
        left_text(data)
    )


def test_unregistered_buyer_above_fifty_thousand_gets_name_address_and_state() -> None:
    buyer = Counterparty("Meera Joshi", billing=Address("Flat 9, Kothrud", "", "411038"))
    doc = document((ALMIRAH,), buyer=buyer, place_of_supply="27")
    assert doc.taxable >= Decimal("50000")
    (text,) = pages_text(pdf_bytes(doc))
    assert "Meera Joshi" in text and "Flat 9, Kothrud - 411038" in text
    assert "Unregistered" in text and "State: Maharashtra (27)" in text.split("Bill to")[1]


def test_cancelled_invoice_carries_a_watermark() -> None:
    doc = document(GROCERY[:3], status=DocStatus.CANCELLED)
    data = pdf_bytes(doc)
    assert slanted_text(data) == "CANCELLED"
    assert not any(t.startswith("upi://") for t in qr_texts(data))  # never ask to pay it
    assert slanted_text(pdf_bytes(document(GROCERY[:3]))) == ""


def slanted_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(ch["text"] for ch in pdf.pages[0].chars if abs(ch["matrix"][1]) > 0.1)


def test_export_under_lut_carries_the_endorsement() -> None:
    from app.billing.model import Export

    overseas = Counterparty("Gulf Foods LLC", billing=Address("Deira, Dubai"))
    doc = document(
        GROCERY[:2],
        buyer=overseas,
        place_of_supply="96",
        export=Export(False, "INNSA1", "1234567", date(2025, 6, 15)),
    )
    text = flat(pages_text(pdf_bytes(doc))[0])
    assert "Place of Supply Other Countries (96)" in text
    assert "Port Code INNSA1" in text and "Shipping Bill 1234567 dt 15-06-2025" in text
    assert "export under bond or letter of undertaking without payment of integrated tax" in text


# QR codes ------------------------------------------------------------------------------


def test_upi_qr_decodes_to_the_payment_link_for_the_grand_total() -> None:
    doc = document()
    texts = qr_texts(pdf_bytes(doc))
    expected = (
        "upi://pay?pa=sharmatraders@okaxis&pn=Sharma%20Traders"
        f"&am={doc.grand_total:.2f}&cu=INR&tn=INV%2F25-26%2F0001"
    )
    assert texts == [expected]
    assert doc.grand_total == Decimal("7387.00")


def test_no_upi_qr_without_an_upi_id() -> None:
    assert qr_texts(pdf_bytes(document(), seller(upi_id=""))) == []


def test_einvoice_qr_and_irn_are_printed() -> None:
    irn = Irn(
        irn="6b1f8a3c" * 8,
        ack_no="112510012345678",
        ack_date=date(2025, 6, 14),
        signed_qr=signed_qr_text("6b1f8a3c" * 8),
    )
    assert len(irn.signed_qr) > 700
    doc = document(buyer=registered_buyer(KARNATAKA_GSTIN), irn=irn)
    data = pdf_bytes(doc)
    text = pages_text(data)[0]
    assert f"IRN {irn.irn}" in text
    assert "Ack No. 112510012345678" in text and "Ack Date 14-06-2025" in text
    assert sorted(qr_texts(data)) == sorted([irn.signed_qr, _upi(doc)])
    receipt = io.BytesIO()
    receipt_pdf(doc, seller(), receipt)
    assert sorted(qr_texts(receipt.getvalue())) == sorted([irn.signed_qr, _upi(doc)])
    assert irn.ack_no in pages_text(receipt.getvalue())[0]


def _upi(doc: PostedDocument) -> str:
    return (
        "upi://pay?pa=sharmatraders@okaxis&pn=Sharma%20Traders"
        f"&am={doc.grand_total:.2f}&cu=INR&tn={doc.number.replace('/', '%2F')}"
    )


@pytest.mark.parametrize("text", ["upi://pay?pa=a@b&am=1.00", "x" * 300, "मराठी दुकान ₹ 12,345.00"])
def test_both_qr_encoders_agree(text: str) -> None:
    """The fallback encoder (reportlab's) must read back the same as zxing-cpp's."""
    from reportlab.pdfgen.canvas import Canvas

    from app.billing.printing.qr import draw_matrix

    for matrix in (qr_matrix(text), reportlab_matrix(text)):
        out = io.BytesIO()
        canvas = Canvas(out, pagesize=(200, 200))
        draw_matrix(canvas, matrix, 10, 10, 180)
        canvas.showPage()
        canvas.save()
        assert qr_texts(out.getvalue()) == [text]


# Thermal receipt -----------------------------------------------------------------------


def test_thermal_receipt_is_80mm_wide_and_fitted_to_the_bill() -> None:
    doc = document()
    out = io.BytesIO()
    receipt_pdf(doc, seller(), out)
    data = out.getvalue()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        (page,) = pdf.pages
        assert page.width == pytest.approx(226.77, abs=0.01)
        short_height = page.height
        text = page.extract_text()
    assert f"GSTIN: {SELLER_GSTIN}" in text and f"GSTIN/UIN: {BUYER_GSTIN}" in text
    assert "Invoice No. INV/25-26/0001" in text and "Date 14-06-2025" in text
    assert "Place of Supply: Maharashtra (27)" in text
    for line in doc.lines:
        assert line.hsn in text and format_inr(line.taxable) in text
    assert f"CGST {format_inr(doc.cgst)}" in text and f"SGST {format_inr(doc.sgst)}" in text
    assert f"Cess {format_inr(doc.cess)}" in text
    assert f"Round Off +{format_inr(doc.round_off)}" in text
    assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in text
    assert amount_in_words(doc.grand_total) in flat(text)
    assert "Whether tax is payable on reverse charge: No" in text
    assert "Authorised Signatory" in text
    assert qr_texts(data) == [_upi(doc)]

    longer = io.BytesIO()
    receipt_pdf(document(many_lines(40)), seller(), longer)
    with pdfplumber.open(io.BytesIO(longer.getvalue())) as pdf:
        assert len(pdf.pages) == 1 and pdf.pages[0].height > short_height * 1.5


def test_thermal_template_through_invoice_pdf_prints_the_receipt() -> None:
    with pdfplumber.open(io.BytesIO(pdf_bytes(document(), template=THERMAL))) as pdf:
        assert pdf.pages[0].width == pytest.approx(226.77, abs=0.01)


def test_receipt_refuses_a_page_template() -> None:
    with pytest.raises(ValidationError, match="receipt template"):
        receipt_pdf(document(), seller(), io.BytesIO(), CLASSIC)


# Templates, fonts, logo, files ---------------------------------------------------------


def test_templates_are_listed_and_loaded_once() -> None:
    assert {"classic", "compact", "thermal"} <= set(template_names())
    assert load_template("classic") is load_template("classic")
    assert CLASSIC.page_width == pytest.approx(595.28, abs=0.01)
    assert THERMAL.content_width == pytest.approx(72 * 72 / 25.4)


def test_unknown_template_names_the_choices() -> None:
    with pytest.raises(ValidationError, match="classic, compact"):
        load_template("fancy")
    with pytest.raises(ValidationError, match="not a template name"):
        load_template("../classic")


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"accent": "blue"}, "accent"),
        ({"base_size": 40}, "base_size"),
        ({"columns": ["mrp"]}, "columns"),
        ({"layout": "scroll"}, "layout"),
        ({"page_size": "A3"}, "page_size"),
        ({"logo": "yes"}, "logo"),
        ({"colour": "#000000"}, "unknown setting colour"),
    ],
)
def test_bad_template_settings_are_named(settings_: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_template("mine", settings_)


def test_compact_template_leaves_out_the_discount_column() -> None:
    doc = document()
    classic = pages_text(pdf_bytes(doc))[0]
    compact = pages_text(pdf_bytes(doc, template=load_template("compact")))[0]
    assert "Disc." in classic and "Disc." not in compact
    assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in compact


def test_without_the_font_amounts_are_written_with_rs() -> None:
    doc = document(GROCERY[:2])
    plain = parse_template("plain", {"font": "NoSuchFont"})
    text = pages_text(pdf_bytes(doc, template=plain))[0]
    assert f"Grand Total Rs. {format_inr(doc.grand_total)}" in text and "₹" not in text
    noto = pages_text(pdf_bytes(doc))[0]
    assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in noto and "Rs." not in noto


def test_logo_is_drawn(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 60), (200, 30, 30)).save(logo)
    data = pdf_bytes(document(GROCERY[:2]), seller(logo=logo))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        (image,) = pdf.pages[0].images
    assert image["srcsize"] == (120, 60)


def test_missing_logo_is_a_clear_error_and_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.png"
    out = tmp_path / "INV.pdf"
    with pytest.raises(ValidationError, match=r"logo file .*gone\.png is missing"):
        invoice_pdf(document(), seller(logo=missing), CLASSIC, out)
    assert list(tmp_path.iterdir()) == []


def test_logo_that_is_not_an_image_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "logo.png"
    bad.write_text("not a picture")
    with pytest.raises(ValidationError, match="not a PNG or JPEG"):
        pdf_bytes(document(), seller(logo=bad))


def test_saving_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        invoice_pdf(document(), seller(), CLASSIC, tmp_path / "nowhere" / "x.pdf")


def test_same_document_prints_the_same_bytes() -> None:
    assert pdf_bytes(document()) == pdf_bytes(document())


def test_letterhead_checks_its_particulars() -> None:
    with pytest.raises(ValidationError, match="UPI id"):
        replace(seller(), upi_id="not an id")
    with pytest.raises(ValidationError, match="IFSC"):
        BankDetails("HDFC Bank", "123", "HDFC123")
    with pytest.raises(ValidationError):
        replace(seller(), state_code="77")
    profile = CompanyProfile("Sharma Traders", "27", date(2025, 4, 1), SELLER_GSTIN, "Pune")
    head = letterhead_from(profile, phone="1234", upi_id="sharma@okaxis")
    assert (head.name, head.gstin, head.state_name, head.phone) == (
        "Sharma Traders",
        SELLER_GSTIN,
        "Maharashtra",
        "1234",
    )


# Batch export --------------------------------------------------------------------------


def test_batch_export_writes_one_file_per_document(tmp_path: Path) -> None:
    docs = [
        document(GROCERY[: n + 1], number=f"INV/25-26/{n:04d}", doc_date=date(2025, 6, n))
        for n in range(1, 4)
    ]
    heard: list[int] = []
    paths = export_pdfs(docs, seller(), CLASSIC, tmp_path, heard.append)
    assert heard == [1, 2, 3]
    assert [p.name for p in paths] == [
        "INV-25-26-0001.pdf",
        "INV-25-26-0002.pdf",
        "INV-25-26-0003.pdf",
    ]
    assert sorted(tmp_path.iterdir()) == paths
    for path, doc in zip(paths, docs, strict=True):
        text = pages_text(path.read_bytes())[0]
        assert f"Invoice No. {doc.number}" in text
        assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in text


def test_batch_export_keeps_clashing_names_apart(tmp_path: Path) -> None:
    docs = [document(GROCERY[:1], number="INV/1"), document(GROCERY[:2], number="INV-1")]
    paths = export_pdfs(docs, seller(), CLASSIC, tmp_path)
    assert len({p.name for p in paths}) == 2 and all(p.exists() for p in paths)
    assert pdf_file_name("../../etc/passwd") == "etc-passwd.pdf"


def test_batch_export_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        export_pdfs([document()], seller(), CLASSIC, tmp_path / "missing")


# Property: whatever the lines, the paper agrees with the document ----------------------

_specs = st.builds(
    Spec,
    description=st.sampled_from(["Rice", "Dal", "Soap", "Kurta cotton", "Mobile cover"]),
    hsn=st.sampled_from(["1006", "0713", "3401", "6211", "3926"]),
    qty=st.integers(1, 250).map(str),
    price=st.integers(1, 2_500_000).map(lambda paise: f"{paise / 100:.2f}"),
    gst_rate=st.sampled_from(["0", "5", "12", "18", "28"]),
    discount_pct=st.sampled_from(["0", "0", "5", "12.5"]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(_specs, min_size=1, max_size=45),
    inter_state=st.booleans(),
)
def test_printed_totals_match_the_document(specs: list[Spec], inter_state: bool) -> None:
    buyer = registered_buyer(KARNATAKA_GSTIN if inter_state else BUYER_GSTIN)
    doc = document(specs, buyer=buyer)
    data = pdf_bytes(doc)
    texts = pages_text(data)
    last = texts[-1]
    assert f"Grand Total ₹ {format_inr(doc.grand_total)}" in last
    assert f"Taxable Value {format_inr(doc.taxable)}" in last
    head = "IGST" if inter_state else "CGST"
    assert f"{head} {format_inr(doc.igst if inter_state else doc.cgst)}" in last
    assert amount_in_words(doc.grand_total) in flat(left_text(data))
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
    printed_lines = len(re.findall(r"^\d+ (?:Rice|Dal|Soap|Kurta|Mobile)", "\n".join(texts), re.M))
    assert printed_lines == len(doc.lines)


def test_line_totals_and_tax_inclusive_rates_are_marked() -> None:
    kurta = Spec(
        "Kurta cotton, hand block printed", "62113900", "3", "1450.00", "12", inclusive=True
    )
    doc = document((*GROCERY[:3], kurta))
    data = pdf_bytes(doc)
    text = pages_text(data)[0]
    for line in doc.lines:
        assert format_inr(line.total) in text
    total_row = next(x for x in text.splitlines() if x.startswith("Total "))
    assert total_row.endswith(f" {format_inr(doc.taxable + doc.total_tax)}")
    assert "1,450.00*" in text
    assert "* The rate includes tax" in flat(left_text(data))
    assert format_inr(doc.lines[3].taxable) == "3,883.93"  # 4,350.00 / 1.12


def test_quotation_prints_without_a_payment_qr() -> None:
    doc = document(GROCERY[:2], kind=DocKind.QUOTATION, number="QT/25-26/0003")
    data = pdf_bytes(doc)
    assert "Quotation No. QT/25-26/0003" in pages_text(data)[0]
    assert qr_texts(data) == []


def test_purchase_bills_are_not_printed_as_ours() -> None:
    doc = document(GROCERY[:2], kind=DocKind.PURCHASE_BILL, number="SUP-991")
    with pytest.raises(ValidationError, match="supplier's own invoice"):
        pdf_bytes(doc)
