"""Insights on hand-built books: duplicate purchase bills, unusual amounts, the sales forecast."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.assistant.ask import ask_rules
from app.assistant.insights import Entry, forecast_sales, robust_scores, unusual_amounts
from app.assistant.tools import run_tool
from app.ledger.model import Line, Voucher, VoucherType
from app.ledger.service import add_account, post_vouchers, resolve_accounts, reverse_voucher
from app.money import D
from app.storage.company import Company

AS_OF = date(2026, 3, 15)  # a Sunday


def books(company: Company) -> dict[str, int]:
    for name in ("Gupta Wholesale", "HUL Stockist", "Parle Agro"):
        add_account(company, name, "Sundry Creditors")
    return dict(
        resolve_accounts(
            company,
            ["Cash", "Sales", "Purchases", "Rent", "Electricity", "Gupta Wholesale",
             "HUL Stockist", "Parle Agro"],
        )
    )  # fmt: skip


def purchase(ids: dict[str, int], day: date, supplier: str, amount: str, ref: str) -> Voucher:
    return Voucher(
        VoucherType.PURCHASE,
        day,
        (Line(ids["Purchases"], D(amount)), Line(ids[supplier], -D(amount))),  # type: ignore[arg-type]
        f"Bill from {supplier}",
        ref,
    )


def expense(ids: dict[str, int], day: date, head: str, amount: str) -> Voucher:
    return Voucher(
        VoucherType.PAYMENT,
        day,
        (Line(ids[head], D(amount)), Line(ids["Cash"], -D(amount))),  # type: ignore[arg-type]
        f"{head} paid",
    )


@pytest.fixture
def flagged(company: Company) -> Company:
    ids = books(company)
    vouchers = []
    # A year of ordinary bills: Gupta bills 10,000 to 15,000 every fortnight.
    for n in range(24):
        day = date(2025, 4, 3) + timedelta(days=14 * n)
        vouchers.append(purchase(ids, day, "Gupta Wholesale", str(10000 + 200 * n), f"GW-{n + 1}"))
        vouchers.append(purchase(ids, day, "HUL Stockist", str(5000 + 75 * n), f"H{n + 1:04d}"))
    # Rent 18,000 every month, once 36,000; electricity 1,400 to 1,700, once 9,800.
    for month in range(12):
        day = date(2025 + (month + 3) // 12, (month + 3) % 12 + 1, 5)
        rent = "36000" if day == date(2026, 2, 5) else "18000"
        power = "9800" if day == date(2026, 3, 5) else str(1400 + 25 * month)
        vouchers += [expense(ids, day, "Rent", rent), expense(ids, day, "Electricity", power)]
    # The same HUL bill number twice (written differently), 20 days apart.
    vouchers.append(purchase(ids, date(2026, 2, 20), "HUL Stockist", "6100", "H-25"))
    vouchers.append(purchase(ids, date(2026, 3, 12), "HUL Stockist", "6100", "h0025"))
    # Parle Agro: the same amount three days apart, and again a month later (not flagged).
    vouchers.append(purchase(ids, date(2026, 1, 10), "Parle Agro", "7450", "PA/101"))
    vouchers.append(purchase(ids, date(2026, 2, 9), "Parle Agro", "7450", "PA/102"))
    vouchers.append(purchase(ids, date(2026, 2, 12), "Parle Agro", "7450", "PA/103"))
    posted = post_vouchers(company, vouchers)
    # A bill entered twice but cancelled: the reversal pair must not be flagged.
    again = post_vouchers(
        company, [purchase(ids, date(2026, 3, 1), "Parle Agro", "9999", "PA/104")] * 2
    )
    reverse_voucher(company, again[1].id, date(2026, 3, 1), "entered twice")
    assert posted
    return company


def test_duplicate_bills_by_number_and_by_amount(flagged: Company) -> None:
    result = run_tool(flagged, "unusual_entries", {"as_of": AS_OF.isoformat()})
    found = [
        (d["reason"], d["supplier"], d["first"]["bill_number"], d["second"]["bill_number"])
        for d in result["duplicate_bills"]
    ]
    assert found == [
        ("same_number", "HUL Stockist", "H-25", "h0025"),
        ("same_amount", "Parle Agro", "PA/102", "PA/103"),
    ]
    assert result["duplicate_bills"][1]["days_apart"] == 3


def test_unusual_amounts_per_head_and_supplier(flagged: Company) -> None:
    result = run_tool(flagged, "unusual_entries", {"as_of": AS_OF.isoformat()})
    found = {(u["basis"], u["account"], u["amount"]) for u in result["unusual_amounts"]}
    assert found == {
        ("expense_head", "Electricity", "9800.00"),
        ("expense_head", "Rent", "36000.00"),
    }
    power = next(u for u in result["unusual_amounts"] if u["account"] == "Electricity")
    assert D(power["usual_low"]) <= D(power["median"]) <= D(power["usual_high"]) < D("2000")
    assert D(power["score"]) > D("3.5") and power["entries"] == 12


def test_nothing_unusual_in_ordinary_books(company: Company) -> None:
    ids = books(company)
    post_vouchers(
        company,
        [
            expense(ids, date(2025, 4, 5) + timedelta(days=30 * n), "Rent", "18000")
            for n in range(11)
        ],
    )
    reply = ask_rules(company, "anything unusual?", AS_OF)
    assert reply.tool == "unusual_entries"
    assert reply.answer.startswith("Nothing unusual since")


@given(st.lists(st.integers(min_value=100, max_value=10**7), min_size=6, max_size=40))
def test_robust_scores_ignore_order_and_centre_on_the_median(paise: list[int]) -> None:
    amounts = [Decimal(p) / 100 for p in paise]
    scored = robust_scores(amounts)
    backwards = robust_scores(amounts[::-1])
    if scored is None:
        assert len(set(amounts)) == 1
        return
    assert backwards is not None and backwards[2] == scored[2][::-1]
    median, _scale, scores = scored
    assert sum(1 for s in scores if s > 0) <= len(amounts) / 2
    assert all((s > 0) == (a > median) for a, s in zip(amounts, scores, strict=True))


def weekday_pattern(weeks: int, end: date = AS_OF) -> dict[date, int]:
    """Weekdays 1,000 (100,000 paise), Sundays 3,000."""
    days = (end - timedelta(days=n) for n in range(7 * weeks))
    return {d: 300_000 if d.weekday() == 6 else 100_000 for d in days}


def test_forecast_is_the_weekday_average() -> None:
    made = forecast_sales(weekday_pattern(8), AS_OF, weeks=2)
    assert [(w.start, w.end, w.amount) for w in made.weeks] == [
        (date(2026, 3, 16), date(2026, 3, 22), D("9000.00")),
        (date(2026, 3, 23), date(2026, 3, 29), D("9000.00")),
    ]
    assert made.weeks[0].low == made.weeks[0].high == D("9000.00")  # every week alike
    assert dict(made.by_weekday)["Sunday"] == D("3000.00")
    assert made.last_week == D("9000.00") and made.history_weeks == 8


def test_forecast_of_a_young_shop_counts_only_its_trading_days() -> None:
    daily = weekday_pattern(3)
    daily[AS_OF - timedelta(days=1)] = 0  # a closed Saturday counts as nothing sold
    made = forecast_sales(daily, AS_OF, weeks=1)
    assert made.history_weeks == 3
    assert made.history_start == AS_OF - timedelta(days=20)
    saturday = dict(made.by_weekday)["Saturday"]
    assert saturday == D("666.67")  # (1,000 + 1,000 + 0) / 3
    assert made.weeks[0].amount == D("8666.67")
    assert made.weeks[0].low < made.weeks[0].amount < made.weeks[0].high


def test_forecast_from_the_books(company: Company) -> None:
    ids = books(company)
    sales = [
        Voucher(
            VoucherType.SALES,
            day,
            (Line(ids["Cash"], D(paise) / 100), Line(ids["Sales"], -D(paise) / 100)),  # type: ignore[arg-type]
            "Counter sales",
        )
        for day, paise in weekday_pattern(8).items()
    ]
    post_vouchers(company, sales)
    reply = ask_rules(company, "agle hafte kitni sale hogi", AS_OF)
    assert reply.tool == "sales_forecast" and reply.result is not None
    assert reply.result["weeks"][0]["forecast"] == "9000.00"
    assert "₹9,000.00" in reply.answer and "Sunday is the best day" in reply.answer
    empty = forecast_sales({}, AS_OF, weeks=1)
    assert empty.weeks[0].amount == 0 and empty.history_weeks == 0


def test_a_few_rupees_over_the_usual_is_no_finding() -> None:
    def entries(*amounts: str) -> dict[str, list[Entry]]:
        days = [AS_OF - timedelta(days=30 * n) for n in range(len(amounts))]
        return {
            "Tea": [
                Entry(n, f"Payment/2526/{n}", day, D(a))
                for n, (day, a) in enumerate(zip(days, amounts, strict=True))
            ]
        }

    small = entries("60", "20", "21", "20", "22", "21", "20")  # 40 over, score is huge
    assert unusual_amounts(small, AS_OF, "expense_head") == []
    large = entries("260", "20", "21", "20", "22", "21", "20")
    assert [u.amount for u in unusual_amounts(large, AS_OF, "expense_head")] == [D("260")]
