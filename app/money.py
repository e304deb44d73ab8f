"""Money as Decimal: parsing, paise conversion, rounding and Indian presentation.

This is the only module that rounds money (DESIGN.md §3). Amounts enter as strings or
Decimals, never floats; on disk they are integer paise.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0.00")
_PAISA = Decimal("0.01")
_THOUSANDTH = Decimal("0.001")
_RUPEE = Decimal("1")


def D(value: str | int | Decimal) -> Decimal:
    """An exact amount from a string, int or Decimal; floats are refused."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must not be a float or bool: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
    else:
        raise TypeError(f"cannot make an amount from {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return result


def round_paise(amount: Decimal) -> Decimal:
    """Round an amount to paise, half up (0.005 -> 0.01)."""
    return amount.quantize(_PAISA, rounding=ROUND_HALF_UP)


def round_rupee(amount: Decimal) -> Decimal:
    """Round to the whole rupee, half up: the invoice round-off (CGST Act s.170)."""
    return amount.quantize(_RUPEE, rounding=ROUND_HALF_UP)


def round_quantity(qty: Decimal) -> Decimal:
    """Round a quantity to thousandths, half up."""
    return qty.quantize(_THOUSANDTH, rounding=ROUND_HALF_UP)


# Far above any business's figures, and well inside a 64-bit count of paise.
LARGEST_AMOUNT = Decimal("1e15")


def round_quantity_up(qty: Decimal, whole: bool) -> Decimal:
    """Round a quantity up, to whole units or to thousandths (an order never falls short)."""
    return qty.quantize(_RUPEE if whole else _THOUSANDTH, rounding=ROUND_CEILING)


def has_at_most_paise(amount: Decimal) -> bool:
    """True when the amount has no digits below the paisa (and is a storable amount)."""
    if not amount.is_finite() or abs(amount) >= LARGEST_AMOUNT:
        return False
    return amount == amount.quantize(_PAISA)


def to_paise(amount: Decimal) -> int:
    """Integer paise for an amount that already has at most two places."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"expected a Decimal amount, got {type(amount).__name__}")
    if not amount.is_finite() or not has_at_most_paise(amount):
        raise ValueError(f"amount {amount} has more than two decimal places")
    return int(amount * 100)


def from_paise(paise: int) -> Decimal:
    """The Decimal amount for integer paise, always with two places."""
    return (Decimal(paise) / 100).quantize(_PAISA)


def format_inr(amount: Decimal, *, symbol: bool = False) -> str:
    """Indian digit grouping: 1234567.5 -> '12,34,567.50' (lakh and crore)."""
    amount = round_paise(amount)
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    grouped = ",".join([*groups, tail]) if groups else tail
    return f"{sign}{'₹' if symbol else ''}{grouped}.{fraction}"


_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(f"{_ONES[hundreds]} hundred")
    if rest:
        parts.append(_below_hundred(rest))
    return " ".join(parts)


def _indian_words(n: int) -> str:
    if n == 0:
        return "zero"
    parts = []
    for size, name in ((10**7, "crore"), (10**5, "lakh"), (10**3, "thousand")):
        count, n = divmod(n, size)
        if count:
            parts.append(
                f"{_indian_words(count) if count >= 100 else _below_hundred(count)} {name}"
            )
    if n:
        parts.append(_below_thousand(n))
    return " ".join(parts)


def amount_in_words(amount: Decimal) -> str:
    """'Rupees One Lakh Twenty Thousand and Fifty Paise Only', as Indian invoices print it."""
    amount = round_paise(amount)
    sign = "Minus " if amount < 0 else ""
    rupees, paise = divmod(to_paise(abs(amount)), 100)
    words = f"Rupees {_indian_words(rupees).title()}"
    if paise:
        words += f" and {_below_hundred(paise).title()} Paise"
    return f"{sign}{words} Only"
