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
            text = f"{r['party']} owes you {rupees(r['owes_you'])} as of {when}."
            return text + _bills(r)
        if Decimal(r["you_owe"]):
            return f"You owe {r['party']} {rupees(r['you_owe'])} as of {when}." + _bills(r)
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
    if r.get("ageing"):
        overdue = sum((Decimal(v) for k, v in r["ageing"].items() if k != "not_due"), Decimal(0))
        if overdue:
            head += f" Of the open bills, {rupees(str(overdue))} is past its due date"
            if Decimal(r["ageing"]["over_90_days"]):
                head += f" ({rupees(r['ageing']['over_90_days'])} over 90 days)"
            head += "."
    return f"{head} {listed}."


def _bills(r: dict[str, Any]) -> str:
    bills = r.get("open_bills")
    if not bills:
        return ""
    oldest = bills[0]
    text = f" {len(bills)} open bills; the oldest is {oldest['number']} of {_day(oldest['date'])}"
    if oldest["days_overdue"]:
        text += f", {oldest['days_overdue']} days past due"
    text += "."
    if Decimal(r["overdue"]):
        text += f" Overdue in all: {rupees(r['overdue'])}."
    return text


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


def _top_items(r: dict[str, Any]) -> str:
    if not r["items"]:
        return f"No item sales were invoiced {_span(r['period'])}."
    by_quantity = r["by"] == "quantity"
    listed = "; ".join(
        f"{n}. {i['item']} {i['qty']} {i['unit']}, {rupees(i['amount'])}"
        for n, i in enumerate(r["items"], 1)
    )
    top = r["items"][0]
    lead = (
        f"{top['item']} sold the most {_span(r['period'])}: {top['qty']} {top['unit']}"
        if by_quantity
        else f"{top['item']} sold the most {_span(r['period'])}: {rupees(top['amount'])}"
    )
    if top["share_percent"] is not None and not by_quantity:
        lead += f" ({top['share_percent']}% of item sales)"
    return (
        f"{lead}. Top {len(r['items'])} of {r['items_sold']} items "
        f"(taxable value, net of returns; all items {rupees(r['total_amount'])}): {listed}."
    )


def _stock_line(i: dict[str, Any]) -> str:
    text = f"{i['item']}: {i['on_hand']} {i['unit']}"
    if len(i["godowns"]) > 1:
        text += " (" + ", ".join(f"{g['godown']} {g['qty']}" for g in i["godowns"]) + ")"
    if i["low"]:
        text += f", at or below the reorder level of {i['reorder_level']}"
    return text


def _stock_of_item(r: dict[str, Any]) -> str:
    if r["item"] is None:
        if not r["low_stock"]:
            return "No item is at or below its reorder level."
        listed = "; ".join(
            f"{i['item']} {i['on_hand']} {i['unit']} (reorder at {i['reorder_level']})"
            for i in r["low_stock"]
        )
        return f"{len(r['low_stock'])} items are at or below their reorder level: {listed}."
    if not r["items"]:
        return f"No item matches {r['item']!r}. Try part of its name, its SKU or its barcode."
    if len(r["items"]) == 1:
        return f"Stock in hand now: {_stock_line(r['items'][0])}."
    listed = "; ".join(_stock_line(i) for i in r["items"])
    return f"{len(r['items'])} items match {r['item']!r}. Stock in hand now: {listed}."


def _sales_forecast(r: dict[str, Any]) -> str:
    if not r["history"]["weeks"]:
        return "There are no sales in the last 8 weeks to forecast from."
    first = r["weeks"][0]
    weeks = r["weeks"][1:]
    text = (
        f"Expected sales from {_day(first['start'])} to {_day(first['end'])}: "
        f"{rupees(first['forecast'])} (likely {rupees(first['low'])} to "
        f"{rupees(first['high'])})"
    )
    if weeks:
        text += "; then " + ", ".join(f"{rupees(w['forecast'])}" for w in weeks) + " a week"
    best = max(r["by_weekday"], key=lambda d: Decimal(d["average"]))
    return (
        f"{text}. This is each weekday's average over the {r['history']['weeks']} weeks "
        f"since {_day(r['history']['start'])}; {best['weekday']} is the best day "
        f"({rupees(best['average'])}). Last 7 days: {rupees(r['last_week_actual'])}."
    )


def _unusual_entries(r: dict[str, Any]) -> str:
    duplicates, unusual = r["duplicate_bills"], r["unusual_amounts"]
    if not duplicates and not unusual:
        return (
            f"Nothing unusual since {_day(r['window']['flagged_since'])}: no purchase bill "
            "looks entered twice and no amount is far from its usual range."
        )
    parts = []
    for d in duplicates[:5]:
        why = (
            f"same bill number {d['second']['bill_number']}"
            if d["reason"] == "same_number"
            else f"same amount {d['days_apart']} days apart"
        )
        parts.append(
            f"possible duplicate bill from {d['supplier']}: {d['first']['voucher']} and "
            f"{d['second']['voucher']}, {rupees(d['second']['amount'])} ({why})"
        )
    for u in unusual[:5]:
        parts.append(
            f"{u['account']} {rupees(u['amount'])} on {_day(u['date'])} ({u['voucher']}) is "
            f"well above its usual {rupees(u['usual_low'])} to {rupees(u['usual_high'])}"
        )
    count = len(duplicates) + len(unusual)
    return f"{count} things to check: " + "; ".join(parts) + "."
