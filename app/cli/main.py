"""The ``bahi`` command: one subcommand group per module, ``--json`` on every read."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from app.cli.args import company_args, output_args, parse_date
from app.config import APP_VERSION, log_path, setup_logging
from app.errors import AppError

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]

# Modules that declare their own subcommand groups in app/cli/<name>_args.py, each with
# ``add_commands(groups)``: parser only, cheap to import; handlers load when they run.
MODULE_COMMANDS: tuple[str, ...] = ("inventory", "assistant", "documents", "billing", "sync")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bahi",
        description="Bahi: offline accounting and billing for Indian businesses. "
        "'bahi' alone or 'bahi gui [--company DIR]' opens the desktop program.",
    )
    parser.add_argument("--version", action="version", version=f"bahi {APP_VERSION}")
    # Listed for --help only: app.launch runs it before this parser (it also loads the GUI).
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (encrypted company, vouchers, invoice PDF, OCR, GUI) "
        "and exit; one line per check",
    )
    groups = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    company = groups.add_parser("company", help="create, inspect and unlock companies")
    company_cmds = company.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = company_cmds.add_parser("create", help="create a new encrypted company")
    create.add_argument("folder", metavar="DIR")
    create.add_argument("--name", required=True)
    create.add_argument("--state", required=True, help="state code or name, e.g. 27")
    create.add_argument("--gstin")
    create.add_argument("--address", default="")
    create.add_argument(
        "--books-begin", type=parse_date, help="first day of the books (default: this FY)"
    )
    create.add_argument(
        "--recovery-qr", metavar="PNG", help="also save the recovery key as a QR image"
    )
    create.set_defaults(handler="companies.create")
    for name, handler, text in (
        ("info", "companies.info", "show the company's details"),
        ("remember", "companies.remember_cmd", "unlock automatically on this computer"),
        ("forget", "companies.forget", "stop unlocking automatically on this computer"),
        (
            "recover",
            "companies.recover",
            "unlock with the recovery key and set a new owner password",
        ),
    ):
        sub = company_cmds.add_parser(name, help=text)
        company_args(sub)
        sub.add_argument("--json", action="store_true")
        sub.set_defaults(handler=handler)

    user = groups.add_parser("user", help="users, passwords and second factors")
    user_cmds = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = user_cmds.add_parser(
        "add", help="add a user (password from BAHI_NEW_PASSWORD or a prompt)"
    )
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["owner", "accountant", "cashier", "auditor"])
    add.add_argument("--full-name", default="")
    company_args(add)
    add.set_defaults(handler="users.add")
    passwd = user_cmds.add_parser("passwd", help="change a password (yours, or anyone's as owner)")
    passwd.add_argument("name", nargs="?")
    company_args(passwd)
    passwd.set_defaults(handler="users.passwd")
    totp = user_cmds.add_parser("totp", help="turn the authenticator-app second factor on or off")
    totp.add_argument("switch", choices=["enable", "disable"])
    totp.add_argument("name", nargs="?")
    totp.add_argument("--qr", metavar="PNG", help="save the enrolment QR code as an image")
    company_args(totp)
    totp.set_defaults(handler="users.totp")
    listing = user_cmds.add_parser("list", help="list users and roles")
    company_args(listing)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler="users.listing")

    account = groups.add_parser("account", help="the chart of accounts")
    account_cmds = account.add_subparsers(dest="action", required=True, metavar="ACTION")
    acc_add = account_cmds.add_parser("add", help="add a ledger account under a group")
    acc_add.add_argument("name")
    acc_add.add_argument("--group", required=True)
    company_args(acc_add)
    acc_add.set_defaults(handler="books.add_account")
    acc_list = account_cmds.add_parser("list", help="list accounts with their groups")
    company_args(acc_list)
    output_args(acc_list)
    acc_list.set_defaults(handler="books.list_accounts")

    voucher = groups.add_parser("voucher", help="post, reverse and show vouchers")
    voucher_cmds = voucher.add_subparsers(dest="action", required=True, metavar="ACTION")
    post = voucher_cmds.add_parser(
        "post", help="post vouchers from a JSON file (see docs/voucher-json.md)"
    )
    post.add_argument(
        "--file", required=True, metavar="FILE", help="JSON file, or - for standard input"
    )
    company_args(post)
    post.add_argument("--json", action="store_true")
    post.set_defaults(handler="books.post")
    reverse = voucher_cmds.add_parser("reverse", help="cancel a voucher with a reversal")
    reverse.add_argument("id", type=int)
    reverse.add_argument("--date", type=parse_date, required=True)
    reverse.add_argument("--narration", default="")
    company_args(reverse)
    reverse.add_argument("--json", action="store_true")
    reverse.set_defaults(handler="books.reverse")
    show = voucher_cmds.add_parser("show", help="show one voucher")
    show.add_argument("id", type=int)
    company_args(show)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler="books.show")

    period = groups.add_parser("period", help="lock the books up to a date")
    period_cmds = period.add_subparsers(dest="action", required=True, metavar="ACTION")
    lock = period_cmds.add_parser("lock", help="refuse postings on or before a date")
    lock.add_argument("--until", type=parse_date, required=True)
    company_args(lock)
    lock.set_defaults(handler="books.lock")
    unlock = period_cmds.add_parser("unlock", help="lift the period lock")
    company_args(unlock)
    unlock.set_defaults(handler="books.unlock")

    report = groups.add_parser(
        "report", help="trial balance, P&L, balance sheet, day book, ledger, sales margin"
    )
    report_cmds = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    for name, text in (
        ("trial-balance", "trial balance as of a date"),
        ("balance-sheet", "balance sheet as of a date, with the previous year"),
    ):
        sub = report_cmds.add_parser(name, help=text)
        sub.add_argument("--as-of", type=parse_date, help="default: today")
        company_args(sub)
        output_args(sub)
        sub.set_defaults(handler="reports.run")
    for name, text in (
        ("pl", "profit & loss for a period, with the previous year"),
        ("daybook", "every voucher in a period"),
        ("ledger", "one account's postings with a running balance"),
        ("margins", "sales margin: each sale's value, cost of goods sold and margin"),
    ):
        sub = report_cmds.add_parser(name, help=text)
        sub.add_argument(
            "--from", dest="start", type=parse_date, help="default: start of the financial year"
        )
        sub.add_argument("--to", dest="end", type=parse_date, help="default: today")
        sub.add_argument("--as-of", type=parse_date, help="same as --to")
        if name == "ledger":
            sub.add_argument("--account", required=True)
        if name == "margins":
            sub.add_argument("--by", choices=("invoice", "item"), default="invoice")
        company_args(sub)
        output_args(sub)
        sub.set_defaults(handler="reports.run")

    check = groups.add_parser(
        "check-books", help="verify balances, the audit chain and the day totals"
    )
    company_args(check)
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler="books.check")

    backup = groups.add_parser("backup", help="write an encrypted backup file")
    company_args(backup)
    backup.add_argument("--to", metavar="PATH", default=".", help="file or folder (default: here)")
    backup.add_argument("--json", action="store_true")
    backup.set_defaults(handler="companies.backup")
    restore = groups.add_parser("restore", help="restore a backup into a company folder")
    restore.add_argument("file")
    restore.add_argument("--to", metavar="DIR", required=True)
    restore.add_argument("--user", help="user whose password checks the backup (default owner)")
    restore.add_argument("--replace", action="store_true", help="replace an existing company there")
    restore.set_defaults(handler="companies.restore")

    demo = groups.add_parser("demo", help="create a demo company: a year of a small shop's books")
    demo.add_argument("folder", metavar="DIR")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(handler="companies.demo")

    gst_group = groups.add_parser("gst", help="GST tools")
    gst_cmds = gst_group.add_subparsers(dest="action", required=True, metavar="ACTION")
    compute = gst_cmds.add_parser(
        "compute", help="compute one invoice's tax from a JSON case on stdin"
    )
    compute.set_defaults(handler="gst.compute")
    check_ids = gst_cmds.add_parser("gstin", help="check GSTINs; exit 1 if any is invalid")
    check_ids.add_argument("gstins", nargs="+", metavar="GSTIN")
    check_ids.set_defaults(handler="gst.gstin")
    importlib.import_module("app.cli.gst_args").add_return_commands(gst_cmds)

    for name in MODULE_COMMANDS:
        importlib.import_module(f"app.cli.{name}_args").add_commands(groups)
    return parser


def _handler(name: str) -> Handler:
    """Import only the module of the command that runs: start-up time is the CLI's cost."""
    module, function = name.split(".")
    handler: Handler = getattr(importlib.import_module(f"app.cli.{module}"), function)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with contextlib.suppress(OSError):  # a read-only home must not stop a report
        setup_logging()
    try:
        return int(_handler(args.handler)(args))
    except AppError as exc:
        print(f"bahi: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bahi: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    except Exception:
        log.exception("unexpected error in %s", args.command)
        print(
            f"bahi: an unexpected error stopped the command; your data is unchanged. "
            f"Details are in {log_path()}.",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
