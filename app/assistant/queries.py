"""The reads the assistant's tools need that the ledger's queries do not offer.

Read-only: every function takes a connection from ``Company.reader()``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, func, or_, select

from app.ledger import queries
from app.ledger.model import AccountId, VoucherId, VoucherType
from app.ledger.tables import accounts, postings, vouchers
from app.money import ZERO, to_paise
from app.storage.types import raw_paise


def voucher_count(conn: Connection, kinds: Collection[VoucherType], start: date, end: date) -> int:
    query = select(func.count()).where(
        vouchers.c.voucher_type.in_([k.value for k in kinds]),
        vouchers.c.posting_date.between(start, end),
    )
    return int(conn.execute(query).scalar_one())


def settlement_amounts(
    conn: Connection,
    tax_ids: Collection[AccountId],
    output_ids: Collection[AccountId],
    start: date,
    end: date,
) -> dict[AccountId, Decimal]:
    """What GST set-offs and payments to the government moved on each tax ledger in the period.

    A settlement debits an output ledger and touches nothing but GST ledgers and cash or bank
    (the GSTR-3B payment, or a set-off journal). It clears tax already due, so it is left
    out when the period's liability is worked out.
    """
    candidates = (
        conn.execute(
            select(postings.c.voucher_id)
            .where(
                postings.c.account_id.in_(list(output_ids)),
                raw_paise(postings.c.amount) > 0,
                postings.c.posting_date.between(start, end),
            )
            .distinct()
        )
        .scalars()
        .all()
    )
    if not candidates:
        return {}
    allowed = set(tax_ids) | set(queries.cash_and_bank_ids(conn))
    lines: dict[int, list[tuple[AccountId, Decimal]]] = {}
    for voucher_id, account_id, amount in conn.execute(
        select(postings.c.voucher_id, postings.c.account_id, postings.c.amount).where(
            postings.c.voucher_id.in_(candidates)
        )
    ):
        lines.setdefault(voucher_id, []).append((AccountId(account_id), amount))
    moved: dict[AccountId, Decimal] = {}
    for voucher_lines in lines.values():
        if all(account in allowed for account, _amount in voucher_lines):
            for account, amount in voucher_lines:
                if account in tax_ids:
                    moved[account] = moved.get(account, ZERO) + amount
    return moved


@dataclass(frozen=True)
class VoucherSearch:
    account_ids: tuple[AccountId, ...] = ()
    amount: Decimal | None = None  # any line of exactly this size, either side
    text: str = ""  # in the narration or the reference
    kind: VoucherType | None = None
    start: date | None = None
    end: date | None = None
    limit: int = 10


def find_vouchers(conn: Connection, search: VoucherSearch) -> tuple[int, list[queries.VoucherView]]:
    """(how many match, the newest ``limit`` of them)."""
    conditions = []
    if search.start is not None:
        conditions.append(vouchers.c.posting_date >= search.start)
    if search.end is not None:
        conditions.append(vouchers.c.posting_date <= search.end)
    if search.kind is not None:
        conditions.append(vouchers.c.voucher_type == search.kind.value)
    if search.text:
        pattern = (
            "%" + search.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        conditions.append(
            or_(
                vouchers.c.narration.ilike(pattern, escape="\\"),
                vouchers.c.reference.ilike(pattern, escape="\\"),
            )
        )
    line_conditions = []
    if search.account_ids:
        line_conditions.append(postings.c.account_id.in_(list(search.account_ids)))
    if search.amount is not None:
        paise = to_paise(search.amount)
        line_conditions.append(raw_paise(postings.c.amount).in_([paise, -paise]))
    if line_conditions:
        conditions.append(vouchers.c.id.in_(select(postings.c.voucher_id).where(*line_conditions)))
    total = conn.execute(select(func.count()).select_from(vouchers).where(*conditions)).scalar_one()
    ids = (
        conn.execute(
            select(vouchers.c.id)
            .where(*conditions)
            .order_by(vouchers.c.posting_date.desc(), vouchers.c.id.desc())
            .limit(search.limit)
        )
        .scalars()
        .all()
    )
    by_id = {v.id: v for v in queries.vouchers_by_id(conn, [VoucherId(i) for i in ids])}
    return int(total), [by_id[VoucherId(i)] for i in ids]


def account_names(conn: Connection) -> dict[AccountId, str]:
    return {
        AccountId(i): str(name) for i, name in conn.execute(select(accounts.c.id, accounts.c.name))
    }
