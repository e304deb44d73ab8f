"""Indian GST purchase bills with known ground truth, drawn with reportlab in four layouts.

``make_bill(seed, layout)`` invents a bill (supplier, buyer, items, GST) whose fields are
known exactly; ``write_pdf`` draws it; ``scan`` turns the PDF into what a phone or office
scanner gives: a 150-300 dpi image, slightly rotated, noisy, JPEG-compressed. The bench
imports this module for its generated set.

Layouts:
- ``classic``: letterhead name, "Invoice No.", dd/mm/yyyy, bordered table, CGST+SGST.
- ``labelled``: "Supplier:" / "Buyer:" labels, "Bill No", 5 Apr 2025, borderless, IGST.
- ``grid``: header cells with the label above the value ("Inv #", "Dated" 05.04.25),
  "Sold By", cess, the rupee sign, Noto Sans.
- ``einvoice``: IRN, Ack No/Date and the signed e-invoice QR (a JWT-shaped string), long
  bills run onto a second page.
"""

from __future__ import annotations

import base64
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import qrcode
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.gst import check_character, state_by_code
from app.money import ZERO, amount_in_words, format_inr, round_paise, round_rupee

LAYOUTS = ("classic", "labelled", "grid", "einvoice")
NOTO = Path("/usr/share/fonts/truetype/noto")
WIDTH, HEIGHT = A4

SUPPLIERS = (
    "Shree Ganesh Traders",
    "Mahalaxmi Hardware Stores",
    "Om Sai Electricals",
    "Patel Agro Industries",
    "Krishna Textiles Pvt Ltd",
    "Balaji Steel Corporation",
    "Annapurna Foods LLP",
    "Royal Paper Mart",
    "Sri Venkateswara Enterprises",
    "Bharat Pipes and Fittings",
)
BUYERS = (
    "Sharma Kirana Store",
    "Gupta General Merchants",
    "Verma Brothers",
    "Iyer and Sons",
    "Nair Home Needs",
    "Reddy Supermarket",
)
ITEMS = (
    ("Basmati Rice 25 kg Bag", "1006"),
    ("LED Bulb 9W Cool Day Light", "85395000"),
    ("PVC Pipe 1 inch 6 m", "3917"),
    ("Cotton Bedsheet Double", "6304"),
    ("Steel Almirah 4 Door", "94032010"),
    ("Copper Wire 1.5 sq mm Coil", "85444999"),
    ("A4 Copier Paper Ream", "48025690"),
    ("Ceiling Fan 1200 mm", "84145110"),
    ("Cement OPC 53 Grade", "25232930"),
    ("Sunflower Oil 15 L Tin", "1512"),
    ("Ball Pen Box of 10", "96081019"),
    ("Wall Putty 40 kg", "32149090"),
)
STATES = ("27", "29", "24", "33", "07", "09", "19", "36")
ADDRESSES = (
    ("Shop 12, Market Yard", "Pune 411037"),
    ("45, Industrial Estate, Peenya", "Bengaluru 560058"),
    ("Plot 7, GIDC Naroda", "Ahmedabad 382330"),
    ("22, Anna Salai", "Chennai 600002"),
    ("B-14, Okhla Phase II", "New Delhi 110020"),
    ("Near Clock Tower, Civil Lines", "Kanpur 208001"),
)


@dataclass(frozen=True)
class BillLine:
    description: str
    hsn: str
    quantity: Decimal
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        return round_paise(self.quantity * self.rate)


@dataclass(frozen=True)
class Bill:
    layout: str
    seed: int
    supplier_name: str
    supplier_gstin: str
    supplier_address: tuple[str, ...]
    buyer_name: str
    buyer_gstin: str
    buyer_address: tuple[str, ...]
    invoice_number: str
    invoice_date: date
    place_of_supply: str
    lines: tuple[BillLine, ...]
    gst_rate: Decimal
    cess_rate: Decimal | None = None
    irn: str = ""
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def inter_state(self) -> bool:
        return self.supplier_gstin[:2] != self.place_of_supply

    @property
    def taxable(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def cgst(self) -> Decimal | None:
        return None if self.inter_state else round_paise(self.taxable * self.gst_rate / 200)

    @property
    def sgst(self) -> Decimal | None:
        return self.cgst

    @property
    def igst(self) -> Decimal | None:
        return round_paise(self.taxable * self.gst_rate / 100) if self.inter_state else None

    @property
    def cess(self) -> Decimal | None:
        if self.cess_rate is None:
            return None
        return round_paise(self.taxable * self.cess_rate / 100)

    @property
    def before_rounding(self) -> Decimal:
        heads = (self.cgst, self.sgst, self.igst, self.cess)
        return self.taxable + sum((h for h in heads if h is not None), ZERO)

    @property
    def grand_total(self) -> Decimal:
        return round_rupee(self.before_rounding).quantize(Decimal("0.01"))

    @property
    def round_off(self) -> Decimal:
        return self.grand_total - self.before_rounding

    def truth(self) -> dict[str, str | None]:
        """The fields as ``bahi doc read --json`` should print them."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "supplier_name": self.supplier_name,
            "supplier_gstin": self.supplier_gstin,
            "buyer_gstin": self.buyer_gstin,
            "invoice_number": self.invoice_number,
            "invoice_date": self.invoice_date.isoformat(),
            "place_of_supply": self.place_of_supply,
            "currency": "INR",
            "taxable_value": text(self.taxable),
            "cgst": text(self.cgst),
            "sgst": text(self.sgst),
            "igst": text(self.igst),
            "cess": text(self.cess),
            "grand_total": text(self.grand_total),
        }


def make_gstin(rng: random.Random, state: str) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pan = (
        "".join(rng.choice(letters) for _ in range(3))
        + rng.choice("CPHFAT")
        + rng.choice(letters)
        + f"{rng.randrange(10000):04d}"
        + rng.choice(letters)
    )
    first14 = f"{state}{pan}{rng.choice('123')}Z"
    return first14 + check_character(first14)


def make_bill(seed: int, layout: str, *, line_count: int | None = None) -> Bill:
    rng = random.Random(f"{layout}-{seed}")
    supplier_state = rng.choice(STATES)
    inter = {"classic": False, "labelled": True, "grid": False}.get(layout, rng.random() < 0.5)
    buyer_state = (
        rng.choice([s for s in STATES if s != supplier_state]) if inter else supplier_state
    )
    count = line_count if line_count is not None else rng.randint(1, 6)
    items = rng.sample(ITEMS, k=min(count, len(ITEMS)))
    while len(items) < count:
        items.append(rng.choice(ITEMS))
    lines = tuple(
        BillLine(
            name,
            hsn,
            Decimal(rng.randint(1, 60)),
            Decimal(rng.randint(1500, 450000)) / 100,
        )
        for name, hsn in items
    )
    day = date(2025, 4, 1) + timedelta(days=rng.randrange(360))
    number = {
        "classic": f"INV/25-26/{rng.randrange(1, 9999):04d}",
        "labelled": f"GT-{rng.randrange(1000, 99999)}",
        "grid": f"B{rng.randrange(100, 9999)}/25-26",
        "einvoice": f"SGT2526-{rng.randrange(1, 99999):05d}",
    }[layout]
    irn = "".join(rng.choice("0123456789abcdef") for _ in range(64))
    return Bill(
        layout=layout,
        seed=seed,
        supplier_name=rng.choice(SUPPLIERS),
        supplier_gstin=make_gstin(rng, supplier_state),
        supplier_address=rng.choice(ADDRESSES),
        buyer_name=rng.choice(BUYERS),
        buyer_gstin=make_gstin(rng, buyer_state),
        buyer_address=rng.choice(ADDRESSES),
        invoice_number=number,
        invoice_date=day,
        place_of_supply=buyer_state,
        lines=lines,
        gst_rate=Decimal(rng.choice(("5", "12", "18", "28"))),
        cess_rate=Decimal(rng.choice(("1", "12")))
        if layout == "grid" and rng.random() < 0.5
        else None,
        irn=irn,
    )


# ---------------------------------------------------------------- drawing


def _fonts() -> tuple[str, str]:
    if "Noto" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Noto", str(NOTO / "NotoSans-Regular.ttf")))
        pdfmetrics.registerFont(TTFont("Noto-Bold", str(NOTO / "NotoSans-Bold.ttf")))
    return "Noto", "Noto-Bold"


def _money(value: Decimal) -> str:
    return format_inr(value)


def _pos_text(code: str) -> str:
    return f"{code}-{state_by_code(code).name}"


class _Pen:
    """Top-down drawing on a reportlab canvas (y grows downwards, in points)."""

    def __init__(self, canvas: Canvas, regular: str = "Helvetica", bold: str = "Helvetica-Bold"):
        self.c = canvas
        self.regular = regular
        self.bold = bold

    def text(self, x: float, y: float, text: str, size: float = 9, bold: bool = False) -> None:
        self.c.setFont(self.bold if bold else self.regular, size)
        self.c.drawString(x, HEIGHT - y, text)

    def right(self, x: float, y: float, text: str, size: float = 9, bold: bool = False) -> None:
        self.c.setFont(self.bold if bold else self.regular, size)
        self.c.drawRightString(x, HEIGHT - y, text)

    def centre(self, x: float, y: float, text: str, size: float = 9, bold: bool = False) -> None:
        self.c.setFont(self.bold if bold else self.regular, size)
        self.c.drawCentredString(x, HEIGHT - y, text)

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.c.line(x0, HEIGHT - y0, x1, HEIGHT - y1)

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        self.c.rect(x, HEIGHT - y - h, w, h)


def _tax_rows(bill: Bill, style: str) -> list[tuple[str, Decimal]]:
    half = f"{(bill.gst_rate / 2).normalize():f}%"
    full = f"{bill.gst_rate.normalize():f}%"
    names = {
        "classic": (f"CGST @ {half}", f"SGST @ {half}", f"IGST @ {full}", "Cess"),
        "labelled": (f"CGST {half}", f"SGST {half}", f"IGST {full}", "Cess"),
        "grid": (f"Central Tax (CGST) {half}", f"State Tax (SGST) {half}", f"IGST {full}", "Cess"),
        "einvoice": (f"CGST {half}", f"SGST {half}", f"IGST @ {full}", "Cess"),
    }[style]
    rows: list[tuple[str, Decimal]] = []
    for label, value in zip(names, (bill.cgst, bill.sgst, bill.igst, bill.cess), strict=True):
        if value is not None:
            cess = label == "Cess" and bill.cess_rate is not None
            rows.append((f"Cess {bill.cess_rate.normalize():f}%" if cess else label, value))
    return rows


def _table(
    pen: _Pen,
    bill: Bill,
    top: float,
    columns: list[tuple[str, float, str]],
    *,
    borders: bool,
    lines: tuple[BillLine, ...] | None = None,
    first_number: int = 1,
) -> float:
    """Draw the item table; columns are (header, width, align). Returns the y under it."""
    x0 = 40.0
    row_h = 18.0
    edges = [x0]
    for _, width, _ in columns:
        edges.append(edges[-1] + width)
    rows = lines if lines is not None else bill.lines
    bottom = top + row_h * (len(rows) + 1)
    if borders:
        for y in [top + row_h * i for i in range(len(rows) + 2)]:
            pen.line(edges[0], y, edges[-1], y)
        for x in edges:
            pen.line(x, top, x, bottom)
    else:
        pen.line(edges[0], top + row_h, edges[-1], top + row_h)
    for (header, width, align), left in zip(columns, edges, strict=False):
        if align == "r":
            pen.right(left + width - 4, top + 12.5, header, bold=True)
        else:
            pen.text(left + 4, top + 12.5, header, bold=True)
    for index, line in enumerate(rows):
        y = top + row_h * (index + 1) + 12.5
        cells = {
            "#": str(first_number + index),
            "desc": line.description,
            "hsn": line.hsn,
            "qty": f"{line.quantity}",
            "rate": _money(line.rate),
            "amount": _money(line.amount),
        }
        for (header, width, align), left, key in zip(
            columns, edges, ("#", "desc", "hsn", "qty", "rate", "amount"), strict=False
        ):
            if align == "r":
                pen.right(left + width - 4, y, cells[key])
            else:
                pen.text(left + 4, y, cells[key])
        del header
    return bottom


def _totals(
    pen: _Pen, bill: Bill, top: float, rows: list[tuple[str, str]], bold_last: bool
) -> float:
    y = top
    for index, (label, value) in enumerate(rows):
        last = bold_last and index == len(rows) - 1
        pen.text(330, y, label, bold=last, size=10 if last else 9)
        pen.right(555, y, value, bold=last, size=10 if last else 9)
        y += 16
    return y


def _signed_round_off(value: Decimal) -> str:
    return f"{'-' if value < 0 else '+'}{abs(value):.2f}" if value else "0.00"


def _draw_classic(pen: _Pen, bill: Bill) -> None:
    pen.text(40, 50, bill.supplier_name, size=17, bold=True)
    pen.text(40, 66, ", ".join(bill.supplier_address))
    pen.text(40, 79, f"GSTIN: {bill.supplier_gstin}")
    pen.text(
        40,
        92,
        f"State: {state_by_code(bill.supplier_gstin[:2]).name}, Code: {bill.supplier_gstin[:2]}",
    )
    pen.right(555, 50, "TAX INVOICE", size=14, bold=True)
    pen.text(360, 79, f"Invoice No.: {bill.invoice_number}")
    pen.text(360, 92, f"Date: {bill.invoice_date:%d/%m/%Y}")
    pen.text(360, 105, f"Place of Supply: {_pos_text(bill.place_of_supply)}")
    pen.text(40, 130, "Bill To:", bold=True)
    pen.text(40, 143, bill.buyer_name)
    pen.text(40, 156, ", ".join(bill.buyer_address))
    pen.text(40, 169, f"GSTIN: {bill.buyer_gstin}")
    columns = [
        ("Sr", 25, "l"),
        ("Description of Goods", 215, "l"),
        ("HSN/SAC", 65, "l"),
        ("Qty", 45, "r"),
        ("Rate", 80, "r"),
        ("Amount", 85, "r"),
    ]
    y = _table(pen, bill, 190, columns, borders=True) + 20
    rows = [("Taxable Value", _money(bill.taxable))]
    rows += [(label, _money(value)) for label, value in _tax_rows(bill, "classic")]
    rows += [
        ("Round Off", _signed_round_off(bill.round_off)),
        ("Grand Total", _money(bill.grand_total)),
    ]
    y = _totals(pen, bill, y, rows, bold_last=True)
    pen.text(40, y + 10, f"Amount in words: {amount_in_words(bill.grand_total)}", size=8)
    pen.text(380, y + 60, f"For {bill.supplier_name}", size=8)
    pen.text(400, y + 90, "Authorised Signatory", size=8)


def _draw_labelled(pen: _Pen, bill: Bill) -> None:
    pen.centre(WIDTH / 2, 45, "TAX INVOICE", size=15, bold=True)
    pen.text(40, 80, f"Supplier: {bill.supplier_name}", bold=True, size=10)
    pen.text(40, 94, ", ".join(bill.supplier_address))
    pen.text(40, 108, f"Supplier GSTIN: {bill.supplier_gstin}")
    pen.text(380, 80, f"Bill No: {bill.invoice_number}")
    date_text = f"{bill.invoice_date.day} {bill.invoice_date:%b %Y}"
    if bill.seed % 2:
        date_text = f"{bill.invoice_date:%d-%b-%Y}"
    pen.text(380, 94, f"Bill Date: {date_text}")
    pen.text(40, 135, f"Buyer: {bill.buyer_name}", bold=True, size=10)
    pen.text(40, 149, ", ".join(bill.buyer_address))
    pen.text(40, 163, f"Buyer GSTIN: {bill.buyer_gstin}")
    pos = state_by_code(bill.place_of_supply)
    pen.text(380, 135, f"Place of Supply: {pos.name} ({pos.code})")
    columns = [
        ("#", 20, "l"),
        ("Item", 220, "l"),
        ("HSN/SAC", 65, "l"),
        ("Quantity", 55, "r"),
        ("Unit Price", 75, "r"),
        ("Value", 80, "r"),
    ]
    y = _table(pen, bill, 185, columns, borders=False) + 20
    pen.line(330, y - 12, 555, y - 12)
    rows = [("Total Before Tax", _money(bill.taxable))]
    rows += [(label, _money(value)) for label, value in _tax_rows(bill, "labelled")]
    rows += [("Rounding", _signed_round_off(bill.round_off))]
    rows += [("Total Amount Payable", f"Rs. {_money(bill.grand_total)}")]
    y = _totals(pen, bill, y, rows, bold_last=True)
    pen.text(
        40, y + 20, "Goods once sold will not be taken back. Subject to local jurisdiction.", size=7
    )


def _draw_grid(pen: _Pen, bill: Bill) -> None:
    pen.centre(WIDTH / 2, 40, "Tax Invoice", size=13, bold=True)
    pen.rect(40, 50, 515, 95)
    pen.line(300, 50, 300, 145)
    pen.text(46, 64, "Sold By", size=8)
    pen.text(46, 80, bill.supplier_name, size=12, bold=True)
    pen.text(46, 94, ", ".join(bill.supplier_address), size=8)
    pen.text(46, 108, f"GSTIN/UIN: {bill.supplier_gstin}", size=8.5)
    pen.text(46, 122, f"State Name: {state_by_code(bill.supplier_gstin[:2]).name}", size=8)
    cells = (
        ("Inv #", bill.invoice_number),
        ("Dated", f"{bill.invoice_date:%d.%m.%y}"),
        ("Place of Supply", state_by_code(bill.place_of_supply).name),
    )
    for index, (label, value) in enumerate(cells):
        x = 306 + index * 83
        pen.text(x, 64, label, size=8)
        pen.text(x, 80, value, size=9, bold=True)
    pen.line(300, 95, 555, 95)
    pen.text(306, 110, "Details of Receiver (Billed to)", size=8)
    pen.text(306, 124, bill.buyer_name, size=9, bold=True)
    pen.text(306, 138, f"GSTIN/UIN: {bill.buyer_gstin}", size=8.5)
    columns = [
        ("S.No", 30, "l"),
        ("Particulars", 205, "l"),
        ("HSN", 65, "l"),
        ("Qty", 45, "r"),
        ("Price", 80, "r"),
        ("Taxable Value", 90, "r"),
    ]
    y = _table(pen, bill, 165, columns, borders=True) + 20
    rows = [("Sub Total", _money(bill.taxable))]
    rows += [(label, _money(value)) for label, value in _tax_rows(bill, "grid")]
    rows += [
        ("R/O", _signed_round_off(bill.round_off)),
        ("Net Amount", f"₹ {_money(bill.grand_total)}"),
    ]
    y = _totals(pen, bill, y, rows, bold_last=True)
    pen.text(40, y + 10, amount_in_words(bill.grand_total), size=8)


def jwt_for(bill: Bill) -> str:
    """A JWT-shaped string like the IRP's signed QR (header.payload.signature, base64url)."""
    data = {
        "SellerGstin": bill.supplier_gstin,
        "BuyerGstin": bill.buyer_gstin,
        "DocNo": bill.invoice_number,
        "DocTyp": "INV",
        "DocDt": f"{bill.invoice_date:%d/%m/%Y}",
        "TotInvVal": float(bill.grand_total) if bill.seed % 2 else str(bill.grand_total),
        "ItemCnt": len(bill.lines),
        "MainHsnCode": bill.lines[0].hsn,
        "Irn": bill.irn,
        "IrnDt": f"{bill.invoice_date:%Y-%m-%d} 11:32:00",
    }
    header = {"alg": "RS256", "kid": "EDC57DE1358B300BA9F179B9", "typ": "JWT", "x5t": "7dV96w"}
    payload = {"data": json.dumps(data, separators=(",", ":")), "iss": "NIC"}
    rng = random.Random(bill.irn)
    signature = bytes(rng.randrange(256) for _ in range(256))

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return ".".join(
        (
            b64(json.dumps(header, separators=(",", ":")).encode()),
            b64(json.dumps(payload, separators=(",", ":")).encode()),
            b64(signature),
        )
    )


def qr_png(text: str) -> bytes:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=4)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _draw_einvoice(pen: _Pen, bill: Bill, canvas: Canvas) -> None:
    pen.text(40, 45, "e-Invoice", size=9)
    pen.text(40, 62, bill.supplier_name, size=15, bold=True)
    pen.text(40, 76, ", ".join(bill.supplier_address))
    pen.text(40, 89, f"GSTIN: {bill.supplier_gstin}")
    pen.text(40, 108, f"IRN: {bill.irn}", size=7)
    pen.text(40, 120, f"Ack No.: 1125{bill.seed:011d}", size=8)
    pen.text(40, 132, f"Ack Date: {bill.invoice_date:%d-%m-%Y} 11:32", size=8)
    qr = ImageReader(io.BytesIO(qr_png(jwt_for(bill))))
    side = 130.0
    canvas.drawImage(qr, 555 - side, HEIGHT - 30 - side, width=side, height=side)
    pen.text(40, 160, f"Invoice Number: {bill.invoice_number}")
    pen.text(40, 173, f"Invoice Date: {bill.invoice_date:%d-%m-%Y}")
    pen.text(300, 175, f"Place of Supply: {_pos_text(bill.place_of_supply)}")
    pen.text(40, 196, "Buyer (Bill to)", bold=True)
    pen.text(40, 209, bill.buyer_name)
    pen.text(40, 222, ", ".join(bill.buyer_address))
    pen.text(40, 235, f"GSTIN: {bill.buyer_gstin}")
    columns = [
        ("Sl", 25, "l"),
        ("Description", 215, "l"),
        ("HSN/SAC", 65, "l"),
        ("Qty", 45, "r"),
        ("Rate", 80, "r"),
        ("Amount", 85, "r"),
    ]
    per_page = 24
    chunks = [bill.lines[i : i + per_page] for i in range(0, len(bill.lines), per_page)]
    y = 250.0
    for number, chunk in enumerate(chunks):
        if number:
            canvas.showPage()
            pen.text(40, 45, f"{bill.supplier_name} - Invoice {bill.invoice_number} (continued)")
            y = 70.0
        y = _table(
            pen, bill, y, columns, borders=True, lines=chunk, first_number=1 + number * per_page
        )
    if y > HEIGHT - 170:
        canvas.showPage()
        y = 60.0
    y += 20
    rows = [("Taxable Amount", _money(bill.taxable))]
    rows += [(label, _money(value)) for label, value in _tax_rows(bill, "einvoice")]
    rows += [
        ("Round Off", _signed_round_off(bill.round_off)),
        ("Invoice Total", _money(bill.grand_total)),
    ]
    _totals(pen, bill, y, rows, bold_last=True)


def write_pdf(bill: Bill, path: Path) -> Path:
    canvas = Canvas(str(path), pagesize=A4)
    if bill.layout == "grid":
        regular, bold = _fonts()
        pen = _Pen(canvas, regular, bold)
    else:
        pen = _Pen(canvas)
    if bill.layout == "classic":
        _draw_classic(pen, bill)
    elif bill.layout == "labelled":
        _draw_labelled(pen, bill)
    elif bill.layout == "grid":
        _draw_grid(pen, bill)
    else:
        _draw_einvoice(pen, bill, canvas)
    canvas.showPage()
    canvas.save()
    return path


# ---------------------------------------------------------------- scanning


def render(pdf: Path, dpi: int, page: int = 0) -> Image.Image:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return document[page].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        document.close()


def scan(pdf: Path, seed: int, *, dpi: int | None = None, page: int = 0) -> Image.Image:
    """What a scanner makes of the printed page: 150-300 dpi, rotated up to 1.5 degrees,
    grain noise and JPEG artefacts."""
    rng = random.Random(seed)
    dpi = dpi or rng.choice((150, 200, 250, 300))
    image = render(pdf, dpi, page)
    angle = rng.uniform(-1.5, 1.5)
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0, rng.uniform(6, 14), pixels.shape)
    image = Image.fromarray(np.clip(pixels * 0.92 + 10 + noise, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=rng.randint(55, 80))
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def scanned_pdf(images: list[Image.Image], path: Path, dpi: int = 200) -> Path:
    """A PDF with only page images, as a scanner's 'scan to PDF' writes it."""
    first, *rest = [image.convert("RGB") for image in images]
    first.save(path, format="PDF", resolution=dpi, save_all=True, append_images=rest)
    return path
