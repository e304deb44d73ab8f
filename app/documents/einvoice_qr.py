"""The signed e-invoice QR (CGST Rule 48(4)): decode it and take the fields from its payload.

The QR holds a JWT signed by the Invoice Registration Portal; its payload carries
SellerGstin, BuyerGstin, DocNo, DocTyp, DocDt, TotInvVal, ItemCnt, MainHsnCode, Irn and
IrnDt, usually as a JSON string under "data". The signature needs NIC's public key and is
not checked offline; the result says so.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from PIL import Image

from app.documents.model import EInvoice, Field, FieldSource, Problem
from app.documents.printed import parse_date
from app.gst import check_gstin
from app.money import round_paise

_KEYS = frozenset({"SellerGstin", "DocNo", "DocDt", "TotInvVal", "Irn"})
QR_DPI = 200  # dense e-invoice QRs need about this much when rendered from a PDF


@dataclass(frozen=True)
class QrCode:
    text: str
    box: tuple[int, int, int, int]  # pixels: x0, y0, x1, y1


def find_qr(image: Image.Image) -> tuple[QrCode, ...]:
    """Every QR code zxing-cpp finds on the image, with where it is."""
    import zxingcpp

    found = []
    for result in zxingcpp.read_barcodes(
        image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    ):
        if not (result.valid and result.text):
            continue
        corners = result.position
        points = (corners.top_left, corners.top_right, corners.bottom_left, corners.bottom_right)
        xs, ys = [p.x for p in points], [p.y for p in points]
        margin = (max(xs) - min(xs)) // 10 + 4  # the quiet zone and a little more
        box = (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
        found.append(QrCode(result.text, box))
    return tuple(found)


def decode_qr(image: Image.Image) -> tuple[str, ...]:
    """The texts of every QR code on the image."""
    return tuple(code.text for code in find_qr(image))


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def einvoice_payload(text: str) -> dict[str, Any] | None:
    """The e-invoice fields of a QR's text (a JWT, or the bare JSON), or None if it is not one."""
    candidates: list[str] = []
    parts = text.strip().split(".")
    if len(parts) == 3:
        with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
            candidates.append(_b64url(parts[1]).decode("utf-8"))
    candidates.append(text)
    for candidate in candidates:
        try:
            payload = json.loads(candidate, parse_float=Decimal)
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(payload, dict) and isinstance(payload.get("data"), str):
            try:
                payload = json.loads(payload["data"], parse_float=Decimal)
            except (json.JSONDecodeError, ValueError):
                continue
        if isinstance(payload, dict) and payload.keys() >= _KEYS:
            return payload
    return None


def einvoice_fields(
    payload: dict[str, Any], page: int
) -> tuple[list[Field], EInvoice, list[Problem]]:
    """Fields from the payload (confidence 1: the QR carries error correction)."""
    region = None  # the QR's own place is not where a person reads these values
    fields: list[Field] = []
    problems: list[Problem] = []
    for key, name in (("SellerGstin", "supplier_gstin"), ("BuyerGstin", "buyer_gstin")):
        value = str(payload.get(key) or "").strip()
        if not value or value.upper() == "URP":  # unregistered person
            continue
        verdict = check_gstin(value)
        if verdict.valid:
            fields.append(Field(name, verdict.text, 1.0, FieldSource.QR, region))
        else:
            problems.append(
                Problem(
                    f"The e-invoice QR's {key} {value} is not a valid GSTIN ({verdict.problem}).",
                    name,
                )
            )
    number = str(payload.get("DocNo") or "").strip()
    if number:
        fields.append(Field("invoice_number", number, 1.0, FieldSource.QR, region))
    day = parse_date(str(payload.get("DocDt") or ""))
    if day is not None:
        fields.append(Field("invoice_date", day, 1.0, FieldSource.QR, region))
    total = payload.get("TotInvVal")
    if isinstance(total, (int, Decimal)) or (isinstance(total, str) and total.strip()):
        try:
            fields.append(
                Field(
                    "grand_total",
                    round_paise(Decimal(str(total))),
                    1.0,
                    FieldSource.QR,
                    region,
                )
            )
        except ArithmeticError:
            problems.append(Problem(f"The e-invoice QR's TotInvVal {total!r} is not an amount."))
    count = payload.get("ItemCnt")
    einvoice = EInvoice(
        irn=str(payload["Irn"]) if payload.get("Irn") else None,
        irn_date=_iso_datetime(str(payload.get("IrnDt") or "")),
        item_count=int(count)
        if isinstance(count, (int, Decimal, str)) and str(count).isdigit()
        else None,
        main_hsn=str(payload["MainHsnCode"]) if payload.get("MainHsnCode") else None,
        page=page,
    )
    return fields, einvoice, problems


def _iso_datetime(text: str) -> str | None:
    """IrnDt as the portal writes it ('2025-04-05 14:32:00') in ISO form."""
    for pattern in ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), pattern).isoformat()
        except ValueError:
            continue
    return text or None
