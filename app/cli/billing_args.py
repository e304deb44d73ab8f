"""`bahi party ...`, `bahi invoice ...`, `bahi receipt ...` and `bahi payment ...`: the parsers
only (handlers in app/cli/billing.py)."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.args import company_args, output_args, parse_date
from app.cli.inventory_args import decimal_arg

# The kinds `invoice create` can post (quotations, orders and challans have no CLI yet).
POSTING_KINDS = (
    "sales_invoice",
    "bill_of_supply",
    "credit_note",
    "debit_note",
    "purchase_bill",
    "purchase_return",
)
ALL_KINDS = (*POSTING_KINDS, "quotation", "sales_order", "delivery_challan")
MODES = ("cash", "upi", "card", "bank")


def _cmd(sub: Any, name: str, handler: str, text: str, *, files: bool = False) -> Any:
    parser = sub.add_parser(name, help=text, description=text)
    company_args(parser)
    if files:
        output_args(parser)
    else:
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=f"billing.{handler}")
    return parser


def add_commands(groups: Any) -> None:
    _party_commands(groups)
    _invoice_commands(groups)
    _settlement_commands(groups)


def _party_fields(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """The party's details. When editing, a field left out keeps its value and "" clears it."""
    keep = " (left out: unchanged; '' clears it)" if editing else ""
    kind = parser.add_mutually_exclusive_group()
    if editing:
        kind.add_argument("--customer", dest="kind", action="store_const", const="customer")
    kind.add_argument(
        "--supplier",
        dest="kind",
        action="store_const",
        const="supplier",
        help="a supplier (default: a customer)",
    )
    kind.add_argument(
        "--both", dest="kind", action="store_const", const="both", help="customer and supplier"
    )
    parser.add_argument("--gstin", help="15-character GSTIN; sets the state" + keep)
    parser.add_argument("--state", help="state code or name, for unregistered parties" + keep)
    parser.add_argument("--address", help="billing address" + keep)
    parser.add_argument("--pin", help="billing PIN code, 6 digits" + keep)
    parser.add_argument("--ship-address", help="shipping address, if it differs" + keep)
    parser.add_argument("--ship-state", help="shipping state code or name" + keep)
    parser.add_argument("--ship-pin", help="shipping PIN code" + keep)
    parser.add_argument("--phone")
    parser.add_argument("--email")
    parser.add_argument("--credit-limit", type=decimal_arg, metavar="AMOUNT")
    parser.add_argument("--credit-days", type=int, metavar="DAYS")
    if editing:
        parser.add_argument("--name", dest="new_name", help="rename the party")
        parser.add_argument(
            "--composition",
            choices=["yes", "no"],
            help="the supplier is (or no longer is) a composition dealer",
        )
        parser.add_argument("--no-credit-limit", action="store_true", help="remove the limit")
    else:
        parser.add_argument(
            "--composition", action="store_true", help="a supplier under the composition scheme"
        )
        parser.add_argument(
            "--opening-balance",
            type=decimal_arg,
            metavar="AMOUNT",
            help="on the books' first day: positive if they owe us, negative if we owe them",
        )


def _party_commands(groups: Any) -> None:
    party = groups.add_parser("party", help="customers and suppliers: add, list, show, ageing")
    parties = party.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = _cmd(parties, "add", "party_add", "add a customer or supplier")
    add.add_argument("name")
    _party_fields(add, editing=False)
    listing = _cmd(
        parties, "list", "party_list", "parties with what they owe (or are owed)", files=True
    )
    listing.add_argument("--search", default="", help="name, phone digits or GSTIN")
    listing.add_argument("--as-of", type=parse_date, help="balances as of (default: today)")
    listing.add_argument("--limit", type=int, default=500)
    show = _cmd(parties, "show", "party_show", "one party: details and open bills with due dates")
    show.add_argument("name")
    show.add_argument("--as-of", type=parse_date, help="default: today")
    edit = _cmd(parties, "edit", "party_edit", "change a party's details")
    edit.add_argument("name")
    _party_fields(edit, editing=True)
    ageing = _cmd(
        parties, "ageing", "party_ageing", "what is owed, by days past the due date", files=True
    )
    ageing.add_argument("--as-of", type=parse_date, help="default: today")
    ageing.add_argument(
        "--suppliers", action="store_true", help="what we owe suppliers (default: customers)"
    )


_CREATE_HELP = """\
Post a document. Either --from FILE (or - for standard input) with the JSON shape in
docs/cli-billing.md (a list posts all or none), or the quick form:
  bahi invoice create --party "Rao Stores" --line "Tata Salt 1kg:2" --line "TS1:1@27.50" --upi 100
A line is ITEM:QTY[@PRICE]; ITEM is the item's name or SKU, and its HSN, unit, GST rate and
price (sale price, or purchase price on purchase documents) are taken from the item.
Prices are before tax unless --inclusive is given."""


def _invoice_commands(groups: Any) -> None:
    invoice = groups.add_parser(
        "invoice", help="sales and purchase documents: create, show, list, cancel, pdf"
    )
    invoices = invoice.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = invoices.add_parser(
        "create",
        help="post an invoice, note or purchase bill",
        description=_CREATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    company_args(create)
    create.add_argument("--json", action="store_true", help="print every figure as JSON")
    create.set_defaults(handler="billing.invoice_create")
    create.add_argument("--from", dest="source", metavar="FILE", help="JSON file, or - for stdin")
    create.add_argument("--kind", choices=POSTING_KINDS, default="sales_invoice")
    create.add_argument("--party", help="customer or supplier name (default: a walk-in sale)")
    create.add_argument("--walk-in", metavar="NAME", help="name printed for an unlisted customer")
    create.add_argument(
        "--line", action="append", default=[], metavar="ITEM:QTY[@PRICE]", help="repeat per line"
    )
    create.add_argument("--date", type=parse_date, help="default: today")
    create.add_argument("--inclusive", action="store_true", help="prices include GST")
    for mode in ("cash", "upi", "card", "bank"):
        create.add_argument(
            f"--{mode}", type=decimal_arg, metavar="AMOUNT", help=f"paid now by {mode}"
        )
    create.add_argument("--original", metavar="NUMBER", help="the invoice a note refers to")
    create.add_argument(
        "--original-date",
        type=parse_date,
        help="with --original: an invoice outside these books, dated so",
    )
    create.add_argument("--reason", default="", help="why a note is issued")
    create.add_argument(
        "--price-only", action="store_true", help="a note that corrects the price; no goods move"
    )
    create.add_argument("--supplier-number", default="", help="the supplier's bill number")
    create.add_argument("--place-of-supply", metavar="STATE", help="state code or name")
    create.add_argument("--reverse-charge", action="store_true")
    create.add_argument("--notes", default="")

    show = _cmd(invoices, "show", "invoice_show", "one document with every figure")
    show.add_argument("number")
    show.add_argument("--kind", choices=ALL_KINDS, help="when two kinds share a number")
    listing = _cmd(invoices, "list", "invoice_list", "the register of documents", files=True)
    listing.add_argument("--from", dest="start", type=parse_date, help="default: FY start")
    listing.add_argument("--to", dest="end", type=parse_date, help="default: today")
    listing.add_argument("--kind", choices=ALL_KINDS, action="append", help="repeatable")
    listing.add_argument("--search", default="", help="number or party name")
    listing.add_argument("--limit", type=int)
    cancel = _cmd(invoices, "cancel", "invoice_cancel", "cancel a document; it keeps its number")
    cancel.add_argument("number")
    cancel.add_argument("--reason", required=True)
    cancel.add_argument("--date", type=parse_date, help="default: today")
    cancel.add_argument("--kind", choices=ALL_KINDS, help="when two kinds share a number")
    pdf = _cmd(
        invoices,
        "pdf",
        "invoice_pdf",
        "one document as a PDF (NUMBER --out FILE), or a period's (--from --to --folder)",
    )
    pdf.add_argument("number", nargs="?")
    pdf.add_argument("--kind", choices=ALL_KINDS, help="when two kinds share a number")
    pdf.add_argument("--out", metavar="FILE", help="default: the number, as a .pdf file here")
    pdf.add_argument("--template", help="invoice template name (default: the company's)")
    pdf.add_argument("--receipt", action="store_true", help="80 mm thermal receipt layout")
    pdf.add_argument("--from", dest="start", type=parse_date, help="batch: first date")
    pdf.add_argument("--to", dest="end", type=parse_date, help="batch: last date")
    pdf.add_argument("--folder", metavar="DIR", help="batch: where the PDFs go")


def _settlement_commands(groups: Any) -> None:
    for group, verb, who in (
        ("receipt", "received from a customer", "customer"),
        ("payment", "paid to a supplier", "supplier"),
    ):
        parser = groups.add_parser(group, help=f"money {verb}, allocated against bills")
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = _cmd(
            actions,
            "add",
            "settlement_add",
            f"record money {verb}; what is not allocated with --against stays on account "
            f"as an advance. 'bahi receipt add' is for customers, 'bahi payment add' for "
            "suppliers.",
        )
        add.set_defaults(direction=group)
        add.add_argument("party", help=f"the {who}'s name")
        add.add_argument("amount", type=decimal_arg)
        add.add_argument("--mode", choices=MODES, default="cash")
        add.add_argument("--ref", default="", help="cheque number, UPI transaction id")
        add.add_argument("--date", type=parse_date, help="default: today")
        add.add_argument(
            "--against",
            action="append",
            default=[],
            metavar="NUMBER=AMOUNT",
            help="allocate to an open bill; repeat for several",
        )
