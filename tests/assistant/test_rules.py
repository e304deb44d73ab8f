"""The deterministic parser on phrased questions with known tool calls.

Today is Sunday 15 March 2026; the financial year runs April to March.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.assistant import rules
from app.assistant.dates import NAMED_PERIODS, Span, find_periods, named_period, period_before
from app.assistant.tools import validate
from app.errors import ValidationError

TODAY = date(2026, 3, 15)
WORDS = rules.Vocabulary(
    debtors=("Mehta Caterers", "Patel Traders", "Sunrise Hotel"),
    creditors=("Gupta Wholesale", "HUL Stockist Pune", "Parle Agro Distributors"),
    expense_heads=(
        "Freight Inward", "Wages", "Bank Charges", "Electricity", "Printing & Stationery",
        "Rent", "Salaries", "Telephone & Internet",
    ),
    accounts=(
        "Capital", "Cash", "HDFC Bank Current A/c", "Sales", "Sales Returns", "Purchases",
        "Output CGST", "Output SGST", "Input CGST", "Input SGST", "Rent", "Salaries",
        "Electricity", "Bank Charges", "Telephone & Internet", "Printing & Stationery",
        "Mehta Caterers", "Patel Traders", "Sunrise Hotel", "Gupta Wholesale",
        "HUL Stockist Pune", "Parle Agro Distributors", "Furniture & Fixtures",
    ),
)  # fmt: skip


def span(start: str, end: str | None = None) -> dict[str, str]:
    return {"start": start, "end": end or start}


THIS_MONTH = span("2026-03-01", "2026-03-15")
LAST_MONTH = span("2026-02-01", "2026-02-28")
THIS_YEAR = span("2025-04-01", "2026-03-15")
LAST_YEAR = span("2024-04-01", "2025-03-31")
THIS_WEEK = span("2026-03-09", "2026-03-15")
LAST_WEEK = span("2026-03-02", "2026-03-08")
Q1 = span("2025-04-01", "2025-06-30")
Q2 = span("2025-07-01", "2025-09-30")
Q3 = span("2025-10-01", "2025-12-31")
THIS_QUARTER = span("2026-01-01", "2026-03-15")


def compare(measure: str, a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    return {
        "measure": measure,
        "first_start": a["start"],
        "first_end": a["end"],
        "second_start": b["start"],
        "second_end": b["end"],
    }


def owed(side: str, as_of: str = "2026-03-15", **more: str) -> dict[str, str]:
    return {"side": side, "as_of": as_of, **more}


CASES: list[tuple[str, str | None, dict[str, Any]]] = [
    # sales
    ("How much did I sell last week?", "sales_summary", LAST_WEEK),
    ("aaj kitna becha?", "sales_summary", span("2026-03-15")),
    ("kal ki bikri kitni thi", "sales_summary", span("2026-03-14")),
    ("sales today", "sales_summary", span("2026-03-15")),
    ("What were my sales yesterday?", "sales_summary", span("2026-03-14")),
    ("is mahine ki sale", "sales_summary", THIS_MONTH),
    ("pichle mahine kitna becha", "sales_summary", LAST_MONTH),
    ("total sales this year", "sales_summary", THIS_YEAR),
    ("sales in Q1", "sales_summary", Q1),
    ("April ki bikri", "sales_summary", span("2025-04-01", "2025-04-30")),
    ("turnover last year", "sales_summary", LAST_YEAR),
    ("how much did we sell in the last 7 days", "sales_summary", THIS_WEEK),
    ("sales from 2025-05-01 to 2025-05-31", "sales_summary", span("2025-05-01", "2025-05-31")),
    ("sales on 1 march", "sales_summary", span("2026-03-01")),
    ("revenue this quarter", "sales_summary", THIS_QUARTER),
    ("how much did I sell?", "sales_summary", span("2026-03-15")),
    ("parso kitna becha", "sales_summary", span("2026-03-13")),
    ("this week's sales", "sales_summary", THIS_WEEK),
    ("sales in december", "sales_summary", span("2025-12-01", "2025-12-31")),
    ("bikri last 30 days", "sales_summary", span("2026-02-14", "2026-03-15")),
    ("sales between 1 jan 2026 and 31 jan 2026", "sales_summary", span("2026-01-01", "2026-01-31")),
    ("May 2025 mein kitni sale hui", "sales_summary", span("2025-05-01", "2025-05-31")),
    # expenses
    ("is mahine ka kharcha kitna hua", "expenses_by_head", THIS_MONTH),
    ("expenses last month", "expenses_by_head", LAST_MONTH),
    ("how much rent did I pay this year", "expenses_by_head", {**THIS_YEAR, "head": "Rent"}),
    ("bijli ka kharcha pichle mahine", "expenses_by_head", {**LAST_MONTH, "head": "Electricity"}),
    ("salary expense in Q3", "expenses_by_head", {**Q3, "head": "Salaries"}),
    (
        "what did I spend on telephone last year",
        "expenses_by_head",
        {**LAST_YEAR, "head": "Telephone & Internet"},
    ),
    ("kiraya kitna diya is saal", "expenses_by_head", {**THIS_YEAR, "head": "Rent"}),
    ("total expenses this year", "expenses_by_head", THIS_YEAR),
    ("expenses for April", "expenses_by_head", span("2025-04-01", "2025-04-30")),
    ("kharche kal", "expenses_by_head", span("2026-03-14")),
    ("bank charges this month", "expenses_by_head", {**THIS_MONTH, "head": "Bank Charges"}),
    ("kharcha", "expenses_by_head", THIS_MONTH),
    # cash and bank
    ("bank mein kitna paisa hai?", "cash_bank_balance", {"as_of": "2026-03-15"}),
    ("cash in hand", "cash_bank_balance", {"as_of": "2026-03-15"}),
    ("What is my bank balance?", "cash_bank_balance", {"as_of": "2026-03-15"}),
    ("galla mein kitna cash hai", "cash_bank_balance", {"as_of": "2026-03-15"}),
    ("cash and bank balance as of 2025-12-31", "cash_bank_balance", {"as_of": "2025-12-31"}),
    ("how much money do I have", "cash_bank_balance", {"as_of": "2026-03-15"}),
    ("nakad kitna hai", "cash_bank_balance", {"as_of": "2026-03-15"}),
    ("cash balance at the end of last month", "cash_bank_balance", {"as_of": "2026-02-28"}),
    # outstanding
    ("Who owes me the most?", "outstanding", owed("receivable")),
    ("kitna udhaar baki hai", "outstanding", owed("receivable")),
    ("how much do I owe suppliers?", "outstanding", owed("payable")),
    ("Gupta ko kitna dena hai", "outstanding", owed("payable", party="Gupta Wholesale")),
    ("How much does Patel owe me?", "outstanding", owed("receivable", party="Patel Traders")),
    ("Mehta Caterers ka baki", "outstanding", owed("receivable", party="Mehta Caterers")),
    ("outstanding receivables", "outstanding", owed("receivable")),
    ("creditors list", "outstanding", owed("payable")),
    ("Sunrise Hotel balance", "outstanding", owed("receivable", party="Sunrise Hotel")),
    ("HUL ka kitna payment pending hai", "outstanding", owed("payable", party="HUL Stockist Pune")),
    ("customers se kitna lena hai", "outstanding", owed("receivable")),
    ("who owed me money at the end of December", "outstanding", owed("receivable", "2025-12-31")),
    # GST
    ("GST payable for Q1", "gst_payable", Q1),
    ("is mahine kitna GST bharna hai", "gst_payable", THIS_MONTH),
    ("how much gst do i have to pay last month", "gst_payable", LAST_MONTH),
    ("tax liability this quarter", "gst_payable", THIS_QUARTER),
    ("GST for February 2026", "gst_payable", LAST_MONTH),
    ("input tax credit last year", "gst_payable", LAST_YEAR),
    ("gst", "gst_payable", THIS_MONTH),
    # compare
    (
        "compare sales this month with last month",
        "compare_periods",
        compare("sales", THIS_MONTH, LAST_MONTH),
    ),
    (
        "is mahine vs pichle mahine ki bikri",
        "compare_periods",
        compare("sales", THIS_MONTH, LAST_MONTH),
    ),
    ("compare expenses Q1 and Q2", "compare_periods", compare("expenses", Q1, Q2)),
    (
        "did I sell more this week than last week?",
        "compare_periods",
        compare("sales", THIS_WEEK, LAST_WEEK),
    ),
    (
        "purchases this year vs last year",
        "compare_periods",
        compare("purchases", THIS_YEAR, LAST_YEAR),
    ),
    (
        "compare GST this month",
        "compare_periods",
        compare("gst_payable", THIS_MONTH, span("2026-02-01", "2026-02-15")),
    ),
    (
        "sales this month compared to last month",
        "compare_periods",
        compare("sales", THIS_MONTH, LAST_MONTH),
    ),
    # find vouchers
    ("find payments of 18000", "find_vouchers", {"amount": "18000", "voucher_type": "Payment"}),
    ("show vouchers for Patel Traders", "find_vouchers", {"account": "Patel Traders"}),
    (
        "find receipts from Mehta last month",
        "find_vouchers",
        {"account": "Mehta Caterers", "voucher_type": "Receipt", **LAST_MONTH},
    ),
    ("search 'electricity' entries", "find_vouchers", {"text": "electricity"}),
    ("entries of rs 1,180", "find_vouchers", {"amount": "1180"}),
    ("find vouchers about rent in Q2", "find_vouchers", {"text": "rent", **Q2}),
    ("dhundo 640 ka bill", "find_vouchers", {"amount": "640"}),
    ("find contra entries last week", "find_vouchers", {"voucher_type": "Contra", **LAST_WEEK}),
    (
        "transactions with Gupta Wholesale in January",
        "find_vouchers",
        {"account": "Gupta Wholesale", **span("2026-01-01", "2026-01-31")},
    ),
    # top items
    ("top 5 items this month", "top_items", {**THIS_MONTH, "limit": 5}),
    ("sabse zyada kya bika", "top_items", THIS_MONTH),
    ("best selling products last month", "top_items", LAST_MONTH),
    ("which items sold the most this year", "top_items", THIS_YEAR),
    ("top 3 items by quantity last week", "top_items", {**LAST_WEEK, "limit": 3, "by": "quantity"}),
    ("aaj kya bika", "top_items", span("2026-03-15")),
    ("kaunsa maal sabse zyada bikta hai", "top_items", THIS_MONTH),
    ("fast moving items in Q3", "top_items", Q3),
    # stock of an item
    ("kitna stock bacha hai Parle-G ka?", "stock_of_item", {"item": "parle-g"}),
    ("Maggi ka stock", "stock_of_item", {"item": "maggi"}),
    ("how many Tata Salt 1kg left", "stock_of_item", {"item": "tata salt 1kg"}),
    ("stock of 8901063010017", "stock_of_item", {"item": "8901063010017"}),
    ("low stock items", "stock_of_item", {}),
    ("kya khatam ho raha hai", "stock_of_item", {}),
    ("Surf Excel kitne piece bache hain", "stock_of_item", {"item": "surf excel"}),
    # insights
    ("forecast sales for next month", "sales_forecast", {"as_of": "2026-03-15", "weeks": 4}),
    ("agle hafte kitni sale hogi", "sales_forecast", {"as_of": "2026-03-15", "weeks": 1}),
    ("sales forecast next 2 weeks", "sales_forecast", {"as_of": "2026-03-15", "weeks": 2}),
    ("anything unusual?", "unusual_entries", {"as_of": "2026-03-15"}),
    ("koi duplicate bill hai kya", "unusual_entries", {"as_of": "2026-03-15"}),
    ("kuch gadbad hai kya accounts mein", "unusual_entries", {"as_of": "2026-03-15"}),
    # nothing fits
    ("what is the weather today", None, {}),
    ("hello", None, {}),
    ("write a poem about accounting", None, {}),
]


@pytest.mark.parametrize(("question", "tool", "args"), CASES, ids=[c[0] for c in CASES])
def test_question_maps_to_tool(question: str, tool: str | None, args: dict[str, Any]) -> None:
    call = rules.parse(question, TODAY, WORDS)
    if tool is None:
        assert call is None
        return
    assert call is not None
    assert (call.tool, call.args) == (tool, args)
    assert validate(call.tool, call.args) == call.args


def test_enough_questions() -> None:
    assert len(CASES) >= 60
    assert {tool for _q, tool, _a in CASES} >= {
        "sales_summary", "expenses_by_head", "cash_bank_balance", "outstanding",
        "gst_payable", "compare_periods", "find_vouchers", "top_items", "stock_of_item",
        "sales_forecast", "unusual_entries", None,
    }  # fmt: skip


def test_help_names_every_kind_of_question() -> None:
    for word in (
        "sales", "expenses", "bank", "owe", "GST", "compar", "vouchers", "items", "stock",
        "forecast", "unusual",
    ):  # fmt: skip
        assert word in rules.HELP


def test_a_false_date_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a real date"):
        rules.parse("sales on 2026-02-30", TODAY, WORDS)


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)))
def test_named_periods_end_by_today_and_the_one_before_comes_first(today: date) -> None:
    for name in NAMED_PERIODS:
        period = named_period(name, today)
        assert period.start <= period.end
        assert period.start <= today
        if period.span in (Span.DAY, Span.MONTH, Span.WEEK, Span.QUARTER, Span.YEAR):
            before = period_before(period)
            assert before.end < period.start
            assert (before.end - before.start) <= (period.end - period.start) + timedelta(days=3)


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)))
def test_quarters_tile_the_financial_year(today: date) -> None:
    quarters = [find_periods(f"q{n}", today)[0].period for n in range(1, 5)]
    starts = sorted(q.start for q in quarters)
    assert all(s.day == 1 for s in starts)
    assert all(q.start <= today for q in quarters)
