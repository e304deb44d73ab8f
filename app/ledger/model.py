"""Pure ledger rules: voucher types, balanced vouchers, financial years (DESIGN.md §4).

A line's amount is signed: positive is a debit, negative a credit, so a voucher balances
exactly when its amounts add up to zero paise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NewType

from app.errors import ValidationError
from app.money import ZERO, has_at_most_paise

AccountId = NewType("AccountId", int)
VoucherId = NewType("VoucherId", int)

MAX_NARRATION = 500


class UnbalancedVoucher(ValidationError):
    """Debits and credits differ."""


class Nature(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def in_profit_and_loss(self) -> bool:
        return self in (Nature.INCOME, Nature.EXPENSE)


class VoucherType(StrEnum):
    JOURNAL = "Journal"
    PAYMENT = "Payment"
    RECEIPT = "Receipt"
    CONTRA = "Contra"
    SALES = "Sales"
    PURCHASE = "Purchase"
    CREDIT_NOTE = "Credit Note"
    DEBIT_NOTE = "Debit Note"

    @property
    def prefix(self) -> str:
        return _PREFIXES[self]

    @classmethod
    def parse(cls, text: str) -> VoucherType:
        wanted = text.strip().casefold().replace("_", " ").replace("-", " ")
        for kind in cls:
            if wanted in (kind.value.casefold(), kind.prefix.casefold()):
                return kind
        names = ", ".join(k.value for k in cls)
        raise ValidationError(f"Unknown voucher type {text!r}; use one of {names}.")


_PREFIXES = {
    VoucherType.JOURNAL: "JV",
    VoucherType.PAYMENT: "PMT",
    VoucherType.RECEIPT: "RCT",
    VoucherType.CONTRA: "CTR",
    VoucherType.SALES: "SAL",
    VoucherType.PURCHASE: "PUR",
    VoucherType.CREDIT_NOTE: "CN",
    VoucherType.DEBIT_NOTE: "DN",
}


@dataclass(frozen=True)
class Line:
    account_id: AccountId
    amount: Decimal  # + debit, - credit

    @classmethod
    def debit(cls, account_id: AccountId, amount: Decimal) -> Line:
        return cls(account_id, amount)

    @classmethod
    def credit(cls, account_id: AccountId, amount: Decimal) -> Line:
        return cls(account_id, -amount)


@dataclass(frozen=True)
class Voucher:
    """A voucher that cannot exist unbalanced."""

    voucher_type: VoucherType
    posting_date: date
    lines: tuple[Line, ...]
    narration: str = ""
    reference: str = ""
    reverses: VoucherId | None = None
    source: str = field(default="", compare=False)  # e.g. "billing:invoice:42"

    def __post_init__(self) -> None:
        if len(self.lines) < 2:
            raise UnbalancedVoucher("A voucher needs at least one debit and one credit line.")
        for line in self.lines:
            if not isinstance(line.amount, Decimal):
                raise TypeError("voucher amounts must be Decimal")
            if line.amount == 0:
                raise ValidationError("A voucher line cannot be zero.")
            if not has_at_most_paise(line.amount):
                raise ValidationError(f"Amount {abs(line.amount)} has more than two decimals.")
        difference = sum((line.amount for line in self.lines), ZERO)
        if difference != 0:
            side = "debits" if difference > 0 else "credits"
            raise UnbalancedVoucher(
                f"Debits and credits differ by {abs(difference):.2f} ({side} are more). "
                "Correct the amounts so both sides are equal."
            )
        if len(self.narration) > MAX_NARRATION:
            raise ValidationError(f"The narration is longer than {MAX_NARRATION} characters.")

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount > 0), ZERO)

    def reversal(self, posting_date: date, own_id: VoucherId, narration: str = "") -> Voucher:
        """The voucher that cancels this one: every line with its side swapped."""
        return Voucher(
            voucher_type=self.voucher_type,
            posting_date=posting_date,
            lines=tuple(Line(line.account_id, -line.amount) for line in self.lines),
            narration=narration or f"Reversal of voucher {own_id}",
            reference=self.reference,
            reverses=own_id,
        )


@dataclass(frozen=True)
class FinancialYear:
    start: date
    end: date

    @property
    def label(self) -> str:
        """'2025-26', as Indian returns and invoice series name a year."""
        return f"{self.start.year}-{str(self.end.year)[-2:]}"


def financial_year(day: date, start_month: int = 4) -> FinancialYear:
    """The financial year holding the day; April to March by default."""
    first_year = day.year if day.month >= start_month else day.year - 1
    start = date(first_year, start_month, 1)
    end = date(first_year + 1, start_month, 1) - timedelta(days=1)
    return FinancialYear(start, end)


def voucher_number_text(voucher_type: VoucherType, year: FinancialYear, number: int) -> str:
    """'PMT/2025-26/17': type, year and serial. Invoices have their own, shorter series."""
    return f"{voucher_type.prefix}/{year.label}/{number}"


def voucher_digest(
    voucher_type: str,
    number: int,
    posting_date: date,
    narration: str,
    reference: str,
    reverses: int | None,
    lines: list[tuple[int, int]],
) -> str:
    """A fingerprint of everything a posted voucher says; the audit log keeps it."""
    text = "\x1f".join(
        (
            voucher_type,
            str(number),
            posting_date.isoformat(),
            narration,
            reference,
            str(reverses or ""),
            ";".join(f"{account}:{paise}" for account, paise in lines),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
