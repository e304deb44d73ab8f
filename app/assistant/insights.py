"""Insights from statistics, not from a language model: duplicate purchase bills, unusual
amounts and a sales forecast.

Every figure is the books' own (Decimal, exact) or a plain statistic over them that a shop
owner can check by hand:

- a purchase bill is a possible duplicate when the same supplier's bill number appears twice,
  or the same supplier billed the same amount within ``NEAR_DAYS`` days;
- an amount is unusual when it sits far from what that expense head (or that supplier)
  usually costs: a robust z-score, 0.6745 x (amount - median) / MAD, above ``Z_LIMIT``
  (Iglewicz and Hoaglin's rule); the median and the median absolute deviation ignore the
  outlier itself, unlike a mean and a standard deviation;
- next weeks' sales are each weekday's average over the last ``HISTORY_WEEKS`` weeks (a
  weekday-seasonal moving average), with a range of one standard deviation of the weekly
  totals around it.

Reversed vouchers and their reversals are left out: a cancelled bill entered again is not a
duplicate.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import Connection, select

from app.ledger.model import AccountId, VoucherType
from app.ledger.tables import postings, vouchers
from app.money import ZERO, from_paise, round_paise, to_paise

NEAR_DAYS = 7
Z_LIMIT = Decimal("3.5")
MIN_EXCESS = Decimal(100)  # rupees above the usual range before an amount is worth a look
MIN_HISTORY = 6  # fewer amounts than this say nothing about what is usual
LOOKBACK_DAYS = 365  # what is usual is learnt from a year of entries
RECENT_DAYS = 90  # and only recent entries are flagged
HISTORY_WEEKS = 8
_MAD_TO_SIGMA = Decimal("0.6745")
_MEAN_AD_TO_SIGMA = Decimal("0.7979")  # when over half the amounts are equal (MAD is 0)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Bill:
    """A purchase voucher as the duplicate check sees it."""

    voucher_id: int
    number: str  # the voucher's number, as the day book shows it
    posting_date: date
    supplier: str | None  # the creditor credited; None for a cash purchase
    reference: str  # the supplier's bill number
    amount: Decimal


@dataclass(frozen=True)
class DuplicateBill:
    reason: str  # "same_number" or "same_amount"
    supplier: str
    first: Bill
    second: Bill

    @property
    def days_apart(self) -> int:
        return (self.second.posting_date - self.first.posting_date).days


@dataclass(frozen=True)
class UnusualAmount:
    basis: str  # "expense_head" or "supplier"
    account: str
    voucher_id: int
    number: str
    posting_date: date
    amount: Decimal
    median: Decimal
    usual_low: Decimal  # the middle half of this account's amounts
    usual_high: Decimal
    score: Decimal  # the robust z-score, 1 place
    entries: int  # how many amounts the usual range was learnt from


@dataclass(frozen=True)
class ForecastWeek:
    start: date
    end: date
    amount: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class Forecast:
    as_of: date
    history_start: date
    history_weeks: int
    by_weekday: tuple[tuple[str, Decimal], ...]  # Monday first
    weeks: tuple[ForecastWeek, ...]
    last_week: Decimal  # actual net sales in the 7 days to as_of
    weekly_average: Decimal


# --- reads ---------------------------------------------------------------------------------


def _reversed_ids(conn: Connection) -> set[int]:
    """Vouchers that reverse another or were reversed."""
    found: set[int] = set()
    for voucher_id, reverses in conn.execute(
        select(vouchers.c.id, vouchers.c.reverses_id).where(vouchers.c.reverses_id.is_not(None))
    ):
        found.add(int(voucher_id))
        found.add(int(reverses))
    return found


def _number(kind: str, fy: str, number: int) -> str:
    return f"{kind}/{fy}/{number}"


def purchase_bills(
    conn: Connection, start: date, end: date, creditors: Mapping[AccountId, str]
) -> list[Bill]:
    """Purchase vouchers in [start, end], each with its supplier and the amount billed."""
    skip = _reversed_ids(conn)
    heads = {
        int(row.id): row
        for row in conn.execute(
            select(
                vouchers.c.id,
                vouchers.c.fy,
                vouchers.c.number,
                vouchers.c.posting_date,
                vouchers.c.reference,
            ).where(
                vouchers.c.voucher_type == VoucherType.PURCHASE.value,
                vouchers.c.posting_date.between(start, end),
            )
        )
        if int(row.id) not in skip
    }
    if not heads:
        return []
    supplier: dict[int, tuple[str, Decimal]] = {}
    debits: dict[int, Decimal] = defaultdict(lambda: ZERO)
    ids = list(heads)
    for chunk in range(0, len(ids), 900):  # SQLite's limit on bound parameters
        for voucher_id, account_id, amount in conn.execute(
            select(postings.c.voucher_id, postings.c.account_id, postings.c.amount).where(
                postings.c.voucher_id.in_(ids[chunk : chunk + 900])
            )
        ):
            if amount > 0:
                debits[voucher_id] += amount
            elif account_id in creditors:
                supplier[voucher_id] = (creditors[account_id], -amount)
    bills = []
    for voucher_id, row in heads.items():
        name, amount = supplier.get(voucher_id, (None, debits[voucher_id]))
        bills.append(
            Bill(
                voucher_id,
                _number("Purchase", row.fy, row.number),
                row.posting_date,
                name,
                row.reference or "",
                amount,
            )
        )
    return sorted(bills, key=lambda b: (b.posting_date, b.voucher_id))


def _bill_number_key(reference: str) -> str:
    """INV-0042, inv 42 and INV/42 are one bill number: letters and digits, no leading 0s."""
    parts = re.findall(r"[A-Za-z]+|[0-9]+", reference.upper())
    return "/".join(p.lstrip("0") or "0" if p.isdigit() else p for p in parts)


def duplicate_bills(bills: list[Bill], near_days: int = NEAR_DAYS) -> list[DuplicateBill]:
    """Pairs of bills that look like one bill entered twice, newest pair first."""
    found: dict[tuple[int, int], DuplicateBill] = {}
    by_number: dict[tuple[str, str], list[Bill]] = defaultdict(list)
    for bill in bills:
        key = _bill_number_key(bill.reference)
        if key:
            by_number[((bill.supplier or "").casefold(), key)].append(bill)
    for same in by_number.values():
        for first, second in pairwise(same):
            supplier = first.supplier or "a cash supplier"
            found[(first.voucher_id, second.voucher_id)] = DuplicateBill(
                "same_number", supplier, first, second
            )
    by_amount: dict[tuple[str, Decimal], list[Bill]] = defaultdict(list)
    for bill in bills:
        if bill.supplier is not None:
            by_amount[(bill.supplier, bill.amount)].append(bill)
    for (supplier, _amount), same in by_amount.items():
        for first, second in pairwise(same):
            pair = (first.voucher_id, second.voucher_id)
            if (second.posting_date - first.posting_date).days <= near_days and pair not in found:
                found[pair] = DuplicateBill("same_amount", supplier, first, second)
    return sorted(
        found.values(), key=lambda d: (d.second.posting_date, d.second.voucher_id), reverse=True
    )


@dataclass(frozen=True)
class Entry:
    voucher_id: int
    number: str
    posting_date: date
    amount: Decimal


def expense_entries(
    conn: Connection, start: date, end: date, heads: Mapping[AccountId, str]
) -> dict[str, list[Entry]]:
    """Debits to each expense head in [start, end], one per voucher and head."""
    if not heads:
        return {}
    skip = _reversed_ids(conn)
    totals: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    meta: dict[int, tuple[date, str]] = {}
    for voucher_id, account_id, amount, day, kind, fy, number in conn.execute(
        select(
            postings.c.voucher_id,
            postings.c.account_id,
            postings.c.amount,
            postings.c.posting_date,
            vouchers.c.voucher_type,
            vouchers.c.fy,
            vouchers.c.number,
        )
        .join(vouchers, vouchers.c.id == postings.c.voucher_id)
        .where(
            postings.c.account_id.in_(list(heads)),
            postings.c.posting_date.between(start, end),
        )
    ):
        if voucher_id in skip:
            continue
        totals[(voucher_id, account_id)] += amount
        meta[voucher_id] = (day, _number(kind, fy, number))
    found: dict[str, list[Entry]] = defaultdict(list)
    for (voucher_id, account_id), amount in totals.items():
        if amount > 0:
            day, number = meta[voucher_id]
            found[heads[AccountId(account_id)]].append(Entry(voucher_id, number, day, amount))
    return found


# --- statistics ----------------------------------------------------------------------------


def robust_scores(amounts: list[Decimal]) -> tuple[Decimal, Decimal, list[Decimal]] | None:
    """(median, spread, each amount's robust z-score); None when the amounts do not vary.

    The spread is the median absolute deviation, or where over half of the amounts are
    equal (rent, salaries) the mean absolute deviation, so that one month's double rent
    still stands out (IBM SPSS's modified z-score does the same)."""
    median = Decimal(statistics.median(amounts))
    deviations = [abs(a - median) for a in amounts]
    mad = Decimal(statistics.median(deviations))
    if mad:
        scale = mad / _MAD_TO_SIGMA
    else:
        mean_ad = sum(deviations, ZERO) / len(deviations)
        if not mean_ad:
            return None
        scale = mean_ad / _MEAN_AD_TO_SIGMA
    return median, scale, [(a - median) / scale for a in amounts]


def _quartiles(amounts: list[Decimal]) -> tuple[Decimal, Decimal]:
    ordered = sorted(amounts)
    half = len(ordered) // 2
    lower, upper = ordered[:half], ordered[len(ordered) - half :]
    return Decimal(statistics.median(lower)), Decimal(statistics.median(upper))


def unusual_amounts(
    entries: Mapping[str, list[Entry]],
    as_of: date,
    basis: str,
    recent_days: int = RECENT_DAYS,
    limit: Decimal = Z_LIMIT,
) -> list[UnusualAmount]:
    """Recent amounts far above what each account usually sees (high ones only: an
    unusually small bill is rarely a mistake worth a look)."""
    flagged = []
    since = as_of - timedelta(days=recent_days - 1)
    for account, found in entries.items():
        if len(found) < MIN_HISTORY:
            continue
        amounts = [e.amount for e in found]
        scored = robust_scores(amounts)
        if scored is None:
            continue
        median, _scale, scores = scored
        low, high = _quartiles(amounts)
        for entry, score in zip(found, scores, strict=True):
            material = entry.amount - high >= MIN_EXCESS  # not a few rupees over the usual
            if score > limit and material and since <= entry.posting_date <= as_of:
                flagged.append(
                    UnusualAmount(
                        basis,
                        account,
                        entry.voucher_id,
                        entry.number,
                        entry.posting_date,
                        entry.amount,
                        round_paise(median),
                        round_paise(low),
                        round_paise(high),
                        score.quantize(Decimal("0.1")),
                        len(found),
                    )
                )
    return sorted(flagged, key=lambda u: (-u.score, u.posting_date))


def supplier_entries(bills: list[Bill]) -> dict[str, list[Entry]]:
    found: dict[str, list[Entry]] = defaultdict(list)
    for bill in bills:
        if bill.supplier is not None:
            found[bill.supplier].append(
                Entry(bill.voucher_id, bill.number, bill.posting_date, bill.amount)
            )
    return found


# --- forecast ------------------------------------------------------------------------------


def daily_sales_paise(
    conn: Connection, sales_ids: Collection[int], start: date, end: date
) -> dict[date, int]:
    """Net sales (credits less returns) per day in [start, end], in paise."""
    if not sales_ids:
        return {}
    totals: dict[date, int] = defaultdict(int)
    for day, amount in conn.execute(
        select(postings.c.posting_date, postings.c.amount).where(
            postings.c.account_id.in_(list(sales_ids)),
            postings.c.posting_date.between(start, end),
        )
    ):
        totals[day] -= to_paise(amount)
    return dict(totals)


def forecast_sales(
    daily: Mapping[date, int], as_of: date, weeks: int = 4, history_weeks: int = HISTORY_WEEKS
) -> Forecast:
    """Each weekday's average over the history, summed into the next ``weeks`` weeks.

    Days before the first sale in the history do not count (a shop that opened three weeks
    ago has three weeks of history, not eight weeks with five of them empty)."""
    import pandas as pd  # here: the rules engine answers without paying for its import

    start = as_of - timedelta(days=7 * history_weeks - 1)
    index = pd.date_range(start, as_of, freq="D")
    series = pd.Series(
        [daily.get(day.date(), 0) for day in index], index=index, dtype="int64", name="paise"
    )
    trading = series[series.ne(0).cummax()]  # from the first day with a sale
    if trading.empty:
        zero = tuple((name, ZERO) for name in WEEKDAYS)
        empty = tuple(
            ForecastWeek(
                as_of + timedelta(days=7 * n + 1),
                as_of + timedelta(days=7 * n + 7),
                ZERO,
                ZERO,
                ZERO,
            )
            for n in range(weeks)
        )
        return Forecast(as_of, start, 0, zero, empty, ZERO, ZERO)
    weekday = pd.Series([d.weekday() for d in trading.index], index=trading.index)
    grouped = trading.groupby(weekday).agg(["sum", "count"])
    per_weekday: dict[int, Decimal] = {
        int(day): from_paise(int(total)) / int(count)
        for day, total, count in zip(
            grouped.index.tolist(), grouped["sum"].tolist(), grouped["count"].tolist(), strict=True
        )
    }
    # Whole weeks ending on as_of, for the spread of weekly totals.
    weekly = series.iloc[::-1].groupby(pd.RangeIndex(len(series)) // 7).sum().iloc[::-1]
    full_weeks = [from_paise(int(total)) for total in weekly.iloc[-max(len(trading) // 7, 1) :]]
    spread = Decimal(statistics.stdev(full_weeks)) if len(full_weeks) >= 2 else ZERO
    ahead = []
    for n in range(weeks):
        first = as_of + timedelta(days=7 * n + 1)
        days = [first + timedelta(days=d) for d in range(7)]
        amount = round_paise(sum((per_weekday.get(d.weekday(), ZERO) for d in days), ZERO))
        ahead.append(
            ForecastWeek(
                first,
                days[-1],
                amount,
                max(round_paise(amount - spread), ZERO),
                round_paise(amount + spread),
            )
        )
    weekly_average = round_paise(sum(per_weekday.values(), ZERO))
    return Forecast(
        as_of=as_of,
        history_start=trading.index[0].date(),
        history_weeks=-(-len(trading) // 7),
        by_weekday=tuple((WEEKDAYS[d], round_paise(per_weekday.get(d, ZERO))) for d in range(7)),
        weeks=tuple(ahead),
        last_week=from_paise(int(series.iloc[-7:].sum())),
        weekly_average=weekly_average,
    )
