"""Each tool over the demo company, checked against the reports (not against the tools' code)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.assistant.ask import ask_rules
from app.assistant.tools import TOOLS, ToolError, run_tool, validate
from app.errors import NotFound, ValidationError
from app.ledger.model import VoucherType
from app.money import format_inr
from app.reports.registers import day_book, ledger_statement
from app.reports.statements import profit_and_loss
from app.reports.trial_balance import trial_balance
from app.storage.company import Company
from tests.assistant.conftest import TODAY

FY_START = date(2025, 4, 1)
DEBTORS = ("Patel Traders", "Mehta Caterers", "Sunrise Hotel", "Rao Stores", "Kulkarni Clinic")
CREDITORS = ("Gupta Wholesale", "Parle Agro Distributors", "HUL Stockist Pune", "Joshi Dairy")
# P&L lines that are not expense heads: trading lines and the stock carried in and out.
NOT_EXPENSES = ("Sales", "Sales Returns", "Purchases", "Opening Stock", "Closing Stock")


def expense_heads(lines: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: v for k, v in lines.items() if k not in NOT_EXPENSES and v}


def pl_lines(company: Company, start: date, end: date) -> dict[str, Decimal]:
    pl = profit_and_loss(company, start, end)
    sections = pl.direct_income + pl.direct_expenses + pl.indirect_income + pl.indirect_expenses
    return {line.label: line.current for s in sections for line in s.lines}


def tb_balances(company: Company, as_of: date) -> dict[str, Decimal]:
    return {r.account: r.debit - r.credit for r in trial_balance(company, as_of).rows}


def test_sales_summary_matches_profit_and_loss_and_day_book(demo: Company) -> None:
    result = run_tool(demo, "sales_summary", {"start": "2025-04-01", "end": "2026-03-14"})
    lines = pl_lines(demo, FY_START, date(2026, 3, 14))
    # The demo's one credit note (goods returned by Sunrise Hotel) falls in this year; the
    # P&L shows it as a negative Sales Returns line.
    returns = -lines["Sales Returns"]
    assert returns > 0
    assert Decimal(result["net_sales"]) == lines["Sales"] - returns > 0
    sales = [
        v for v in day_book(demo, FY_START, date(2026, 3, 14)).vouchers
        if v.voucher_type is VoucherType.SALES
    ]  # fmt: skip
    assert result["sales_vouchers"] == len(sales)
    assert Decimal(result["returns"]) == returns
    assert result["link"] == {"report": "pl", "params": {"from": "2025-04-01", "to": "2026-03-14"}}


def test_expenses_by_head_match_profit_and_loss(demo: Company) -> None:
    result = run_tool(demo, "expenses_by_head", {"start": "2025-10-01", "end": "2025-12-31"})
    lines = pl_lines(demo, date(2025, 10, 1), date(2025, 12, 31))
    expected = expense_heads(lines)
    assert {h["head"]: Decimal(h["amount"]) for h in result["heads"]} == expected
    assert Decimal(result["total"]) == sum(expected.values())
    assert Decimal(result["purchases"]) == lines["Purchases"]
    amounts = [Decimal(h["amount"]) for h in result["heads"]]
    assert amounts == sorted(amounts, reverse=True)
    rent = run_tool(
        demo, "expenses_by_head", {"start": "2025-10-01", "end": "2025-12-31", "head": "rent"}
    )
    assert (rent["head"], rent["amount"]) == ("Rent", "54000.00")  # 18,000 on the 5th, 3 months


def test_cash_and_bank_match_trial_balance(demo: Company) -> None:
    for day in (date(2025, 6, 30), date(2025, 12, 31), date(2026, 3, 14)):
        result = run_tool(demo, "cash_bank_balance", {"as_of": day.isoformat()})
        tb = tb_balances(demo, day)
        assert Decimal(result["cash"]) == tb["Cash"]
        # UPI takings wait in UPI Collections (a bank account) until the weekly sweep.
        bank = tb["HDFC Bank Current A/c"] + tb.get("UPI Collections", Decimal(0))
        assert Decimal(result["bank"]) == bank
        assert Decimal(result["total"]) == tb["Cash"] + bank


def test_outstanding_matches_trial_balance_and_ledger(demo: Company) -> None:
    tb = tb_balances(demo, date(2026, 3, 14))
    receivable = run_tool(demo, "outstanding", {"side": "receivable", "as_of": "2026-03-14"})
    expected = sorted(
        ((name, tb.get(name, Decimal(0))) for name in DEBTORS if tb.get(name, 0) > 0),
        key=lambda pair: -pair[1],
    )
    assert [(p["party"], Decimal(p["amount"])) for p in receivable["parties"]] == expected
    assert Decimal(receivable["total"]) == sum(amount for _n, amount in expected)
    payable = run_tool(demo, "outstanding", {"side": "payable", "as_of": "2026-03-14"})
    owed = {name: -tb.get(name, Decimal(0)) for name in CREDITORS}
    assert Decimal(payable["total"]) == sum(v for v in owed.values() if v > 0)
    one = run_tool(
        demo, "outstanding", {"side": "receivable", "as_of": "2026-03-14", "party": "patel"}
    )
    closing = ledger_statement(demo, "Patel Traders", FY_START, date(2026, 3, 14)).closing
    assert (one["party"], Decimal(one["owes_you"]), one["you_owe"]) == (
        "Patel Traders", closing, "0.00"
    )  # fmt: skip


def _gst_from_day_book(company: Company, start: date, end: date) -> tuple[Decimal, Decimal]:
    output = input_ = Decimal(0)
    for v in day_book(company, start, end).vouchers:
        for line in v.lines:
            if v.voucher_type is VoucherType.SALES and line.account.startswith("Output"):
                output -= line.amount
            if v.voucher_type is VoucherType.PURCHASE and line.account.startswith("Input"):
                input_ += line.amount
    return output, input_


def test_gst_payable_is_tax_on_sales_less_input_credit(demo: Company) -> None:
    start, end = date(2026, 2, 1), date(2026, 2, 28)
    result = run_tool(demo, "gst_payable", {"start": start.isoformat(), "end": end.isoformat()})
    output, input_ = _gst_from_day_book(demo, start, end)
    assert Decimal(result["total_output_tax"]) == output > 0
    assert Decimal(result["total_input_tax"]) == input_ > 0
    assert Decimal(result["net_payable"]) == output - input_
    assert Decimal(result["output_tax"]["CGST"]) == Decimal(result["output_tax"]["SGST"])
    assert Decimal(result["settled_in_period"]) > 0  # the GSTR-3B payment of 20 February


def test_gst_payable_equals_what_the_demo_paid_with_gstr_3b(demo: Company) -> None:
    """The demo pays on the 20th whatever accrued since the last payment on the 20th before."""
    paid = {
        v.posting_date: -sum(line.amount for line in v.lines if line.account.startswith("HDFC"))
        for v in day_book(demo, date(2025, 5, 1), date(2026, 3, 14)).vouchers
        if v.narration == "GST paid with GSTR-3B"
    }
    assert len(paid) >= 10
    checked = 0
    for day in sorted(paid)[1:]:
        previous = max(d for d in paid if d < day)
        window = {"start": date.fromordinal(previous.toordinal() + 1).isoformat(),
                  "end": day.isoformat()}  # fmt: skip
        net = Decimal(run_tool(demo, "gst_payable", window)["net_payable"])
        if net > 0:
            assert net == paid[day]
            checked += 1
    assert checked >= 8


def test_compare_periods_matches_two_profit_and_loss_reports(demo: Company) -> None:
    result = run_tool(
        demo,
        "compare_periods",
        {
            "measure": "expenses",
            "first_start": "2026-02-01",
            "first_end": "2026-02-28",
            "second_start": "2026-01-01",
            "second_end": "2026-01-31",
        },
    )
    feb = pl_lines(demo, date(2026, 2, 1), date(2026, 2, 28))
    jan = pl_lines(demo, date(2026, 1, 1), date(2026, 1, 31))
    spent = lambda lines: sum(expense_heads(lines).values())  # noqa: E731
    assert Decimal(result["first"]["amount"]) == spent(feb)
    assert Decimal(result["second"]["amount"]) == spent(jan)
    assert Decimal(result["difference"]) == spent(feb) - spent(jan)
    sales = run_tool(
        demo,
        "compare_periods",
        {
            "measure": "sales",
            "first_start": "2026-02-01",
            "first_end": "2026-02-28",
            "second_start": "2026-01-01",
            "second_end": "2026-01-31",
        },
    )
    net = lambda lines: lines["Sales"] + lines.get("Sales Returns", Decimal(0))  # noqa: E731
    expected = (net(feb) - net(jan)) * 100 / net(jan)
    assert Decimal(sales["change_percent"]) == expected.quantize(Decimal("0.01"))


def test_find_vouchers_matches_day_book(demo: Company) -> None:
    result = run_tool(demo, "find_vouchers", {"amount": "18000", "voucher_type": "Payment"})
    everything = day_book(demo, date(2024, 4, 1), date(2026, 3, 14)).vouchers
    expected = [
        v
        for v in everything
        if v.voucher_type is VoucherType.PAYMENT
        and any(abs(line.amount) == 18000 for line in v.lines)
    ]
    assert result["count"] == len(expected) >= 20
    assert result["shown"] == 10
    dates = [v["date"] for v in result["vouchers"]]
    assert dates == sorted(dates, reverse=True)
    by_party = run_tool(
        demo, "find_vouchers", {"account": "Mehta", "voucher_type": "Receipt", "limit": 50}
    )
    receipts = [
        v
        for v in everything
        if v.voucher_type is VoucherType.RECEIPT
        and any(line.account == "Mehta Caterers" for line in v.lines)
    ]
    assert by_party["count"] == len(receipts) > 0
    text = run_tool(demo, "find_vouchers", {"text": "MSEB", "start": "2026-01-01"})
    assert text["count"] == 3  # January, February, March
    assert all("electricity" in v["narration"] for v in text["vouchers"])
    none = run_tool(demo, "find_vouchers", {"text": "100% sure_"})
    assert (none["count"], none["link"]) == (0, None)


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("sales_summary", {"start": "2026-03-01"}, "missing argument"),
        ("sales_summary", {"start": "2026-03-01", "end": "2026-02-01"}, "after end"),
        ("sales_summary", {"start": "2026-02-30", "end": "2026-03-01"}, "not a real date"),
        ("sales_summary", {"start": "1/3/2026", "end": "2026-03-01"}, "expected form"),
        ("sales_summary", {"start": "2026-03-01", "end": "2026-03-02", "sql": "x"}, "unknown"),
        ("outstanding", {"side": "both", "as_of": "2026-03-01"}, "one of"),
        ("outstanding", {"side": "payable", "as_of": "2026-03-01", "limit": 0}, "1 to 50"),
        ("outstanding", {"side": "payable", "as_of": "2026-03-01", "limit": "5"}, "whole number"),
        ("find_vouchers", {"amount": "-5"}, "expected form"),
        ("find_vouchers", {"amount": "0"}, "positive amount"),
        ("find_vouchers", {"text": "a\x00b"}, "control characters"),
        ("compare_periods", {"measure": "profit", "first_start": "2026-01-01",
                             "first_end": "2026-01-31", "second_start": "2025-12-01",
                             "second_end": "2025-12-31"}, "one of"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused(name: str, args: dict, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        validate(name, args)


def test_unknown_names_say_what_exists(demo: Company) -> None:
    with pytest.raises(NotFound, match="sales_summary"):
        run_tool(demo, "delete_everything", {})
    with pytest.raises(NotFound, match="no account named 'Kapoor'"):
        run_tool(demo, "outstanding", {"side": "receivable", "as_of": "2026-03-01",
                                       "party": "Kapoor"})  # fmt: skip
    with pytest.raises(ValidationError, match="Say which one"):
        run_tool(demo, "find_vouchers", {"account": "Output"})


def test_every_tool_has_a_closed_object_schema() -> None:
    for tool in TOOLS.values():
        assert tool.schema["type"] == "object"
        assert tool.schema["additionalProperties"] is False
        assert set(tool.schema["required"]) <= set(tool.schema["properties"])


def test_rules_answer_shows_the_tool_figures(demo: Company) -> None:
    reply = ask_rules(demo, "who owes me the most?", TODAY)
    assert reply.engine == "rules" and reply.tool == "outstanding"
    top = reply.result["parties"][0]
    assert f"{top['party']} owes the most: {format_inr(Decimal(top['amount']), symbol=True)}" in (
        reply.answer
    )
    gst = ask_rules(demo, "GST payable for Q1", TODAY)
    assert format_inr(Decimal(gst.result["net_payable"]), symbol=True) in gst.answer
    unknown = ask_rules(demo, "tell me a joke", TODAY)
    assert (unknown.tool, unknown.result) == (None, None)
    assert "I can answer" in unknown.answer
