"""bahi doc read."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.cli.output import print_json
from app.documents.model import FIELD_NAMES, Reading
from app.documents.reader import read_document

_LABELS = {
    "supplier_name": "Supplier",
    "supplier_gstin": "Supplier GSTIN",
    "buyer_gstin": "Buyer GSTIN",
    "invoice_number": "Invoice number",
    "invoice_date": "Invoice date",
    "place_of_supply": "Place of supply",
    "currency": "Currency",
    "taxable_value": "Taxable value",
    "cgst_rate": "CGST rate %",
    "cgst": "CGST",
    "sgst_rate": "SGST rate %",
    "sgst": "SGST",
    "igst_rate": "IGST rate %",
    "igst": "IGST",
    "cess_rate": "Cess rate %",
    "cess": "Cess",
    "round_off": "Round off",
    "grand_total": "Grand total",
}


def _progress(done: int, total: int, stage: str) -> None:
    if sys.stderr.isatty() and done < total:
        print(f"\r{stage}...", end="", file=sys.stderr, flush=True)
    elif sys.stderr.isatty():
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr, flush=True)


def read(args: argparse.Namespace) -> int:
    reading = read_document(
        args.file, max_pages=args.max_pages, progress=_progress, ocr_lang=args.lang
    )
    if reading.page_count > len(reading.pages):
        print(
            f"bahi: {reading.file_name} has {reading.page_count} pages; read the first "
            f"{len(reading.pages)} (--max-pages to change).",
            file=sys.stderr,
        )
    if args.json:
        print_json(reading.to_json())
    else:
        print(_table(reading))
    return 0


def _table(reading: Reading) -> str:
    sources = ", ".join(f"{p.number}: {p.source}" for p in reading.pages)
    out = [f"{reading.file_name}  ({reading.page_count} page(s); read {sources})", ""]
    rows = [("Field", "Value", "Confidence", "Page", "From")]
    for name in FIELD_NAMES:
        found = reading.field(name)
        if found is None:
            rows.append((_LABELS[name], "-", "", "", ""))
            continue
        value = found.value.isoformat() if hasattr(found.value, "isoformat") else str(found.value)
        page = str(found.region.page) if found.region else ""
        rows.append((_LABELS[name], value, f"{found.confidence:.2f}", page, str(found.source)))
    out.extend(_columns(rows))
    if reading.lines:
        out += ["", "Items"]
        items = [("Description", "HSN", "Qty", "Rate", "Amount", "Confidence")]
        for line in reading.lines:
            items.append(
                (
                    line.description,
                    line.hsn or "",
                    "" if line.quantity is None else str(line.quantity),
                    "" if line.rate is None else str(line.rate),
                    "" if line.amount is None else str(line.amount),
                    f"{line.confidence:.2f}",
                )
            )
        out.extend(_columns(items))
    if reading.einvoice is not None:
        e = reading.einvoice
        out += [
            "",
            f"e-invoice QR on page {e.page}: IRN {e.irn}, {e.item_count} item(s); the "
            "signature is not verified offline.",
        ]
    if reading.problems:
        out += ["", "Problems"]
        out.extend(f"- {problem.message}" for problem in reading.problems)
    return "\n".join(out)


def _columns(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
