"""Vouchers from JSON (the shape in docs/voucher-json.md), with errors that name the place.

    {"type": "Payment", "date": "2025-04-05", "narration": "April rent",
     "reference": "RENT-APR", "lines": [{"account": "Rent", "debit": "15000.00"},
                                        {"account": "Cash", "credit": "15000.00"}]}

A file holds one such object or a list of them. Amounts are strings (or integers), never
JSON fractions, so no float ever carries money.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from app.errors import ValidationError
from app.ledger.model import AccountId, Line, Voucher, VoucherType
from app.money import D


class BadVoucherFile(ValidationError):
    """The voucher JSON is malformed; the message says where."""


def load(text: str) -> list[dict[str, Any]]:
    """The voucher objects of a JSON text; fractions are refused so money stays exact."""

    def refuse_float(token: str) -> Decimal:
        raise BadVoucherFile(
            f"The amount {token} is a JSON number with a fraction; write amounts as strings "
            f'("{token}") so they stay exact.'
        )

    try:
        data = json.loads(text, parse_float=refuse_float)
    except json.JSONDecodeError as exc:
        raise BadVoucherFile(f"The voucher file is not valid JSON: {exc}.") from None
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) for item in items):
        raise BadVoucherFile("The voucher file must hold a voucher object or a list of them.")
    return items


def account_names(items: list[dict[str, Any]]) -> set[str]:
    return {
        str(line.get("account", ""))
        for item in items
        for line in item.get("lines", [])
        if isinstance(line, dict)
    }


def parse(items: list[dict[str, Any]], accounts: Mapping[str, AccountId]) -> list[Voucher]:
    """Vouchers from parsed JSON objects, with account names looked up in ``accounts``."""
    vouchers = []
    for index, item in enumerate(items, start=1):
        where = f"voucher {index}" if len(items) > 1 else "the voucher"
        try:
            vouchers.append(_parse_one(item, accounts))
        except (ValidationError, ValueError, TypeError) as exc:
            raise BadVoucherFile(f"In {where}: {exc}") from None
    return vouchers


def _parse_one(item: dict[str, Any], accounts: Mapping[str, AccountId]) -> Voucher:
    unknown = set(item) - {"type", "date", "narration", "reference", "lines"}
    if unknown:
        raise ValidationError(f"unknown field(s) {', '.join(sorted(unknown))}")
    for field in ("type", "date", "lines"):
        if field not in item:
            raise ValidationError(f"the field {field!r} is missing")
    try:
        posting_date = date.fromisoformat(str(item["date"]))
    except ValueError:
        raise ValidationError(f"date {item['date']!r} is not a date like 2025-04-05") from None
    if not isinstance(item["lines"], list):
        raise ValidationError("'lines' must be a list")
    lines = []
    for number, raw in enumerate(item["lines"], start=1):
        if not isinstance(raw, dict) or "account" not in raw:
            raise ValidationError(f"line {number} needs an 'account'")
        sides = [side for side in ("debit", "credit") if side in raw]
        if len(sides) != 1:
            raise ValidationError(f"line {number} needs exactly one of 'debit' or 'credit'")
        value = raw[sides[0]]
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ValidationError(f'line {number}: the amount must be a string like "1500.00"')
        try:
            amount = D(value)
        except ValueError:
            raise ValidationError(f"line {number}: {value!r} is not an amount") from None
        if amount <= 0:
            raise ValidationError(f"line {number}: amounts are positive; use the other side")
        account = accounts[str(raw["account"])]
        lines.append(
            Line.debit(account, amount) if sides[0] == "debit" else Line.credit(account, amount)
        )
    return Voucher(
        VoucherType.parse(str(item["type"])),
        posting_date,
        tuple(lines),
        narration=str(item.get("narration", "")),
        reference=str(item.get("reference", "")),
    )
