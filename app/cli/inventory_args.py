"""`bahi item ...` and `bahi stock ...`: the parsers only (handlers in app/cli/inventory.py)."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from app.cli.args import company_args, output_args, parse_date


def decimal_arg(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number like 12.50") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number like 12.50")
    return value


def _cmd(sub: Any, name: str, handler: str, text: str, *, files: bool = False) -> Any:
    parser = sub.add_parser(name, help=text)
    company_args(parser)
    if files:
        output_args(parser)
    else:
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=f"inventory.{handler}")
    return parser


def _item_fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", default="NOS", help="GST unit code (UQC), e.g. PCS, KGS, NOS")
    parser.add_argument("--sku")
    parser.add_argument("--barcode", action="append", default=[], help="repeat for several")
    parser.add_argument("--hsn", default="", help="HSN/SAC code, 4, 6 or 8 digits")
    parser.add_argument("--gst-rate", type=decimal_arg, default=Decimal(0), metavar="PERCENT")
    parser.add_argument("--mrp", type=decimal_arg)
    parser.add_argument("--price", type=decimal_arg, default=Decimal(0), help="sale price")
    parser.add_argument("--purchase-price", type=decimal_arg, default=Decimal(0))
    parser.add_argument(
        "--list-price",
        action="append",
        default=[],
        metavar="LIST=PRICE",
        help="a price list's price, e.g. wholesale=26.50",
    )
    parser.add_argument(
        "--convert", action="append", default=[], metavar="UQC=N", help="e.g. BOX=12"
    )
    parser.add_argument("--group", default="", help="stock group")
    parser.add_argument("--reorder-level", type=decimal_arg, default=Decimal(0))
    parser.add_argument("--reorder-qty", type=decimal_arg, default=Decimal(0))
    parser.add_argument("--lead-time", type=int, default=7, metavar="DAYS")
    parser.add_argument("--batches", action="store_true", help="track batches and expiry")
    parser.add_argument("--serials", action="store_true", help="track serial numbers")
    parser.add_argument("--plu", help="the item's code on the weighing scale")


def add_commands(groups: Any) -> None:
    _item_commands(groups)
    _stock_commands(groups)


def _item_commands(groups: Any) -> None:
    item = groups.add_parser("item", help="items: add, list, search, scan, import, labels")
    items = item.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = _cmd(items, "add", "item_add", "add an item")
    add.add_argument("name")
    _item_fields(add)
    listing = _cmd(items, "list", "item_list", "list or search items", files=True)
    listing.add_argument("--search", default="", help="name, SKU or barcode text")
    listing.add_argument("--all", action="store_true", help="include inactive items")
    listing.add_argument("--limit", type=int, default=100)
    show = _cmd(items, "show", "item_show", "one item with its stock")
    show.add_argument("item", help="name or SKU")
    scan = _cmd(items, "scan", "item_scan", "find the item of a barcode (scale codes too)")
    scan.add_argument("code")
    for name, text in (("deactivate", "stop using an item"), ("activate", "use it again")):
        sub = _cmd(items, name, "item_active", text)
        sub.add_argument("item", help="name or SKU")
    imp = _cmd(items, "import", "item_import", "import items and opening stock (CSV/XLSX)")
    imp.add_argument("file")
    imp.add_argument("--accept", action="store_true", help="write the rows (default: preview)")
    imp.add_argument(
        "--skip-problems", action="store_true", help="with --accept: leave out rows with problems"
    )
    labels = _cmd(items, "labels", "item_labels", "barcode labels as a PDF")
    labels.add_argument("items", nargs="+", metavar="ITEM", help="name or SKU (ITEM:COPIES)")
    labels.add_argument("--out", required=True, metavar="PDF")
    labels.add_argument("--layout", choices=["a4", "roll"], default="a4")
    labels.add_argument("--price-list", default="retail")


def _stock_commands(groups: Any) -> None:
    stock = groups.add_parser("stock", help="stock: summary, ledger, batches, moves, reorder")
    stocks = stock.add_subparsers(dest="action", required=True, metavar="ACTION")
    summary = _cmd(stocks, "summary", "stock_summary", "stock on hand", files=True)
    summary.add_argument("--godown")
    summary.add_argument("--group")
    summary.add_argument("--by-godown", action="store_true")
    ledger = _cmd(stocks, "ledger", "stock_ledger", "one item's moves", files=True)
    ledger.add_argument("item", help="name or SKU")
    ledger.add_argument("--from", dest="start", type=parse_date)
    ledger.add_argument("--to", dest="end", type=parse_date)
    ledger.add_argument("--godown")
    batches = _cmd(stocks, "batches", "stock_batches", "batches and expiry", files=True)
    batches.add_argument("--as-of", type=parse_date)
    batches.add_argument("--within", type=int, default=90, metavar="DAYS")
    movement = _cmd(stocks, "movement", "stock_movement", "fast, slow, non-moving", files=True)
    movement.add_argument("--from", dest="start", type=parse_date)
    movement.add_argument("--to", dest="end", type=parse_date)
    movement.add_argument("--fast-days", type=int, default=30)
    valuation = _cmd(stocks, "valuation", "stock_valuation", "stock value as of a date", files=True)
    valuation.add_argument("--as-of", type=parse_date)
    valuation.add_argument("--method", choices=["fifo", "average"])
    close = _cmd(
        stocks, "close", "stock_close", "post closing stock (cost of goods sold) to the ledger"
    )
    close.add_argument("--as-of", type=parse_date, required=True, help="the period's last day")
    close.add_argument("--dry-run", action="store_true", help="show the journal, post nothing")
    reorder = _cmd(stocks, "reorder", "stock_reorder", "what to order (draft purchase order)")
    reorder.add_argument("--days", type=int, default=90, help="sales history to use")
    reorder.add_argument("--cover", type=int, default=30, help="days of stock to order for")
    reorder.add_argument("--as-of", type=parse_date)
    reorder.add_argument("--csv", metavar="FILE")
    reorder.add_argument("--xlsx", metavar="FILE")
    _stock_entry_commands(stocks)
    _cmd(stocks, "godowns", "stock_godowns", "list godowns")
    godown_add = _cmd(stocks, "add-godown", "stock_add_godown", "add a godown")
    godown_add.add_argument("name")
    godown_add.add_argument("--address", default="")
    settings = _cmd(stocks, "settings", "stock_settings", "valuation, negative stock, scale")
    settings.add_argument("--valuation", choices=["fifo", "average"])
    settings.add_argument("--negative", choices=["warn", "block"])
    settings.add_argument("--scale", metavar="PREFIX:PLU:VALUE:weight|price:DECIMALS")


def _stock_entry_commands(stocks: Any) -> None:

    for name, handler, text in (
        ("opening", "stock_opening", "opening stock of an item"),
        ("adjust", "stock_adjust", "adjust stock (+ found, - damaged or lost)"),
        ("transfer", "stock_transfer", "move stock between godowns"),
    ):
        sub = _cmd(stocks, name, handler, text)
        sub.add_argument("item", help="name or SKU")
        sub.add_argument("--qty", type=decimal_arg, required=True)
        sub.add_argument("--unit", help="one of the item's units (default: its base unit)")
        sub.add_argument("--batch")
        sub.add_argument("--date", type=parse_date)
        if name == "transfer":
            sub.add_argument("--from", dest="source", required=True, metavar="GODOWN")
            sub.add_argument("--to", dest="target", required=True, metavar="GODOWN")
        else:
            sub.add_argument("--godown", help="default: Main Godown")
            sub.add_argument("--value", type=decimal_arg, help="what the goods cost in all")
        if name == "adjust":
            sub.add_argument("--reason", required=True)
