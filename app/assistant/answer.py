"""The reply's words, written from a tool's result: every figure comes from the books.

Both engines use this, so a model can choose the tool but never state a number of its own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.money import format_inr

_MEASURE_WORDS = {
    "sales": "Net sales",
    "purchases": "Purchases",
    "expenses": "Expenses",
    "gst_payable": "GST payable",
}


def rupees(text: str) -> str:
    return format_inr(Decimal(text), symbol=True)


def _day(text: str) -> str:
    return date.fromisoformat(text).strftime("%d %b %Y")


def _span(period: dict[str, str]) -> str:
    if period["start"] == period["end"]:
        return f"on {_day(period['start'])}"
    return f"from {_day(period['start'])} to {_day(period['end'])}"


def answer(tool: str, result: dict[str, Any]) -> str:
    return str(globals()[f"_{tool}"](result))


def _sales_summary(r: dict[str, Any]) -> str:
    text = (
        f"Net sales {_span(r['period'])}: {rupees(r['net_sales'])} "
        f"({r['sales_vouchers']} sales vouchers"
    )
    if Decimal(r["returns"]):
        text += f"; returns {rupees(r['returns'])} out of {rupees(r['gross_sales'])}"
    if r["period"]["start"] != r["period"]["end"]:
        text += f"; {rupees(r['daily_average'])} a day on average"
    return text + ")."


def _expenses_by_head(r: dict[str, Any]) -> str:
    if "head" in r:
        return f"{r['head']} {_span(r['period'])}: {rupees(r['amount'])}."
    if not r["heads"]:
        text = f"No expenses were booked {_span(r['period'])}."
    else:
        shown = ", ".join(f"{h['head']} {rupees(h['amount'])}" for h in r["heads"][:6])
        more = len(r["heads"]) - 6
        text = (
            f"Expenses {_span(r['period'])}: {rupees(r['total'])}. By head: {shown}"
            + (f" and {more} more" if more > 0 else "")
            + "."
        )
    if Decimal(r["purchases"]):
        text += f" Stock purchases (not counted above): {rupees(r['purchases'])}."
    return text


def _cash_bank_balance(r: dict[str, Any]) -> str:
    parts = ", ".join(f"{a['account']} {rupees(a['balance'])}" for a in r["accounts"])
    return (
        f"Cash and bank as of {_day(r['as_of'])}: {rupees(r['total'])} "
        f"(cash {rupees(r['cash'])}, bank {rupees(r['bank'])}). {parts}."
    )


def _outstanding(r: dict[str, Any]) -> str:
    when = _day(r["as_of"])
    if "party" in r:
        if Decimal(r["owes_you"]):
            return f"{r['party']} owes you {rupees(r['owes_you'])} as of {when}."
        if Decimal(r["you_owe"]):
            return f"You owe {r['party']} {rupees(r['you_owe'])} as of {when}."
        return f"{r['party']}'s account is settled as of {when}: nothing is due either way."
    receivable = r["side"] == "receivable"
    if not r["parties"]:
        return (
            f"Nobody owes you anything as of {when}."
            if receivable
            else f"You owe no supplier anything as of {when}."
        )
    top = r["parties"][0]
    listed = ", ".join(f"{p['party']} {rupees(p['amount'])}" for p in r["parties"][:5])
    if receivable:
        head = (
            f"Customers owe you {rupees(r['total'])} as of {when} "
            f"({r['parties_with_balance']} parties). {top['party']} owes the most: "
            f"{rupees(top['amount'])}."
        )
    else:
        head = (
            f"You owe suppliers {rupees(r['total'])} as of {when} "
            f"({r['parties_with_balance']} parties). The largest is {top['party']}: "
            f"{rupees(top['amount'])}."
        )
    return f"{head} {listed}."


def _gst_payable(r: dict[str, Any]) -> str:
    heads = ", ".join(f"{k} {rupees(v)}" for k, v in r["output_tax"].items()) or "none"
    credit = ", ".join(f"{k} {rupees(v)}" for k, v in r["input_tax"].items()) or "none"
    if r["status"] == "payable":
        verdict = f"GST payable {_span(r['period'])}: {rupees(r['net_payable'])}"
    elif r["status"] == "credit":
        verdict = (
            f"No GST to pay {_span(r['period'])}: input credit exceeds tax by "
            f"{rupees(str(-Decimal(r['net_payable'])))}"
        )
    else:
        verdict = f"GST {_span(r['period'])} nets to nil"
    return (
        f"{verdict}. Tax on sales {rupees(r['total_output_tax'])} ({heads}); input tax credit "
        f"{rupees(r['total_input_tax'])} ({credit})."
    )


def _compare_periods(r: dict[str, Any]) -> str:
    word = _MEASURE_WORDS[r["measure"]]
    first, second = r["first"], r["second"]
    difference = Decimal(r["difference"])
    change = ""
    if r["change_percent"] is not None:
        change = f" ({'+' if difference >= 0 else ''}{r['change_percent']}%)"
    direction = "up" if difference > 0 else ("down" if difference < 0 else "unchanged")
    return (
        f"{word} {_span(first)}: {rupees(first['amount'])}; {_span(second)}: "
        f"{rupees(second['amount'])}. That is {direction} by "
        f"{rupees(str(abs(difference)))}{change}."
    )


def _find_vouchers(r: dict[str, Any]) -> str:
    if not r["count"]:
        return "No voucher matches."
    listed = "; ".join(
        f"{v['number']} {_day(v['date'])} {rupees(v['amount'])} {v['narration']}".rstrip()
        for v in r["vouchers"][:5]
    )
    more = f" (newest {r['shown']} shown)" if r["count"] > r["shown"] else ""
    return f"{r['count']} vouchers match{more}: {listed}."
