"""Ledger use cases: set up the books, accounts, post and reverse vouchers, lock periods.

``post_in`` posts inside a caller's unit of work, so billing can write an invoice and its
voucher in one transaction; the other functions open their own.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, bindparam, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.config import resources_dir
from app.errors import Conflict, NotFound, PeriodLocked, ValidationError
from app.ledger import queries
from app.ledger.model import (
    AccountId,
    Line,
    Voucher,
    VoucherId,
    VoucherType,
    financial_year,
    voucher_digest,
    voucher_number_text,
)
from app.ledger.tables import account_day_totals, account_groups, accounts, period_locks, postings
from app.ledger.tables import vouchers as voucher_table
from app.money import to_paise
from app.storage.access import Permission, require
from app.storage.bulk import insert_rows
from app.storage.company import Company, CompanyProfile, create_company
from app.storage.uow import UnitOfWork


@dataclass(frozen=True)
class PostedVoucher:
    id: VoucherId
    voucher_type: VoucherType
    number: int
    number_text: str
    posting_date: date


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def create_books(folder: Path, profile: CompanyProfile, owner_password: str) -> tuple[Company, str]:
    """A new company with the Indian default chart of accounts; returns it and its recovery key."""
    company, recovery_key = create_company(folder, profile, owner_password)
    try:
        install_chart(company)
    except BaseException:
        company.close()
        shutil.rmtree(folder, ignore_errors=True)  # a company without its chart is no company
        raise
    return company, recovery_key


def install_chart(company: Company) -> None:
    chart = json.loads((resources_dir() / "seed" / "chart_of_accounts.json").read_text("utf-8"))
    with company.unit_of_work() as uow:
        group_ids: dict[str, int] = {}
        for order, (name, parent, nature, direct) in enumerate(chart["groups"]):
            result = uow.conn.execute(
                account_groups.insert().values(
                    name=name,
                    parent_id=group_ids[parent] if parent else None,
                    nature=nature,
                    direct=direct,
                    sort_order=order,
                )
            )
            group_ids[name] = _new_id(result)
        now = _now()
        uow.conn.execute(
            accounts.insert(),
            [
                {"name": name, "group_id": group_ids[group], "system_key": key, "created_at": now}
                for name, group, key in chart["accounts"]
            ],
        )
        uow.record(
            "chart.install", "company", company.company_id, {"accounts": len(chart["accounts"])}
        )
        uow.commit()


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def add_account(company: Company, name: str, group: str) -> AccountId:
    """A new ledger account under an existing group; names are unique ignoring case."""
    require(company.actor, Permission.MANAGE_ACCOUNTS)
    with company.unit_of_work() as uow:
        account_id = add_account_in(uow, name, group)
        uow.commit()
    return account_id


def add_account_in(
    uow: UnitOfWork, name: str, group: str, system_key: str | None = None
) -> AccountId:
    """Write a new account in ``uow``; the caller has checked the actor may cause it (a
    cashier adding a customer at the counter creates the customer's ledger account)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("The account needs a name.")
    group_id = uow.conn.execute(
        select(account_groups.c.id).where(account_groups.c.name == group)
    ).scalar()
    if group_id is None:
        raise NotFound(f"There is no account group {group!r}.")
    if uow.conn.execute(select(accounts.c.id).where(accounts.c.name == name)).first():
        raise Conflict(f"An account named {name!r} already exists.")
    result = uow.conn.execute(
        accounts.insert().values(
            name=name, group_id=group_id, system_key=system_key, created_at=_now()
        )
    )
    account_id = AccountId(_new_id(result))
    uow.forget(ACCOUNTS_MEMO)
    uow.record("account.add", "account", account_id, {"name": name, "group": group})
    return account_id


def ensure_system_account(uow: UnitOfWork, key: str, name: str, group: str) -> AccountId:
    """The account playing a role (``key``), created on first use for companies whose chart
    predates the role."""
    found = uow.conn.execute(select(accounts.c.id).where(accounts.c.system_key == key)).scalar()
    if found is not None:
        return AccountId(found)
    return add_account_in(uow, name, group, system_key=key)


def rename_account_in(uow: UnitOfWork, account_id: AccountId, name: str) -> None:
    """Give an account a new name; its postings stay as they are (a renamed party keeps its
    one ledger account, as Tally's party ledgers do). The caller has checked the actor."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("The account needs a name.")
    old = uow.conn.execute(select(accounts.c.name).where(accounts.c.id == account_id)).scalar()
    if old is None:
        raise NotFound(f"There is no account {account_id}.")
    if old == name:
        return
    clash = uow.conn.execute(
        select(accounts.c.id).where(accounts.c.name == name, accounts.c.id != account_id)
    ).first()
    if clash:
        raise Conflict(f"An account named {name!r} already exists.")
    uow.conn.execute(accounts.update().where(accounts.c.id == account_id).values(name=name))
    uow.forget(ACCOUNTS_MEMO)
    uow.record("account.rename", "account", account_id, {"from": old, "to": name})


def post_voucher(company: Company, voucher: Voucher) -> PostedVoucher:
    return post_vouchers(company, [voucher])[0]


def post_vouchers(company: Company, batch: Sequence[Voucher]) -> list[PostedVoucher]:
    """Post all or none, in one transaction."""
    with company.unit_of_work() as uow:
        posted = post_in(uow, company.profile, batch)
        uow.commit()
    return posted


def post_in(
    uow: UnitOfWork,
    profile: CompanyProfile,
    batch: Sequence[Voucher],
    permission: Permission = Permission.POST_VOUCHERS,
) -> list[PostedVoucher]:
    """Check and write vouchers, their postings, day totals and audit rows in ``uow``.

    ``permission`` is what the user needs: billing posts a sale's voucher under BILL, so a
    cashier can sell without being allowed to write journals."""
    require(uow.actor, permission)
    if not batch:
        return []
    conn = uow.conn
    locked_until = uow.memo("ledger.locked_until", lambda: queries.locked_until(conn))
    postable = uow.memo(ACCOUNTS_MEMO, lambda: _Postable(conn))
    postable.load({line.account_id for voucher in batch for line in voucher.lines})
    for voucher in batch:
        _check_postable(voucher, profile, locked_until, postable)

    next_id = int(conn.execute(_MAX_VOUCHER_ID).scalar() or 0) + 1
    next_number: dict[tuple[str, str], int] = {}
    voucher_rows, posting_rows = [], []
    day_totals: dict[tuple[int, date], int] = defaultdict(int)
    posted: list[PostedVoucher] = []
    now = _now()
    for voucher in batch:
        year = financial_year(voucher.posting_date, profile.fy_start_month)
        series = (voucher.voucher_type.value, year.label)
        if series not in next_number:
            last = conn.execute(_LAST_NUMBER, {"type": series[0], "fy": series[1]}).scalar()
            next_number[series] = int(last or 0) + 1
        number = next_number[series]
        next_number[series] = number + 1
        voucher_id = VoucherId(next_id)
        next_id += 1
        voucher_rows.append(
            {
                "id": voucher_id,
                "voucher_type": voucher.voucher_type.value,
                "fy": year.label,
                "number": number,
                "posting_date": voucher.posting_date,
                "narration": voucher.narration,
                "reference": voucher.reference,
                "reverses_id": voucher.reverses,
                "source": voucher.source,
                "created_at": now,
                "created_by": uow.actor.username,
            }
        )
        lines = []
        for line_no, line in enumerate(voucher.lines, start=1):
            posting_rows.append(
                {
                    "voucher_id": voucher_id,
                    "line_no": line_no,
                    "account_id": line.account_id,
                    "posting_date": voucher.posting_date,
                    "amount": line.amount,
                }
            )
            paise = to_paise(line.amount)
            lines.append((int(line.account_id), paise))
            day_totals[(line.account_id, voucher.posting_date)] += paise
        number_text = voucher_number_text(voucher.voucher_type, year, number)
        digest = voucher_digest(
            voucher.voucher_type.value,
            number,
            voucher.posting_date,
            voucher.narration,
            voucher.reference,
            voucher.reverses,
            lines,
        )
        uow.record("voucher.post", "voucher", voucher_id, {"number": number_text, "digest": digest})
        posted.append(
            PostedVoucher(
                voucher_id, voucher.voucher_type, number, number_text, voucher.posting_date
            )
        )
    insert_rows(conn, voucher_table, voucher_rows)  # one executemany each for the batch
    insert_rows(conn, postings, posting_rows)
    _add_day_totals(uow, day_totals)
    return posted


ACCOUNTS_MEMO = "ledger.accounts"
# Built once: a sale at the counter runs these, and building a statement costs more than
# running it.
_MAX_VOUCHER_ID = select(func.max(voucher_table.c.id))
_LAST_NUMBER = select(func.max(voucher_table.c.number)).where(
    voucher_table.c.voucher_type == bindparam("type"), voucher_table.c.fy == bindparam("fy")
)
_ACTIVE = select(accounts.c.id).where(
    accounts.c.active, accounts.c.id.in_(bindparam("ids", expanding=True))
)


class _Postable:
    """Which accounts may be posted to (active ones) and which are cash or bank, read once
    per unit of work: only the accounts the vouchers name (a shop with thousands of
    customers has as many accounts), and cash or bank only when a contra, payment or
    receipt asks (a sale at the counter never does)."""

    def __init__(self, conn: Connection) -> None:
        self._active: dict[int, bool] = {}
        self._conn = conn
        self._money: set[int] | None = None

    def load(self, ids: set[AccountId]) -> None:
        missing = sorted(i for i in ids if i not in self._active)
        for start in range(0, len(missing), 900):  # SQLite's limit on bound parameters
            chunk = missing[start : start + 900]
            found = set(self._conn.execute(_ACTIVE, {"ids": chunk}).scalars())
            self._active.update((i, i in found) for i in chunk)

    def active(self, account_id: AccountId) -> bool:
        return self._active.get(account_id, False)

    def cash_or_bank(self) -> set[int]:
        if self._money is None:
            self._money = set(queries.cash_and_bank_ids(self._conn))
        return self._money


def _day_total_upsert() -> Any:
    upsert = sqlite_insert(account_day_totals)
    return upsert.on_conflict_do_update(
        index_elements=["account_id", "day"],
        set_={"amount": account_day_totals.c.amount + upsert.excluded.amount},
    )


# Built once: ``excluded`` makes a fresh column collection on every call (about 0.7 ms).
_DAY_TOTAL_UPSERT = _day_total_upsert()


def _add_day_totals(uow: UnitOfWork, totals: dict[tuple[int, date], int]) -> None:
    uow.conn.execute(
        _DAY_TOTAL_UPSERT,
        [
            {"account_id": account, "day": day, "amount": Decimal(paise) / 100}
            for (account, day), paise in totals.items()
        ],
    )


def _check_postable(
    voucher: Voucher,
    profile: CompanyProfile,
    locked_until: date | None,
    postable: _Postable,
) -> None:
    if voucher.posting_date < profile.books_begin:
        raise ValidationError(
            f"{voucher.posting_date:%d-%m-%Y} is before the books begin "
            f"({profile.books_begin:%d-%m-%Y}). Post it on or after that date."
        )
    if locked_until is not None and voucher.posting_date <= locked_until:
        raise PeriodLocked(
            f"The books are locked up to {locked_until:%d-%m-%Y}, so nothing can be posted on "
            f"{voucher.posting_date:%d-%m-%Y}. Ask the owner or accountant to unlock the period."
        )
    for line in voucher.lines:
        if not postable.active(line.account_id):
            raise NotFound(f"Account {line.account_id} does not exist or is inactive.")
    if voucher.reverses is None:  # a reversal mirrors a voucher that passed these rules
        _check_type_rules(voucher, postable)


def _check_type_rules(voucher: Voucher, postable: _Postable) -> None:
    """Tally's rules: contra moves money between cash and bank only; payments and receipts
    go out of or into cash or bank."""
    kind = voucher.voucher_type
    if kind not in (VoucherType.CONTRA, VoucherType.PAYMENT, VoucherType.RECEIPT):
        return
    cash_or_bank = postable.cash_or_bank()
    money_lines = [line for line in voucher.lines if line.account_id in cash_or_bank]
    if kind is VoucherType.CONTRA and len(money_lines) != len(voucher.lines):
        raise ValidationError("A contra voucher moves money between cash and bank accounts only.")
    if kind is VoucherType.PAYMENT and not any(line.amount < 0 for line in money_lines):
        raise ValidationError("A payment voucher must credit a cash or bank account.")
    if kind is VoucherType.RECEIPT and not any(line.amount > 0 for line in money_lines):
        raise ValidationError("A receipt voucher must debit a cash or bank account.")


def reverse_voucher(
    company: Company, voucher_id: VoucherId, posting_date: date, narration: str = ""
) -> PostedVoucher:
    """Cancel a posted voucher with its mirror image; the original stays as it was."""
    with company.unit_of_work() as uow:
        posted = reverse_in(uow, company.profile, voucher_id, posting_date, narration)
        uow.commit()
    return posted


def reverse_in(
    uow: UnitOfWork,
    profile: CompanyProfile,
    voucher_id: VoucherId,
    posting_date: date,
    narration: str = "",
    permission: Permission = Permission.POST_VOUCHERS,
) -> PostedVoucher:
    """Write the reversal of a voucher in ``uow`` (a cancelled invoice reverses its own)."""
    original = queries.voucher(uow.conn, voucher_id)
    if original.reverses is not None:
        raise Conflict(f"Voucher {original.number_text} is itself a reversal.")
    if queries.reversed_by(uow.conn, voucher_id) is not None:
        raise Conflict(f"Voucher {original.number_text} has already been reversed.")
    model = Voucher(
        original.voucher_type,
        original.posting_date,
        tuple(Line(line.account_id, line.amount) for line in original.lines),
        original.narration,
        original.reference,
    )
    text = narration or f"Reversal of {original.number_text}"
    return post_in(uow, profile, [model.reversal(posting_date, voucher_id, text)], permission)[0]


def lock_period(company: Company, locked_until: date | None) -> None:
    """Lock postings up to and including a date; ``None`` unlocks everything."""
    require(company.actor, Permission.LOCK_PERIODS)
    with company.unit_of_work() as uow:
        uow.conn.execute(
            period_locks.insert().values(
                locked_until=locked_until, locked_by=uow.actor.username, at=_now()
            )
        )
        uow.record(
            "period.lock",
            "company",
            company.company_id,
            {"locked_until": locked_until.isoformat() if locked_until else None},
        )
        uow.commit()


def resolve_accounts(company: Company, names: Iterable[str]) -> dict[str, AccountId]:
    """Account ids by name (case-insensitive); names the first that does not exist."""
    with company.reader() as conn:
        found = queries.account_ids_by_name(conn)
    result = {}
    for name in names:
        account_id = found.get(" ".join(name.split()).casefold())
        if account_id is None:
            raise NotFound(
                f"There is no account named {name!r}. Create it first, or check the spelling."
            )
        result[name] = account_id
    return result
