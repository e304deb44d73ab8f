"""bahi gst compute | gstin | gstr1 | gstr3b | check | einvoice | file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.billing import filing
from app.billing import queries as billing_queries
from app.cli.output import print_json
from app.cli.session import open_from_args
from app.errors import ValidationError
from app.gst import check_gstin
from app.gst.cases import compute_case
from app.gst.periods import ReturnPeriod, parse_period
from app.reports.einvoice import (
    einvoice_batch,
    einvoice_documents,
    einvoice_file_json,
    seller_details,
)
from app.reports.gst_readiness import Problem
from app.reports.gst_returns import Gstr1Books, PeriodBooks, gstr1_books, period_books
from app.reports.gstr1 import gstr1_json, validate_gstr1, write_gstr1
from app.reports.gstr3b import gstr3b_json
from app.reports.table import Table
from app.reports.table_pdf import write_table_pdf
from app.storage.company import Company
from app.storage.files import write_whole
from app.storage.settings import PIN_SETTING, TOWN_SETTING, read_setting, write_setting


def compute(args: argparse.Namespace) -> int:
    try:
        case = json.loads(sys.stdin.read())
    except json.JSONDecodeError as exc:
        raise ValidationError(f"The case on standard input is not valid JSON: {exc}.") from None
    print_json(compute_case(case))
    return 0


def gstin(args: argparse.Namespace) -> int:
    verdicts = [check_gstin(text) for text in args.gstins]
    print_json(
        [
            {
                "input": text,
                "gstin": v.text,
                "valid": v.valid,
                "kind": str(v.kind) if v.kind else None,
                "state_code": v.state_code,
                "pan": v.pan,
                "problem": v.problem,
            }
            for text, v in zip(args.gstins, verdicts, strict=True)
        ]
    )
    return 0 if all(v.valid for v in verdicts) else 1


# Returns ---------------------------------------------------------------------------------


def _books(company: Company, period_text: str) -> PeriodBooks:
    with company.reader() as conn:
        return period_books(conn, company.profile, parse_period(period_text))


def _gstr1_books(company: Company, period_text: str) -> Gstr1Books:
    """GSTR-1 and its checks without reading every document whole (a month may be 50,000)."""
    with company.reader() as conn:
        return gstr1_books(conn, company.profile, parse_period(period_text))


def _problems_json(problems: list[Problem]) -> list[dict[str, object]]:
    return [
        {"document_id": p.document_id, "number": p.number, "problem": p.message} for p in problems
    ]


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        print(f"  {p.number or 'company'}: {p.message}", file=sys.stderr)


def _write_gstr1(args: argparse.Namespace, books: Gstr1Books) -> int:
    problems = books.problems()
    if problems and not args.force:
        print(
            f"{len(problems)} problem(s) to fix before exporting (or use --force):",
            file=sys.stderr,
        )
        _print_problems(problems)
        return 1
    data = books.gstr1()
    faults = validate_gstr1(data)
    if faults:
        raise ValidationError("The return does not match the portal's shape: " + faults[0])
    write_gstr1(data, Path(args.out))
    print(f"Wrote GSTR1 for {books.period.label} to {args.out}.")
    return 0


def _write_gstr3b(args: argparse.Namespace, books: PeriodBooks) -> int:
    write_whole(Path(args.out), gstr3b_json(books.gstr3b(), pretty=True))
    print(f"Wrote GSTR3B for {books.period.label} to {args.out}.")
    return 0


def _write_summary_pdf(path: Path, table: Table, period: ReturnPeriod, company_name: str) -> None:
    write_table_pdf(table, company_name, path)  # the title names the GSTIN and the period
    print(f"Wrote the summary for {period.label} to {path}.")


def gstr1(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        books = _gstr1_books(company, args.period)
        name = company.profile.name
    if args.pdf:
        _write_summary_pdf(Path(args.pdf), books.gstr1_summary().table(), books.period, name)
    if args.out:
        return _write_gstr1(args, books)
    if args.pdf:
        return 0
    if args.json:
        print(gstr1_json(books.gstr1(), pretty=True))
    else:
        print(books.gstr1_summary().table().text())
    return 0


def gstr3b(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        books = _books(company, args.period)
        name = company.profile.name
    if args.pdf:
        _write_summary_pdf(Path(args.pdf), books.gstr3b_summary().table(), books.period, name)
    if args.out:
        return _write_gstr3b(args, books)
    if args.pdf:
        return 0
    if args.json:
        print(gstr3b_json(books.gstr3b(), pretty=True))
    else:
        print(books.gstr3b_summary().table().text())
    return 0


def check(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        problems = _gstr1_books(company, args.period).problems()
    if args.json:
        print_json(_problems_json(problems))
    elif problems:
        print(f"{len(problems)} problem(s) to fix before filing:")
        for p in problems:
            print(f"  {p.number or 'company'}: {p.message}")
    else:
        print("Ready to export: no problems found.")
    return 1 if problems else 0


def einvoice(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        with company.reader() as conn:
            pin = args.pin or read_setting(conn, PIN_SETTING) or ""
            town = args.town or read_setting(conn, TOWN_SETTING) or ""
            if args.period:
                period = parse_period(args.period)
                docs = einvoice_documents(
                    billing_queries.documents_between(conn, period.start, period.end)
                )
            else:
                docs = [billing_queries.document_by_number(conn, n) for n in args.numbers]
        if not docs:
            raise ValidationError("Name the invoices, or give --period to take its B2B documents.")
        seller = seller_details(company.profile, pin, town)
        requests = einvoice_batch(seller, docs)
        if args.pin or args.town:
            with company.unit_of_work() as uow:
                write_setting(uow, PIN_SETTING, pin)
                write_setting(uow, TOWN_SETTING, town)
                uow.commit()
    write_whole(Path(args.out), einvoice_file_json(requests, pretty=True))
    print(f"Wrote {len(requests)} e-invoice(s) to {args.out}.")
    return 0


def mark_filed(args: argparse.Namespace) -> int:
    period = parse_period(args.period)
    with open_from_args(args.company, args.user, args.totp) as company:
        filing.mark_filed(company, args.return_type, period, args.filed_on, args.arn)
    print(f"{args.return_type} for {period.label} marked filed; its documents are now locked.")
    return 0
