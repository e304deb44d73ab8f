"""The assistant's tools: fixed, read-only questions over the books.

Each tool has a name, a JSON schema for its arguments, validation, and a function that reads
the books and returns a plain result: amounts as decimal strings, dates as ISO text, and a
``link`` naming the report (a ``bahi report`` name and its parameters) that shows the same
figures. Neither the model nor the parser ever reaches the database except through these.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from app.assistant import insights
from app.assistant import queries as reads
from app.billing import queries as billing
from app.billing.model import PartyKind
from app.errors import NotFound, ValidationError
from app.inventory.queries import low_stock
from app.ledger import queries
from app.ledger.model import AccountId, VoucherType, financial_year
from app.money import ZERO, D, has_at_most_paise, round_paise
from app.storage.company import Company

Args = dict[str, Any]
Result = dict[str, Any]

_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date"}
_AMOUNT_PATTERN = "^[0-9]{1,10}(\\.[0-9]{1,2})?$"
_MAX_LIMIT = 50
_OUTPUT_KEYS = ("output_cgst", "output_sgst", "output_utgst", "output_igst", "output_cess")
_INPUT_KEYS = ("input_cgst", "input_sgst", "input_utgst", "input_igst", "input_cess")
_EXPENSE_GROUPS = ("Direct Expenses", "Indirect Expenses")
AGEING_KEYS = ("not_due", "1_30_days", "31_60_days", "61_90_days", "over_90_days")
MEASURES = ("sales", "purchases", "expenses", "gst_payable")


class ToolError(ValidationError):
    """A tool call whose arguments break its schema; the message names the argument."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]
    run: Callable[[Books, Args], Result]


class Books:
    """One read snapshot of the books with the chart loaded once, for a tool to work on."""

    def __init__(self, conn: Connection, fy_start_month: int = 4) -> None:
        self.conn = conn
        self.fy_start_month = fy_start_month
        self.chart = queries.chart(conn)
        self.group_map = queries.groups(conn)

    def under(self, *group_names: str) -> list[queries.Account]:
        """Accounts in the named groups or any of their sub-groups."""
        wanted = {g.id for g in self.group_map.values() if g.name in group_names}
        grown = True
        while grown:
            more = {g.id for g in self.group_map.values() if g.parent_id in wanted}
            grown = not more <= wanted
            wanted |= more
        return [a for a in self.chart if a.group_id in wanted]

    def by_key(self) -> dict[str, queries.Account]:
        return {a.system_key: a for a in self.chart if a.system_key}

    def account(self, name: str, among: list[queries.Account] | None = None) -> queries.Account:
        """The account named (case and spacing ignored), or the only one whose name holds it."""
        pool = self.chart if among is None else among
        wanted = " ".join(name.split()).casefold()
        for account in pool:
            if account.name.casefold() == wanted:
                return account
        partial = [a for a in pool if wanted and wanted in a.name.casefold()]
        if len(partial) == 1:
            return partial[0]
        if partial:
            names = ", ".join(a.name for a in partial[:8])
            raise ValidationError(f"{name!r} could be {names}. Say which one.")
        known = ", ".join(a.name for a in pool[:12])
        raise NotFound(f"There is no account named {name!r}. Known ones include: {known}.")


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _period(args: Args, start: str = "start", end: str = "end") -> tuple[date, date]:
    return date.fromisoformat(args[start]), date.fromisoformat(args[end])


def _span(start: date, end: date) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def _link(report: str, **params: str) -> dict[str, Any]:
    return {"report": report, "params": params}


# --- figures shared by several tools -------------------------------------------------------


def _net(books: Books, accounts: list[queries.Account], start: date, end: date) -> Decimal:
    """Debit-positive net of the accounts' postings in [start, end]."""
    moved = queries.balances(books.conn, end, since=start)
    return sum((moved.get(a.id, ZERO) for a in accounts), ZERO)


def _sales(books: Books, start: date, end: date) -> Result:
    sales_accounts = books.under("Sales Accounts")
    moved = queries.balances(books.conn, end, since=start)
    returns_keys = {"sales_returns"}
    returns = sum(
        (moved.get(a.id, ZERO) for a in sales_accounts if a.system_key in returns_keys), ZERO
    )
    net = -sum((moved.get(a.id, ZERO) for a in sales_accounts), ZERO)
    days = (end - start).days + 1
    count = reads.voucher_count(books.conn, (VoucherType.SALES,), start, end)
    return {
        "period": _span(start, end),
        "net_sales": money(net),
        "gross_sales": money(net + returns),
        "returns": money(returns),
        "sales_vouchers": count,
        "daily_average": money(round_paise(net / days)),
        "by_account": [
            {"account": a.name, "amount": money(-moved[a.id])}
            for a in sales_accounts
            if moved.get(a.id)
        ],
    }


def _expenses(books: Books, start: date, end: date) -> tuple[list[tuple[str, Decimal]], Decimal]:
    moved = queries.balances(books.conn, end, since=start)
    heads = [(a.name, moved.get(a.id, ZERO)) for a in books.under(*_EXPENSE_GROUPS)]
    heads = sorted((h for h in heads if h[1]), key=lambda pair: (-pair[1], pair[0]))
    return heads, sum((amount for _name, amount in heads), ZERO)


def _gst(books: Books, start: date, end: date) -> Result:
    keyed = books.by_key()
    outputs = [keyed[k] for k in _OUTPUT_KEYS if k in keyed]
    inputs = [keyed[k] for k in _INPUT_KEYS if k in keyed]
    tax_ids = {a.id for a in outputs + inputs}
    moved = queries.balances(books.conn, end, since=start)
    settled = reads.settlement_amounts(books.conn, tax_ids, {a.id for a in outputs}, start, end)

    def charged(account: queries.Account, sign: int) -> Decimal:
        return sign * (moved.get(account.id, ZERO) - settled.get(account.id, ZERO))

    def head(account: queries.Account) -> str:
        return (account.system_key or account.name).split("_")[-1].upper()

    output = {head(a): charged(a, -1) for a in outputs}
    credit = {head(a): charged(a, 1) for a in inputs}
    total_output = sum(output.values(), ZERO)
    total_input = sum(credit.values(), ZERO)
    net = total_output - total_input
    return {
        "period": _span(start, end),
        "output_tax": {k: money(v) for k, v in output.items() if v},
        "input_tax": {k: money(v) for k, v in credit.items() if v},
        "total_output_tax": money(total_output),
        "total_input_tax": money(total_input),
        "net_payable": money(net),
        "status": "payable" if net > 0 else ("credit" if net < 0 else "nil"),
        "settled_in_period": money(
            sum((v for k, v in settled.items() if k in {a.id for a in outputs}), ZERO)
        ),
    }


def _measure(books: Books, measure: str, start: date, end: date) -> Decimal:
    if measure == "sales":
        return D(_sales(books, start, end)["net_sales"])
    if measure == "purchases":
        return _net(books, books.under("Purchase Accounts"), start, end)
    if measure == "expenses":
        return _expenses(books, start, end)[1]
    return D(_gst(books, start, end)["net_payable"])


# --- the tools -----------------------------------------------------------------------------


def sales_summary(books: Books, args: Args) -> Result:
    start, end = _period(args)
    result = _sales(books, start, end)
    result["link"] = _link("pl", **{"from": args["start"], "to": args["end"]})
    return result


def expenses_by_head(books: Books, args: Args) -> Result:
    start, end = _period(args)
    heads, total = _expenses(books, start, end)
    result: Result = {"period": _span(start, end)}
    if args.get("head"):
        account = books.account(args["head"], books.under(*_EXPENSE_GROUPS))
        amount = dict(heads).get(account.name, ZERO)
        result.update(head=account.name, amount=money(amount))
        result["link"] = _link(
            "ledger", account=account.name, **{"from": args["start"], "to": args["end"]}
        )
        return result
    purchases = _net(books, books.under("Purchase Accounts"), start, end)
    result.update(
        heads=[{"head": name, "amount": money(amount)} for name, amount in heads],
        total=money(total),
        purchases=money(purchases),
        link=_link("pl", **{"from": args["start"], "to": args["end"]}),
    )
    return result


def cash_bank_balance(books: Books, args: Args) -> Result:
    as_of = date.fromisoformat(args["as_of"])
    ids = set(queries.cash_and_bank_ids(books.conn))
    balances = queries.balances(books.conn, as_of)
    rows = [(a, balances.get(a.id, ZERO)) for a in books.chart if a.id in ids]
    cash = sum((b for a, b in rows if a.group == "Cash-in-Hand"), ZERO)
    total = sum((b for _a, b in rows), ZERO)
    return {
        "as_of": as_of.isoformat(),
        "accounts": [
            {"account": a.name, "group": a.group, "balance": money(b)}
            for a, b in rows
            if b or a.active
        ],
        "cash": money(cash),
        "bank": money(total - cash),
        "total": money(total),
        "link": _link("trial-balance", as_of=as_of.isoformat()),
    }


def _overdue(row: billing.Ageing | None) -> dict[str, str]:
    """Of a party's balance, what its open bills say is past the due date."""
    if row is None:
        return {}
    late = row.days_1_30 + row.days_31_60 + row.days_61_90 + row.over_90
    return {"overdue": money(late), "over_90_days": money(row.over_90)}


def _ageing_totals(rows: Iterable[billing.Ageing]) -> dict[str, str] | None:
    """Open bills by how long past due (billing's ageing), when there are bills at all."""
    totals = [ZERO] * 5
    for row in rows:
        for n, amount in enumerate(
            (row.not_due, row.days_1_30, row.days_31_60, row.days_61_90, row.over_90)
        ):
            totals[n] += amount
    if not any(totals):
        return None
    return dict(zip(AGEING_KEYS, (money(t) for t in totals), strict=True))


def _open_bills(books: Books, name: str, as_of: date) -> dict[str, Any]:
    """A party's unpaid invoices or bills from billing, oldest first, with days overdue."""
    try:
        party = billing.party_by_name(books.conn, name)
    except NotFound:
        return {}
    bills = [d for d in billing.open_documents(books.conn, party.id) if d.doc_date <= as_of]
    if not bills:
        return {}
    return {
        "open_bills": [
            {
                "number": d.number,
                "date": d.doc_date.isoformat(),
                "due": d.due_date.isoformat(),
                "outstanding": money(d.outstanding),
                "days_overdue": max((as_of - d.due_date).days, 0),
            }
            for d in bills
        ],
        "overdue": money(sum((d.outstanding for d in bills if d.due_date < as_of), ZERO)),
    }


def outstanding(books: Books, args: Args) -> Result:
    as_of = date.fromisoformat(args["as_of"])
    receivable = args["side"] == "receivable"
    parties = books.under("Sundry Debtors" if receivable else "Sundry Creditors")
    sign = 1 if receivable else -1
    balances = queries.balances(books.conn, as_of)
    year_start = financial_year(as_of, books.fy_start_month).start.isoformat()
    if args.get("party"):
        account = books.account(args["party"], books.under("Sundry Debtors", "Sundry Creditors"))
        balance = balances.get(account.id, ZERO)
        is_debtor = account in books.under("Sundry Debtors")
        return {
            "side": "receivable" if is_debtor else "payable",
            "as_of": as_of.isoformat(),
            "party": account.name,
            # Debit balance: the party owes us, whichever group it sits in.
            "owes_you": money(max(balance, ZERO)),
            "you_owe": money(max(-balance, ZERO)),
            **_open_bills(books, account.name, as_of),
            "link": _link(
                "ledger", account=account.name, **{"from": year_start, "to": as_of.isoformat()}
            ),
        }
    owing = sorted(
        ((a.name, sign * balances.get(a.id, ZERO)) for a in parties),
        key=lambda pair: (-pair[1], pair[0]),
    )
    due = [(name, amount) for name, amount in owing if amount > 0]
    advances = [(name, -amount) for name, amount in owing if amount < 0]
    limit = int(args.get("limit", 10))
    aged = {
        row.name: row
        for row in billing.ageing(
            books.conn, as_of, PartyKind.CUSTOMER if receivable else PartyKind.SUPPLIER
        )
    }
    return {
        "side": args["side"],
        "as_of": as_of.isoformat(),
        "total": money(sum((amount for _n, amount in due), ZERO)),
        "parties_with_balance": len(due),
        "parties": [
            {"party": name, "amount": money(amount), **_overdue(aged.get(name))}
            for name, amount in due[:limit]
        ],
        "ageing": _ageing_totals(aged.values()),
        "advances": [{"party": name, "amount": money(amount)} for name, amount in advances],
        "link": _link("trial-balance", as_of=as_of.isoformat()),
    }


def gst_payable(books: Books, args: Args) -> Result:
    start, end = _period(args)
    result = _gst(books, start, end)
    result["link"] = _link("daybook", **{"from": args["start"], "to": args["end"]})
    return result


def compare_periods(books: Books, args: Args) -> Result:
    first = _period(args, "first_start", "first_end")
    second = _period(args, "second_start", "second_end")
    a = _measure(books, args["measure"], *first)
    b = _measure(books, args["measure"], *second)
    change = None if b == 0 else money((a - b) * 100 / abs(b))
    return {
        "measure": args["measure"],
        "first": {**_span(*first), "amount": money(a)},
        "second": {**_span(*second), "amount": money(b)},
        "difference": money(a - b),
        "change_percent": change,
        "link": _link("pl", **{"from": args["first_start"], "to": args["first_end"]}),
    }


def find_vouchers(books: Books, args: Args) -> Result:
    account_ids: tuple[AccountId, ...] = ()
    account_name = None
    if args.get("account"):
        account = books.account(args["account"])
        account_ids, account_name = (account.id,), account.name
    search = reads.VoucherSearch(
        account_ids=account_ids,
        amount=D(args["amount"]) if args.get("amount") else None,
        text=args.get("text", "").strip(),
        kind=VoucherType(args["voucher_type"]) if args.get("voucher_type") else None,
        start=date.fromisoformat(args["start"]) if args.get("start") else None,
        end=date.fromisoformat(args["end"]) if args.get("end") else None,
        limit=int(args.get("limit", 10)),
    )
    total, found = reads.find_vouchers(books.conn, search)
    result: Result = {
        "count": total,
        "shown": len(found),
        "account": account_name,
        "vouchers": [
            {
                "id": v.id,
                "number": v.number_text,
                "date": v.posting_date.isoformat(),
                "type": v.voucher_type.value,
                "narration": v.narration,
                "amount": money(v.total),
                "accounts": sorted({line.account for line in v.lines}),
            }
            for v in found
        ],
    }
    if found:
        first = min(v.posting_date for v in found).isoformat()
        last = max(v.posting_date for v in found).isoformat()
        result["link"] = (
            _link("ledger", account=account_name, **{"from": first, "to": last})
            if account_name
            else _link("daybook", **{"from": first, "to": last})
        )
    else:
        result["link"] = None
    return result


def quantity(qty: Decimal) -> str:
    """A quantity without trailing zeros: 12, 2.5, 0.125."""
    return format(qty.normalize(), "f") if qty else "0"


def top_items(books: Books, args: Args) -> Result:
    start, end = _period(args)
    by_quantity = args.get("by") == "quantity"
    sold = [s for s in reads.item_sales(books.conn, start, end) if s.amount or s.qty]
    sold.sort(key=lambda s: ((-s.qty, -s.amount) if by_quantity else (-s.amount, -s.qty), s.name))
    limit = int(args.get("limit", 5))
    total = sum((s.amount for s in sold), ZERO)
    return {
        "period": _span(start, end),
        "by": "quantity" if by_quantity else "amount",
        "items": [
            {
                "item": s.name,
                "qty": quantity(s.qty),
                "unit": s.unit,
                "amount": money(s.amount),
                "share_percent": money(round_paise(s.amount * 100 / total)) if total else None,
                "documents": s.documents,
            }
            for s in sold[:limit]
        ],
        "items_sold": len(sold),
        "total_amount": money(total),
        "link": {
            **_link("sales-register", **{"from": args["start"], "to": args["end"]}),
            "screen": "Sales",
            "command": f"bahi invoice list --from {args['start']} --to {args['end']}",
        },
    }


def stock_of_item(books: Books, args: Args) -> Result:
    """One item's stock (or the items a loose name may mean); without a name, low stock."""
    wanted = args.get("item", "").strip()
    if not wanted:
        low = low_stock(books.conn, int(args.get("limit", 10)))
        return {
            "item": None,
            "low_stock": [
                {
                    "item": row.name,
                    "unit": row.unit,
                    "on_hand": quantity(qty),
                    "reorder_level": quantity(row.reorder_level),
                }
                for row, qty in low
            ],
            "link": {
                **_link("stock-reorder"),
                "screen": "Inventory",
                "command": "bahi stock reorder",
            },
        }
    found = reads.find_items(books.conn, wanted, int(args.get("limit", 10)))
    held = reads.stock_by_godown(books.conn, [i.id for i in found])
    rows = []
    for row in found:
        places = held.get(row.id, [])
        on_hand = sum((qty for _g, qty in places), Decimal(0))
        rows.append(
            {
                "item": row.name,
                "sku": row.sku,
                "unit": row.unit,
                "on_hand": quantity(on_hand),
                "godowns": [{"godown": g, "qty": quantity(q)} for g, q in places],
                "reorder_level": quantity(row.reorder_level),
                "low": bool(row.reorder_level) and on_hand <= row.reorder_level,
            }
        )
    result: Result = {"item": wanted, "matches": len(rows), "items": rows, "link": None}
    if found:
        name = found[0].name
        result["link"] = {
            **_link("stock-ledger", item=name),
            "screen": "Inventory",
            "command": f"bahi stock ledger {shlex.quote(name)}",
        }
    return result


def sales_forecast(books: Books, args: Args) -> Result:
    as_of = date.fromisoformat(args["as_of"])
    sales_ids = [a.id for a in books.under("Sales Accounts")]
    history = as_of - timedelta(days=7 * insights.HISTORY_WEEKS - 1)
    daily = insights.daily_sales_paise(books.conn, sales_ids, history, as_of)
    made = insights.forecast_sales(daily, as_of, int(args.get("weeks", 4)))
    return {
        "as_of": as_of.isoformat(),
        "method": "weekday average",
        "history": {
            "start": made.history_start.isoformat(),
            "end": as_of.isoformat(),
            "weeks": made.history_weeks,
        },
        "weeks": [
            {
                "start": w.start.isoformat(),
                "end": w.end.isoformat(),
                "forecast": money(w.amount),
                "low": money(w.low),
                "high": money(w.high),
            }
            for w in made.weeks
        ],
        "by_weekday": [{"weekday": d, "average": money(a)} for d, a in made.by_weekday],
        "last_week_actual": money(made.last_week),
        "weekly_average": money(made.weekly_average),
        "link": _link(
            "daybook", **{"from": made.history_start.isoformat(), "to": as_of.isoformat()}
        ),
    }


def unusual_entries(books: Books, args: Args) -> Result:
    """Possible duplicate purchase bills and unusually large amounts, recent ones first."""
    as_of = date.fromisoformat(args["as_of"])
    since = as_of - timedelta(days=insights.LOOKBACK_DAYS - 1)
    creditors = {a.id: a.name for a in books.under("Sundry Creditors")}
    # Round off is paise by nature: a 0.50 against a usual 0.02 is no finding.
    heads = {a.id: a.name for a in books.under(*_EXPENSE_GROUPS) if a.system_key != "round_off"}
    bills = insights.purchase_bills(books.conn, since, as_of, creditors)
    recent = as_of - timedelta(days=insights.RECENT_DAYS - 1)
    duplicates = [d for d in insights.duplicate_bills(bills) if d.second.posting_date >= recent]
    unusual = insights.unusual_amounts(
        insights.expense_entries(books.conn, since, as_of, heads), as_of, "expense_head"
    ) + insights.unusual_amounts(insights.supplier_entries(bills), as_of, "supplier")
    limit = int(args.get("limit", 10))

    def bill(b: insights.Bill) -> dict[str, Any]:
        return {
            "voucher": b.number,
            "date": b.posting_date.isoformat(),
            "bill_number": b.reference,
            "amount": money(b.amount),
        }

    return {
        "as_of": as_of.isoformat(),
        "window": {"learnt_from": since.isoformat(), "flagged_since": recent.isoformat()},
        "duplicate_bills": [
            {
                "reason": d.reason,
                "supplier": d.supplier,
                "days_apart": d.days_apart,
                "first": bill(d.first),
                "second": bill(d.second),
            }
            for d in duplicates[:limit]
        ],
        "unusual_amounts": [
            {
                "basis": u.basis,
                "account": u.account,
                "voucher": u.number,
                "date": u.posting_date.isoformat(),
                "amount": money(u.amount),
                "median": money(u.median),
                "usual_low": money(u.usual_low),
                "usual_high": money(u.usual_high),
                "score": str(u.score),
                "entries": u.entries,
            }
            for u in sorted(unusual, key=lambda u: (-u.score, u.account))[:limit]
        ],
        "link": _link("daybook", **{"from": recent.isoformat(), "to": as_of.isoformat()}),
    }


def _object(properties: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


_PERIOD_PROPS = {"start": _DATE, "end": _DATE}

TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            "sales_summary",
            "Net sales (after returns) in a period, with the number of sales vouchers.",
            _object(dict(_PERIOD_PROPS), ("start", "end")),
            sales_summary,
        ),
        Tool(
            "expenses_by_head",
            "Expenses in a period by ledger head (rent, salaries, ...), or one head's total.",
            _object(
                {**_PERIOD_PROPS, "head": {"type": "string", "maxLength": 100}}, ("start", "end")
            ),
            expenses_by_head,
        ),
        Tool(
            "cash_bank_balance",
            "Cash in hand and bank balances as of a date.",
            _object({"as_of": _DATE}, ("as_of",)),
            cash_bank_balance,
        ),
        Tool(
            "outstanding",
            "What customers owe (receivable) or what is owed to suppliers (payable), by "
            "party, largest first; or one party's balance.",
            _object(
                {
                    "side": {"type": "string", "enum": ["receivable", "payable"]},
                    "as_of": _DATE,
                    "party": {"type": "string", "maxLength": 200},
                    "limit": {"type": "integer", "minimum": 1, "maximum": _MAX_LIMIT},
                },
                ("side", "as_of"),
            ),
            outstanding,
        ),
        Tool(
            "top_items",
            "The best-selling items in a period from posted sales invoices (net of credit "
            "notes), by value or by quantity.",
            _object(
                {
                    **_PERIOD_PROPS,
                    "by": {"type": "string", "enum": ["amount", "quantity"]},
                    "limit": {"type": "integer", "minimum": 1, "maximum": _MAX_LIMIT},
                },
                ("start", "end"),
            ),
            top_items,
        ),
        Tool(
            "stock_of_item",
            "Stock on hand now of an item named loosely, by name, SKU or barcode, per "
            "godown; with no item, the items at or below their reorder level.",
            _object(
                {
                    "item": {"type": "string", "maxLength": 100},
                    "limit": {"type": "integer", "minimum": 1, "maximum": _MAX_LIMIT},
                },
                (),
            ),
            stock_of_item,
        ),
        Tool(
            "sales_forecast",
            "Expected sales for the next weeks: each weekday's average over the last 8 "
            "weeks, with a likely range.",
            _object(
                {"as_of": _DATE, "weeks": {"type": "integer", "minimum": 1, "maximum": 8}},
                ("as_of",),
            ),
            sales_forecast,
        ),
        Tool(
            "unusual_entries",
            "Possible duplicate purchase bills (same supplier and bill number, or same "
            "amount within a week) and unusually large expenses or bills.",
            _object(
                {
                    "as_of": _DATE,
                    "limit": {"type": "integer", "minimum": 1, "maximum": _MAX_LIMIT},
                },
                ("as_of",),
            ),
            unusual_entries,
        ),
        Tool(
            "gst_payable",
            "GST charged on sales less input tax credit in a period (before set-off and "
            "payment), by head.",
            _object(dict(_PERIOD_PROPS), ("start", "end")),
            gst_payable,
        ),
        Tool(
            "compare_periods",
            "Compare sales, purchases, expenses or GST payable between two periods.",
            _object(
                {
                    "measure": {"type": "string", "enum": list(MEASURES)},
                    "first_start": _DATE,
                    "first_end": _DATE,
                    "second_start": _DATE,
                    "second_end": _DATE,
                },
                ("measure", "first_start", "first_end", "second_start", "second_end"),
            ),
            compare_periods,
        ),
        Tool(
            "find_vouchers",
            "Find vouchers by account or party, exact amount, narration text, type and dates.",
            _object(
                {
                    "account": {"type": "string", "maxLength": 200},
                    "amount": {"type": "string", "pattern": _AMOUNT_PATTERN},
                    "text": {"type": "string", "maxLength": 100},
                    "voucher_type": {"type": "string", "enum": [k.value for k in VoucherType]},
                    "start": _DATE,
                    "end": _DATE,
                    "limit": {"type": "integer", "minimum": 1, "maximum": _MAX_LIMIT},
                },
                (),
            ),
            find_vouchers,
        ),
    )
}


def tool(name: str) -> Tool:
    found = TOOLS.get(name)
    if found is None:
        raise NotFound(f"There is no tool {name!r}; the tools are {', '.join(TOOLS)}.")
    return found


def validate(name: str, args: Mapping[str, Any]) -> Args:
    """The arguments checked against the tool's schema and the rules the schema cannot say."""
    schema = tool(name).schema
    if not isinstance(args, Mapping):
        raise ToolError(f"{name}: the arguments must be a JSON object.")
    properties: dict[str, Any] = schema["properties"]
    unknown = sorted(set(args) - set(properties))
    if unknown:
        raise ToolError(f"{name}: unknown argument(s) {', '.join(unknown)}.")
    missing = [key for key in schema["required"] if key not in args]
    if missing:
        raise ToolError(f"{name}: missing argument(s) {', '.join(missing)}.")
    checked: Args = {}
    for key, value in args.items():
        checked[key] = _check_value(name, key, properties[key], value)
    for start, end in (
        ("start", "end"),
        ("first_start", "first_end"),
        ("second_start", "second_end"),
    ):
        if start in checked and end in checked and checked[start] > checked[end]:
            raise ToolError(f"{name}: {start} {checked[start]} is after {end} {checked[end]}.")
    return checked


def _check_value(name: str, key: str, rule: dict[str, Any], value: Any) -> Any:
    where = f"{name}: {key}"
    if rule["type"] == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ToolError(f"{where} must be a whole number.")
        if not rule.get("minimum", value) <= value <= rule.get("maximum", value):
            raise ToolError(f"{where} must be {rule['minimum']} to {rule['maximum']}.")
        return value
    if not isinstance(value, str):
        raise ToolError(f"{where} must be text.")
    if any(ord(ch) < 32 for ch in value):
        raise ToolError(f"{where} holds control characters.")
    if "enum" in rule and value not in rule["enum"]:
        raise ToolError(f"{where} must be one of {', '.join(rule['enum'])}.")
    if "maxLength" in rule and len(value) > rule["maxLength"]:
        raise ToolError(f"{where} is longer than {rule['maxLength']} characters.")
    if "pattern" in rule and not re.search(rule["pattern"], value):
        raise ToolError(f"{where} {value!r} is not in the expected form.")
    if rule.get("format") == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ToolError(f"{where} {value!r} is not a real date.") from None
    if key == "amount":
        amount = D(value)
        if amount <= 0 or not has_at_most_paise(amount):
            raise ToolError(f"{where} must be a positive amount in rupees and paise.")
    return value


def run_tool(company: Company, name: str, args: Mapping[str, Any]) -> Result:
    """Validate and run one tool in a read snapshot of the company's books."""
    checked = validate(name, args)
    with company.reader() as conn:
        return tool(name).run(Books(conn, company.profile.fy_start_month), checked)
