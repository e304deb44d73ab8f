"""The signed e-invoice QR: a JWT in a real QR image, decoded with zxing-cpp."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from PIL import Image

from app.documents.einvoice_qr import decode_qr, einvoice_fields, einvoice_payload
from app.documents.model import FieldSource
from app.documents.reader import read_document
from tests.documents.bills import Bill, jwt_for, make_bill, qr_png

MakePdf = Callable[..., tuple[Bill, Path]]


def test_qr_image_decodes_to_the_payload() -> None:
    bill = make_bill(3, "einvoice")
    texts = decode_qr(Image.open(io.BytesIO(qr_png(jwt_for(bill)))))
    assert texts == (jwt_for(bill),)
    payload = einvoice_payload(texts[0])
    assert payload is not None
    fields, einvoice, problems = einvoice_fields(payload, page=1)
    values = {f.name: f.value for f in fields}
    assert values == {
        "supplier_gstin": bill.supplier_gstin,
        "buyer_gstin": bill.buyer_gstin,
        "invoice_number": bill.invoice_number,
        "invoice_date": bill.invoice_date,
        "grand_total": bill.grand_total,
    }
    assert all(f.source is FieldSource.QR and f.confidence == 1.0 for f in fields)
    assert einvoice.irn == bill.irn and einvoice.item_count == len(bill.lines)
    assert einvoice.main_hsn == bill.lines[0].hsn
    assert einvoice.signature_verified is False
    assert problems == []


def _jwt(data: dict[str, object]) -> str:
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    payload = json.dumps({"data": json.dumps(data), "iss": "NIC"}).encode()
    return f"{b64(b'{}')}.{b64(payload)}.{b64(bytes(64))}"


def test_a_bad_gstin_in_the_payload_is_a_problem() -> None:
    payload = einvoice_payload(
        _jwt(
            {
                "SellerGstin": "27AAPFU0939F1ZO",  # wrong check character
                "BuyerGstin": "URP",  # unregistered buyer
                "DocNo": "X-1",
                "DocDt": "05/04/2025",
                "TotInvVal": 1180.5,
                "Irn": "ab" * 32,
            }
        )
    )
    assert payload is not None
    fields, _, problems = einvoice_fields(payload, page=1)
    names = {f.name: f.value for f in fields}
    assert "supplier_gstin" not in names and "buyer_gstin" not in names
    assert names["grand_total"] == Decimal("1180.50")  # exact, never through float
    assert names["invoice_date"] == date(2025, 4, 5)
    assert any("SellerGstin" in p.message for p in problems)


def test_other_qr_codes_are_not_einvoices() -> None:
    assert einvoice_payload("upi://pay?pa=shop@upi&am=100") is None
    assert einvoice_payload("a.b.c") is None


def test_the_qr_beats_the_printed_text(make_pdf: MakePdf, tmp_path: Path) -> None:
    bill, pdf = make_pdf(4, "einvoice")
    reading = read_document(pdf)
    assert reading.einvoice is not None and reading.einvoice.irn == bill.irn
    for name in ("supplier_gstin", "buyer_gstin", "invoice_number", "invoice_date", "grand_total"):
        found = reading.field(name)
        assert found is not None and found.source is FieldSource.QR, name
        assert found.region is not None  # the printed value agreed, so its place is kept
    assert reading.problems == ()
    note = reading.to_json()["einvoice"]
    assert isinstance(note, dict) and note["signature_verified"] is False
