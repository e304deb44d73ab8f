"""The assistant's tools: fixed, read-only questions over the books.

Each tool has a name, a JSON schema for its arguments, validation, and a function that reads
the books and returns a plain result: amounts as decimal strings, dates as ISO text, and a
``link`` naming the report (a ``bahi report`` name and its parameters) that shows the same
figures. Neither the model nor the parser ever reaches the database except through these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from app.assistant import queries as reads
from app.errors import NotFound, ValidationError
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
    return {
        "side": args["side"],
        "as_of": as_of.isoformat(),
        "total": money(sum((amount for _n, amount in due), ZERO)),
        "parties_with_balance": len(due),
        "parties": [{"party": name, "amount": money(amount)} for name, amount in due[:limit]],
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
