"""The deterministic engine: common questions in English and Hinglish mapped to tool calls.

It works with no model at all. A question is lower-cased, its periods are read by
``dates.find_periods``, party and expense names are matched against the books' own ledger
names, and keyword families pick the tool. When nothing fits, ``parse`` returns None and
``HELP`` says what can be asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.assistant.dates import Found, Period, find_periods, named_period, period_before

HELP = (
    'I can answer from your books: sales for a period ("how much did I sell last week?", '
    '"aaj kitna becha?"), expenses by head ("rent this year", "is mahine ka kharcha"), '
    'cash and bank balance ("bank mein kitna paisa hai?"), who owes you or whom you owe '
    '("who owes me the most?", "Gupta ko kitna dena hai?"), GST payable for a period '
    '("GST payable for Q1"), a comparison of two periods ("compare sales this month with '
    'last month"), finding vouchers ("find payments of 18000"), the best-selling items '
    '("top 5 items this month", "sabse zyada kya bika") and the stock of an item ("kitna '
    'stock bacha hai Parle-G ka?", "low stock"), a sales forecast ("forecast next month") '
    'and checks for duplicate bills and unusual amounts ("anything unusual?").'
)


@dataclass(frozen=True)
class Vocabulary:
    """Ledger names from the books that questions may mention."""

    debtors: tuple[str, ...] = ()
    creditors: tuple[str, ...] = ()
    expense_heads: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolCall:
    tool: str
    args: dict[str, Any]
    periods: tuple[Period, ...] = ()  # as understood, for the answer's wording


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_COMPARE = _words(
    "compare", "comparison", "compared", "vs", "versus", "v/s", "mukable", "muqable",
    "mukabla", "muqabla", "tulna", "against",
)  # fmt: skip
_MORE_LESS = _words(
    "more", "less", "higher", "lower", "grew", "growth", "change", "difference", "zyada",
    "jyada", "kam", "badha", "badhi", "ghata", "ghati", "up", "down", "better", "worse",
)  # fmt: skip
_FIND = _words(
    "find", "search", "look up", "lookup", "dhundo", "dhoondo", "dhoondho", "dhundho",
    "khojo", "where is", "kahan hai",
)  # fmt: skip
_VOUCHERS = _words(
    "vouchers?", "entry", "entries", "transactions?", "payments? of", "receipts? of",
    "bills? of", "bills? for", "payments? made", "payments? to", "list (?:all )?payments",
    "all payments", "all receipts",
)  # fmt: skip
_GST = _words("gst", "cgst", "sgst", "igst", "tax", "taxes", "gstr-?3b", "itc", "input credit")
_OWE = _words(
    "owe", "owes", "owed", "owing", "outstanding", "dues?", "receivables?", "payables?",
    "udhaar", "udhar", "udhari", "baki", "baaki", "bakaya", "lena", "lene", "dena", "dene",
    "pending", "collect", "debtors", "creditors", "vasooli", "vasuli", "recover",
)  # fmt: skip
_PAYABLE = _words(
    "(?:i|we) owe", "payables?", "creditors", "suppliers?", "vendors?", "dena", "dene",
    "chukana", "chukane", "pay to", "owe to", "have to pay", "need to pay", "must pay",
)  # fmt: skip
_EXPENSE = _words(
    "kharcha", "kharche", "kharch", "kharchey", "expenses?", "expenditure", "spent",
    "spend", "spending", "costs?", "lagaya", "laga",
)  # fmt: skip
_SALES = _words(
    "sales?", "sell", "sold", "selling", "bikri", "bikkri", "becha", "bechi", "beche",
    "bech", "bechaa", "revenue", "turnover", "takings", "galla collection", "dhanda",
    "dhandha", "business", "income", "kamai", "kamaya",
)  # fmt: skip
_PURCHASES = _words(
    "purchases?", "purchased", "bought", "khareed\\w*", "kharid\\w*", "stock bought"
)
_MONEY = _words(
    "cash", "bank", "balance", "galla", "gulla", "nakad", "nakdi", "in hand", "paisa",
    "paise", "money", "funds",
)  # fmt: skip
_FORECAST = _words(
    "forecast\\w*", "predict\\w*", "projection", "projected", "estimate", "expected sales",
    "next week", "next month", "next \\d weeks", "coming weeks?", "agle hafte", "agle mahine",
    "agle \\d hafte", "sale hogi", "bikri hogi", "bikega", "bikegi", "aane wale",
)  # fmt: skip
_NEXT_WEEKS = re.compile(r"\bnext\s+(\d)\s+weeks?\b|\bagle\s+(\d)\s+hafte\b")
_UNUSUAL = _words(
    "unusual", "anomal\\w*", "duplicates?", "suspicious", "strange", "odd", "gadbad\\w*",
    "ajeeb", "galti", "mistakes?", "twice", "do baar", "double", "outliers?", "red flags?",
    "irregular\\w*", "kuch alag",
)  # fmt: skip
_TOP_ITEMS = re.compile(
    r"\btop\s+(?:\d{1,2}\s+)?(?:items?|products?|sell\w*|cheez\w*|maal)\b"
    r"|\btop\s+\d{1,2}\b|\bbest[- ]?sell\w*|\bfast[- ]moving\b|\bpopular\b"
    r"|\b(?:sabse|most)\b.*\b(?:bik\w*|sold|sell\w*|becha\w*|bech\w*|chal\w*)\b"
    r"|\b(?:bik\w*|sold|sell\w*|becha\w*)\b.*\b(?:sabse|most)\b"
    r"|\b(?:kya|kaun\w*|which items?|what items?)\b.*\bbik\w*"
)
_TOP_COUNT = re.compile(r"\b(?:top|best)\s+(\d{1,2})\b|\b(\d{1,2})\s+(?:top|best)\b")
_BY_QUANTITY = _words("quantity", "qty", "units", "pieces", "packets", "kitne piece", "count")
_STOCK = _words("stock", "stocks", "inventory", "godown mein", "reorder", "low stock")
_STOCK_WEAK = _words(
    "bacha", "bachi", "bache", "bacha hua", "left", "remaining", "khatam", "on hand",
    "available", "kitne piece",
)  # fmt: skip
_NOT_ITEM = frozenset(
    """kitna kitne kitni stock stocks bacha bachi bache hua hui hai hain ka ki ke of how much
    many is are there in left do does we i have has the what what's whats mein me abhi now
    current currently remaining khatam ho gaya gayi gaye raha rahi rahe kya available on hand
    inventory show tell batao bata bataiye level qty quantity units piece pieces packets my our shop
    dukaan dukan hamare humare mere mera paas pas for check items item products product which
    low kam reorder running out godown all a an se please pls sir ji""".split()
)
_HEAD_WORDS = {
    "bijli": "electricity",
    "light bill": "electricity",
    "power": "electricity",
    "kiraya": "rent",
    "kiraye": "rent",
    "bhada": "rent",
    "salary": "salaries",
    "salaries": "salaries",
    "tankhwah": "salaries",
    "tankha": "salaries",
    "wages": "wages",
    "phone": "telephone",
    "telephone": "telephone",
    "internet": "internet",
    "mobile": "telephone",
    "stationery": "stationery",
    "freight": "freight",
    "bank charges": "bank charges",
}
_VOUCHER_KINDS = (
    (r"credit notes?", "Credit Note"),
    (r"debit notes?", "Debit Note"),
    (r"payments?|paid", "Payment"),
    (r"receipts?|received", "Receipt"),
    (r"sales?|sold", "Sales"),
    (r"purchases?|bought", "Purchase"),
    (r"journals?", "Journal"),
    (r"contra|deposits?|deposited", "Contra"),
)
_GENERIC = {
    "the", "and", "new", "shree", "shri", "sri", "m/s", "bank", "cash", "sales", "purchase",
    "traders", "trading", "store", "stores", "hotel", "agro", "pune", "mumbai", "delhi",
}  # fmt: skip
_AMOUNT = re.compile(
    r"(?:rs\.?|inr|₹|rupees?)\s*([0-9][0-9,]*(?:\.[0-9]{1,2})?)"
    r"|([0-9][0-9,]*(?:\.[0-9]{1,2})?)\s*(?:rs\b|rupees?|rupaye|rupay|/-)"
    r"|\b(?:of|amount|for|worth|ka|ki|ke)\s+([0-9][0-9,]{2,}(?:\.[0-9]{1,2})?)\b"
    r"|\b([0-9][0-9,]{2,}(?:\.[0-9]{1,2})?)\s+(?:ka|ki|ke|wala|wali|wale)\b"
)
_QUOTED = re.compile(r"[\"“']([^\"”']{2,60})[\"”']")
_ABOUT = re.compile(
    r"\b(?:about|mentioning|containing|narration|with text|saying)\s+([a-z0-9&\-]+)"
)


def normalize(question: str) -> str:
    text = question.casefold().replace("’", "'")
    text = re.sub(r"(?<=\d),(?=\d)", "", text)  # 1,18,000 is one number
    text = re.sub(r"[?!,;:()\[\]]", " ", text)
    return " ".join(text.split())


def parse(  # noqa: PLR0911, PLR0912, PLR0915  (the tools in priority order, one branch each)
    question: str, today: date, vocabulary: Vocabulary, fy_start_month: int = 4
) -> ToolCall | None:
    """The tool call a question asks for, or None when no tool fits."""
    raw = question.strip()
    text = normalize(raw)
    if not text:
        return None
    found = find_periods(text, today, fy_start_month)
    plain = _without(text, found)  # dates removed, so "Q1" or "2025" is not taken as an amount
    periods = [f.period for f in found]
    party = _party(plain, vocabulary)
    head = _head(plain, vocabulary)

    def period(default: str) -> Period:
        return periods[0] if periods else named_period(default, today, fy_start_month)

    def as_of() -> str:
        if periods:
            return periods[0].end.isoformat()
        return today.isoformat()

    if _UNUSUAL.search(plain):
        return ToolCall("unusual_entries", {"as_of": as_of()}, tuple(periods[:1]))

    if _FORECAST.search(text):
        ahead = {"as_of": today.isoformat(), "weeks": _weeks_ahead(text)}
        return ToolCall("sales_forecast", ahead, ())

    if _COMPARE.search(plain) or (len(periods) >= 2 and _MORE_LESS.search(plain)):
        first = period("this_month")
        second = periods[1] if len(periods) >= 2 else period_before(first, fy_start_month)
        measure = "sales"
        if _EXPENSE.search(plain) or head:
            measure = "expenses"
        elif _PURCHASES.search(plain):
            measure = "purchases"
        elif _GST.search(plain):
            measure = "gst_payable"
        args: dict[str, Any] = {
            "measure": measure,
            "first_start": first.start.isoformat(),
            "first_end": first.end.isoformat(),
            "second_start": second.start.isoformat(),
            "second_end": second.end.isoformat(),
        }
        return ToolCall("compare_periods", args, (first, second))

    if _FIND.search(plain) or _VOUCHERS.search(plain):
        return _find_call(raw, plain, periods, vocabulary)

    if _TOP_ITEMS.search(plain) and not _OWE.search(plain):
        chosen = period("this_month")
        top: dict[str, Any] = chosen.as_args()
        count = _TOP_COUNT.search(plain)
        if count:
            top["limit"] = max(1, min(int(count[1] or count[2]), 50))
        if _BY_QUANTITY.search(plain):
            top["by"] = "quantity"
        return ToolCall("top_items", top, (chosen,))

    if (_STOCK.search(plain) and not _PURCHASES.search(plain)) or (
        _STOCK_WEAK.search(plain) and not (_MONEY.search(plain) or _OWE.search(plain) or party)
    ):
        item = _item_phrase(plain)
        return ToolCall("stock_of_item", {"item": item} if item else {}, ())

    if _GST.search(plain):
        chosen = period("this_month")
        return ToolCall("gst_payable", chosen.as_args(), (chosen,))

    if _OWE.search(plain) or (party and _MONEY.search(plain)):
        side = "payable" if _PAYABLE.search(plain) else "receivable"
        args = {"side": side, "as_of": as_of()}
        if party:
            args["party"] = party
            args["side"] = "payable" if party in vocabulary.creditors else "receivable"
        return ToolCall("outstanding", args, tuple(periods[:1]))

    if _SALES.search(plain) and not _EXPENSE.search(plain):
        chosen = period("today")
        return ToolCall("sales_summary", chosen.as_args(), (chosen,))

    if _EXPENSE.search(plain) or head:
        chosen = period("this_month")
        args = chosen.as_args()
        if head:
            args["head"] = head
        return ToolCall("expenses_by_head", args, (chosen,))

    if _MONEY.search(plain):
        return ToolCall("cash_bank_balance", {"as_of": as_of()}, tuple(periods[:1]))
    return None


def _weeks_ahead(text: str) -> int:
    """How many weeks a forecast question looks ahead: "next week" 1, a month 4."""
    count = _NEXT_WEEKS.search(text)
    if count:
        return max(1, min(int(count[1] or count[2]), 8))
    if re.search(r"\b(?:next|coming|agle|aane wale) (?:week|hafte)\b", text):
        return 1
    return 4


def _item_phrase(text: str) -> str:
    """What is left of a stock question once its question words are gone: the item."""
    words = [w for w in re.split(r"[\s?.!]+", text) if w and w not in _NOT_ITEM]
    return " ".join(words).strip(" '\"")


def _without(text: str, found: list[Found]) -> str:
    for item in sorted(found, key=lambda f: f.at, reverse=True):
        text = text[: item.at] + " " + text[item.at + item.length :]
    return " ".join(text.split())


def _mentions(text: str, name: str) -> bool:
    """The name, or its first distinctive word, appears as whole words."""
    lowered = name.casefold()
    if re.search(rf"(?<![\w]){re.escape(lowered)}(?![\w])", text):
        return True
    first = lowered.split()[0] if lowered.split() else ""
    if len(first) < 3 or first in _GENERIC:
        return False
    return re.search(rf"(?<![\w]){re.escape(first)}(?![\w])", text) is not None


def _party(text: str, vocabulary: Vocabulary) -> str | None:
    for name in (*vocabulary.debtors, *vocabulary.creditors):
        if _mentions(text, name):
            return name
    return None


def _head(text: str, vocabulary: Vocabulary) -> str | None:
    for name in vocabulary.expense_heads:
        if re.search(rf"(?<![\w]){re.escape(name.casefold())}(?![\w])", text):
            return name
    for word, meaning in _HEAD_WORDS.items():
        if re.search(rf"\b{re.escape(word)}\b", text):
            for name in vocabulary.expense_heads:
                if meaning in name.casefold():
                    return name
    return None


def _find_call(raw: str, plain: str, periods: list[Period], vocabulary: Vocabulary) -> ToolCall:
    args: dict[str, Any] = {}
    quoted = _QUOTED.search(raw)
    if quoted:
        args["text"] = quoted[1].strip()
        plain = plain.replace(quoted[1].casefold(), " ")
    else:
        about = _ABOUT.search(plain)
        if about:
            args["text"] = about[1]
            plain = plain[: about.start()] + " " + plain[about.end() :]
    account = _party(plain, vocabulary) or _head(plain, vocabulary)
    if account is None:
        account = next((n for n in vocabulary.accounts if _mentions(plain, n)), None)
    if account and account.casefold() not in {"sales", "purchases", "cash"}:
        args["account"] = account
    amount = _AMOUNT.search(plain)
    if amount:
        digits = next(group for group in amount.groups() if group).replace(",", "")
        args["amount"] = digits
    for pattern, kind in _VOUCHER_KINDS:
        if re.search(rf"\b(?:{pattern})\b", plain):
            args["voucher_type"] = kind
            break
    if periods:
        args.update(periods[0].as_args())
    return ToolCall("find_vouchers", args, tuple(periods[:1]))
