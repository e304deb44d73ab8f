"""bahi account ..., voucher ..., period ..., check-books."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.billing.checks import check_company
from app.cli.output import print_json
from app.cli.session import open_from_args
from app.ledger import queries, service, voucher_json
from app.ledger.model import VoucherId
from app.reports.table import Table, write_csv, write_xlsx
from app.storage.company import Company


def add_account(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        service.add_account(company, args.name, args.group)
    print(f"Added account {args.name} under {args.group}.")
    return 0


def list_accounts(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        chart = queries.chart(conn)
    table = Table(
        "Chart of accounts",
        ("Account", "Group", "Primary group", "Nature"),
        tuple((a.name, a.group, a.primary_group, str(a.nature)) for a in chart),
    )
    if args.json:
        print_json(
            [
                {"account": r[0], "group": r[1], "primary_group": r[2], "nature": r[3]}
                for r in table.rows
            ]
        )
    elif args.csv:
        write_csv(table, Path(args.csv))
    elif args.xlsx:
        write_xlsx(table, Path(args.xlsx))
    else:
        print(table.text())
    return 0


def post(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
    items = voucher_json.load(text)
    with open_from_args(args.company, args.user, args.totp) as company:
        accounts = service.resolve_accounts(company, voucher_json.account_names(items))
        posted = service.post_vouchers(company, voucher_json.parse(items, accounts))
    if args.json:
        print_json(
            [
                {"id": p.id, "number": p.number_text, "date": p.posting_date.isoformat()}
                for p in posted
            ]
        )
    else:
        for p in posted:
            print(f"Posted {p.number_text} (id {p.id}) on {p.posting_date:%d-%m-%Y}.")
    return 0


def reverse(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        posted = service.reverse_voucher(company, VoucherId(args.id), args.date, args.narration)
    if args.json:
        print_json({"id": posted.id, "number": posted.number_text, "reverses": args.id})
    else:
        print(f"Posted reversal {posted.number_text} (id {posted.id}).")
    return 0


def _voucher_json(company: Company, voucher_id: int) -> dict[str, object]:
    with company.reader() as conn:
        v = queries.voucher(conn, VoucherId(voucher_id))
        reversed_by = queries.reversed_by(conn, v.id)
    return {
        "id": v.id,
        "type": v.voucher_type.value,
        "number": v.number_text,
        "date": v.posting_date.isoformat(),
        "narration": v.narration,
        "reference": v.reference,
        "reverses": v.reverses,
        "reversed_by": reversed_by,
        "lines": [
            {
                "account": line.account,
                ("debit" if line.amount > 0 else "credit"): f"{abs(line.amount):.2f}",
            }
            for line in v.lines
        ],
    }


def show(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        data = _voucher_json(company, args.id)
    if args.json:
        print_json(data)
    else:
        print(f"{data['type']} {data['number']} dated {data['date']}")
        for line in data["lines"]:  # type: ignore[attr-defined]
            side = "Dr" if "debit" in line else "Cr"
            print(f"  {side}  {line['account']:<40} {line.get('debit') or line.get('credit'):>15}")
        if data["narration"]:
            print(f"  ({data['narration']})")
        if data["reversed_by"]:
            print(f"  Reversed by voucher {data['reversed_by']}.")
    return 0


def lock(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        service.lock_period(company, args.until)
    print(f"Books locked up to {args.until:%d-%m-%Y}.")
    return 0


def unlock(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        service.lock_period(company, None)
    print("Period lock lifted.")
    return 0


def check(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        result = check_company(company)
    if args.json:
        print_json(
            {
                "ok": result.ok,
                "vouchers": result.vouchers,
                "audit_rows": result.audit_rows,
                "problems": [str(p) for p in result.problems],
            }
        )
    elif result.ok:
        print(
            f"Books are in order: {result.vouchers} vouchers and "
            f"{result.audit_rows} audit rows verified."
        )
    else:
        print(f"{len(result.problems)} problem(s) found; the first is {result.problems[0]}.")
        for problem in result.problems:
            print(f"  - {problem}")
    return 0 if result.ok else 3
