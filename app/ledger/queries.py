"""Reads over the ledger that return small frozen rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, RowMapping, and_, func, select

from app.errors import NotFound
from app.ledger.model import AccountId, Nature, VoucherId, VoucherType
from app.ledger.tables import (
    account_day_totals,
    account_groups,
    accounts,
    period_locks,
    postings,
    vouchers,
)
from app.money import ZERO, from_paise
from app.storage.types import raw_paise

_MONEY_GROUPS = ("Cash-in-Hand", "Bank Accounts", "Bank OD A/c")


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    parent_id: int | None
    nature: Nature
    direct: bool
    primary: str  # the top-level group it sits under (itself when top-level)


@dataclass(frozen=True)
class Account:
    id: AccountId
    name: str
    group_id: int
    group: str
    primary_group: str
    nature: Nature
    direct: bool
    system_key: str | None
    active: bool


@dataclass(frozen=True)
class PostedLine:
    account_id: AccountId
    account: str
    amount: Decimal


@dataclass(frozen=True)
class VoucherView:
    id: VoucherId
    voucher_type: VoucherType
    number: int
    number_text: str
    posting_date: date
    narration: str
    reference: str
    reverses: VoucherId | None
    lines: tuple[PostedLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount > 0), ZERO)


def groups(conn: Connection) -> dict[int, Group]:
    rows = (
        conn.execute(select(account_groups).order_by(account_groups.c.sort_order)).mappings().all()
    )
    by_id = {row["id"]: row for row in rows}

    def primary(row_id: int) -> str:
        row = by_id[row_id]
        while row["parent_id"] is not None:
            row = by_id[row["parent_id"]]
        return str(row["name"])

    return {
        row["id"]: Group(
            row["id"],
            row["name"],
            row["parent_id"],
            Nature(row["nature"]),
            row["direct"],
            primary(row["id"]),
        )
        for row in rows
    }


def chart(conn: Connection) -> tuple[Account, ...]:
    """Every account with its group, ordered as the chart lists groups."""
    group_map = groups(conn)
    order = {gid: index for index, gid in enumerate(group_map)}
    rows = conn.execute(select(accounts)).mappings().all()
    result = []
    for row in rows:
        group = group_map[row["group_id"]]
        result.append(
            Account(
                AccountId(row["id"]),
                row["name"],
                group.id,
                group.name,
                group.primary,
                group.nature,
                group.direct,
                row["system_key"],
                row["active"],
            )
        )
    return tuple(sorted(result, key=lambda a: (order[a.group_id], a.name.casefold())))


def account_ids_by_name(conn: Connection) -> dict[str, AccountId]:
    return {
        name.casefold(): AccountId(account_id)
        for account_id, name in conn.execute(
            select(accounts.c.id, accounts.c.name).where(accounts.c.active)
        )
    }


def account_by_key(conn: Connection, system_key: str) -> AccountId:
    account_id = conn.execute(
        select(accounts.c.id).where(accounts.c.system_key == system_key)
    ).scalar()
    if account_id is None:
        raise NotFound(f"The books have no {system_key.replace('_', ' ')} account.")
    return AccountId(account_id)


_SYSTEM_ACCOUNTS = select(accounts.c.system_key, accounts.c.id).where(
    accounts.c.system_key.is_not(None)
)


def system_accounts(conn: Connection) -> dict[str, AccountId]:
    """Accounts by the role they play ("sales", "output_cgst", "round_off")."""
    return {key: AccountId(account_id) for key, account_id in conn.execute(_SYSTEM_ACCOUNTS)}


def cash_and_bank_ids(conn: Connection) -> tuple[AccountId, ...]:
    group_map = groups(conn)
    money = {g.id for g in group_map.values() if g.name in _MONEY_GROUPS}
    changed = True
    while changed:  # take in sub-groups of the money groups too
        before = len(money)
        money |= {g.id for g in group_map.values() if g.parent_id in money}
        changed = len(money) != before
    return tuple(
        AccountId(a)
        for a in conn.execute(select(accounts.c.id).where(accounts.c.group_id.in_(money))).scalars()
    )


_LOCKED_UNTIL = select(period_locks.c.locked_until).order_by(period_locks.c.id.desc()).limit(1)


def locked_until(conn: Connection) -> date | None:
    row = conn.execute(_LOCKED_UNTIL).first()
    return None if row is None else row[0]


def balances(conn: Connection, as_of: date, since: date | None = None) -> dict[AccountId, Decimal]:
    """Net balance of every account with postings up to ``as_of`` (from ``since`` if given);
    debit positive. Reads the per-day totals, not the postings."""
    condition = account_day_totals.c.day <= as_of
    if since is not None:
        condition = and_(condition, account_day_totals.c.day >= since)
    query = (
        select(account_day_totals.c.account_id, func.sum(raw_paise(account_day_totals.c.amount)))
        .where(condition)
        .group_by(account_day_totals.c.account_id)
    )
    return {AccountId(account): from_paise(int(total)) for account, total in conn.execute(query)}


def voucher(conn: Connection, voucher_id: VoucherId) -> VoucherView:
    found = vouchers_by_id(conn, [voucher_id])
    if not found:
        raise NotFound(f"There is no voucher {voucher_id}.")
    return found[0]


def vouchers_by_id(conn: Connection, ids: list[VoucherId]) -> list[VoucherView]:
    if not ids:
        return []
    head = conn.execute(select(vouchers).where(vouchers.c.id.in_(ids))).mappings().all()
    lines: dict[int, list[PostedLine]] = {}
    query = (
        select(postings.c.voucher_id, postings.c.account_id, accounts.c.name, postings.c.amount)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(postings.c.voucher_id.in_(ids))
        .order_by(postings.c.voucher_id, postings.c.line_no)
    )
    for vid, account_id, name, amount in conn.execute(query):
        lines.setdefault(vid, []).append(PostedLine(AccountId(account_id), name, amount))
    return [_view(row, lines.get(row["id"], [])) for row in head]


def _view(data: RowMapping, lines: list[PostedLine]) -> VoucherView:
    kind = VoucherType(data["voucher_type"])
    return VoucherView(
        VoucherId(data["id"]),
        kind,
        data["number"],
        f"{kind.prefix}/{data['fy']}/{data['number']}",
        data["posting_date"],
        data["narration"],
        data["reference"],
        data["reverses_id"],
        tuple(lines),
    )


def reversed_by(conn: Connection, voucher_id: VoucherId) -> VoucherId | None:
    found = conn.execute(select(vouchers.c.id).where(vouchers.c.reverses_id == voucher_id)).scalar()
    return None if found is None else VoucherId(found)


def vouchers_between(conn: Connection, start: date, end: date) -> list[VoucherView]:
    """Vouchers dated in [start, end], in date then entry order (the day book)."""
    ids = (
        conn.execute(
            select(vouchers.c.id)
            .where(vouchers.c.posting_date.between(start, end))
            .order_by(vouchers.c.posting_date, vouchers.c.id)
        )
        .scalars()
        .all()
    )
    views: list[VoucherView] = []
    for chunk_start in range(0, len(ids), 500):
        chunk = [VoucherId(i) for i in ids[chunk_start : chunk_start + 500]]
        by_id = {v.id: v for v in vouchers_by_id(conn, chunk)}
        views.extend(by_id[i] for i in chunk)
    return views


@dataclass(frozen=True)
class AccountPosting:
    voucher_id: VoucherId
    posting_date: date
    voucher_type: VoucherType
    number_text: str
    narration: str
    amount: Decimal
    other_accounts: str


def account_postings(
    conn: Connection, account_id: AccountId, start: date, end: date, limit: int | None = None
) -> Iterator[AccountPosting]:
    """An account's postings in [start, end], oldest first, with the other side named;
    ``limit`` stops after that many (a screen's worth, shown while the rest loads)."""
    query = (
        select(
            postings.c.voucher_id,
            postings.c.posting_date,
            vouchers.c.voucher_type,
            vouchers.c.fy,
            vouchers.c.number,
            vouchers.c.narration,
            postings.c.amount,
        )
        .join(vouchers, vouchers.c.id == postings.c.voucher_id)
        .where(postings.c.account_id == account_id, postings.c.posting_date.between(start, end))
        .order_by(postings.c.posting_date, postings.c.voucher_id, postings.c.line_no)
        .limit(limit)
    )
    rows = conn.execute(query).all()
    voucher_ids = {row.voucher_id for row in rows}
    others: dict[int, list[str]] = {}
    for chunk in _chunks(sorted(voucher_ids), 500):
        other_rows = conn.execute(
            select(postings.c.voucher_id, accounts.c.name)
            .join(accounts, accounts.c.id == postings.c.account_id)
            .where(postings.c.voucher_id.in_(chunk), postings.c.account_id != account_id)
            .order_by(postings.c.voucher_id, postings.c.line_no)
        )
        for vid, name in other_rows:
            names = others.setdefault(vid, [])
            if name not in names:
                names.append(name)
    for row in rows:
        kind = VoucherType(row.voucher_type)
        yield AccountPosting(
            VoucherId(row.voucher_id),
            row.posting_date,
            kind,
            f"{kind.prefix}/{row.fy}/{row.number}",
            row.narration,
            row.amount,
            ", ".join(others.get(row.voucher_id, [])),
        )


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
