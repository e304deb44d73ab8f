"""bahi doc read (no company), and import, list, show, search and post over a company."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.cli.output import print_json
from app.cli.session import open_from_args
from app.documents import queries, service
from app.documents.bill import BillProposal, bill_totals, proposal_blockers
from app.documents.model import FIELD_NAMES, DocumentError, Reading
from app.documents.reader import read_document
from app.documents.stored import StoredStatus
from app.errors import Conflict, ValidationError

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


# Stored bills ------------------------------------------------------------------------------


def import_files(args: argparse.Namespace) -> int:
    """Each file on its own: a bad one is reported and the others still go in (exit 1)."""
    results: list[dict[str, Any]] = []
    failed = 0
    with open_from_args(args.company, args.user, args.totp) as company:
        for name in args.files:
            path = Path(name)
            try:
                imported = service.import_document(
                    company, path, progress=_progress, ocr_lang=args.lang
                )
            except DocumentError as exc:
                failed += 1
                results.append({"file": path.name, "id": None, "error": str(exc)})
                if not args.json:
                    print(f"bahi: {exc}", file=sys.stderr)
                continue
            results.append(
                {
                    "file": imported.source_name,
                    "id": imported.document_id,
                    "duplicate": imported.duplicate,
                    "problems": list(imported.problems),
                }
            )
            if not args.json:
                how = "already stored as" if imported.duplicate else "stored as"
                print(f"{imported.source_name}: {how} document {imported.document_id}")
                for problem in imported.problems:
                    print(f"  - {problem}")
    if args.json:
        print_json(results)
    return 1 if failed else 0


def list_documents(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        rows = queries.list_documents(
            conn,
            supplier=args.supplier,
            start=args.start,
            end=args.end,
            min_total=args.min_total,
            max_total=args.max_total,
            status=StoredStatus(args.status) if args.status else None,
        )
    if args.json:
        print_json([row.to_json() for row in rows])
        return 0
    table = [("Id", "Status", "Date", "Supplier", "GSTIN", "Bill no.", "Total", "File")]
    for row in rows:
        table.append(
            (
                str(row.id),
                row.status.value,
                f"{row.invoice_date:%d-%m-%Y}" if row.invoice_date else "",
                row.supplier_name,
                row.supplier_gstin or "",
                row.invoice_number,
                "" if row.grand_total is None else str(row.grand_total),
                row.source_name,
            )
        )
    print("\n".join(_columns(table)) if rows else "No stored documents match.")
    return 0


def show(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        view = queries.stored_document(conn, args.id)
    if args.json:
        print_json(view.to_json())
        return 0
    row = view.row
    out = [
        f"Document {row.id}: {row.source_name} ({row.page_count} page(s), {view.media_type}), "
        f"{row.status.value}; imported {row.imported_at} by {view.imported_by}",
        "",
    ]
    table = [("Field", "Value", "Confidence", "From")]
    for found in view.fields:
        table.append(
            (
                _LABELS[found.name],
                found.value or "-",
                f"{found.confidence:.2f}" if found.value else "",
                found.source or "",
            )
        )
    out.extend(_columns(table))
    if view.lines:
        out += ["", "Items"]
        items: list[tuple[str, ...]] = [("Description", "HSN", "Qty", "Rate", "Amount")]
        for line in view.lines:
            keys = ("description", "hsn", "quantity", "rate", "amount")
            items.append(tuple(str(line.get(k) or "") for k in keys))
        out.extend(_columns(items))
    if view.problems:
        out += ["", "Problems"]
        out.extend(f"- {p['message']}" for p in view.problems)
    if row.billing_document_id is not None:
        out += [
            "",
            f"Posted as purchase bill {view.billing_reference} (bill {view.billing_number})",
        ]
    print("\n".join(out))
    return 0


def search(args: argparse.Namespace) -> int:
    term = " ".join(args.text)
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        hits = queries.search_documents(conn, term)
    if args.json:
        print_json([{**hit.row.to_json(), "snippet": hit.snippet} for hit in hits])
        return 0
    if not hits:
        print(f"Nothing stored mentions {term!r}.")
    for hit in hits:
        row = hit.row
        print(f"{row.id}  {row.supplier_name or row.source_name}  {row.invoice_number}")
        print(f"    {hit.snippet}")
    return 0


def post(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        with company.reader() as conn:
            view = queries.stored_document(conn, args.id)
            if view.row.status is not StoredStatus.DRAFT:
                posted_as = (
                    f" as purchase bill {view.billing_reference}" if view.billing_reference else ""
                )
                raise Conflict(
                    f"Document {args.id} is {view.row.status.value}{posted_as}; only a draft "
                    "can be posted."
                )
            proposal = queries.propose_bill(conn, company.profile, args.id)
            rounding = queries.rounding(conn)
        totals = bill_totals(proposal, company.profile.state_code, rounding)
        blockers = proposal_blockers(proposal)
        if not args.json or not args.yes:
            print(_proposal_text(proposal, totals), file=sys.stderr if args.json else sys.stdout)
        if blockers:
            raise ValidationError(" ".join(blockers))
        confirmed = args.yes or _ask("Post this purchase bill? [y/N] ")
        if not confirmed:
            print("Nothing was posted.", file=sys.stderr)
            return 1
        done = service.post_bill(company, proposal, confirmed=True)
    document = done.posted.document
    if args.json:
        print_json(
            {
                "stored_document": done.document_id,
                "purchase_bill": document.id,
                "number": document.number,
                "reference": document.our_reference,
                "voucher_id": document.voucher_id,
                "party_id": done.party_id,
                "new_party": done.new_party,
                "grand_total": str(document.grand_total),
            }
        )
    else:
        print(
            f"Posted purchase bill {document.our_reference} (supplier's bill {document.number}), "
            f"total {document.grand_total}."
        )
    return 0


def _ask(prompt: str) -> bool:
    if not sys.stdin.isatty():
        raise ValidationError("Nothing was posted: add --yes to post without a terminal.")
    return input(prompt).strip().lower() in ("y", "yes")


def _proposal_text(proposal: BillProposal, totals: Any) -> str:
    supplier = proposal.supplier
    who = (
        f"new supplier {supplier.name} {supplier.gstin or ''} (added on posting)"
        if supplier.is_new
        else f"{supplier.name} {supplier.gstin or ''} (matched by {supplier.matched_by})"
    )
    out = [
        f"Purchase bill from {who}",
        f"Bill {proposal.number or '-'} of "
        + (f"{proposal.bill_date:%d-%m-%Y}" if proposal.bill_date else "-"),
        "",
    ]
    rows = [("Description", "Item in books", "HSN", "Qty", "Price", "GST %", "Amount")]
    for line in proposal.lines:
        rows.append(
            (
                line.description,
                f"{line.item_name} ({line.matched_by})" if line.item_id else "-",
                line.hsn,
                str(line.qty),
                str(line.unit_price),
                str(line.gst_rate),
                str(line.amount),
            )
        )
    out.extend(_columns(rows))
    if totals is not None:
        out.append(
            f"Taxable {totals.taxable}, tax {totals.tax}, total {totals.grand_total}"
            + (f" (bill says {proposal.bill_total})" if proposal.bill_total is not None else "")
        )
    for problem in proposal.problems:
        out.append(f"- {problem}")
    return "\n".join(out)
