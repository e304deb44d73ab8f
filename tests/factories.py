"""Small builders for tests: amounts, vouchers, account ids, raw database access."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlcipher3 import dbapi2 as sqlcipher

from app.ledger.model import AccountId, Line, Voucher, VoucherType
from app.ledger.service import add_account, resolve_accounts
from app.ledger.tables import postings, vouchers
from app.money import D
from app.storage.company import Company
from app.storage.tables import audit_log

FY_2025 = (date(2025, 4, 1), date(2026, 3, 31))


def rupees(paise: int) -> Decimal:
    """The amount for integer paise, built from a string as amounts always are."""
    sign = "-" if paise < 0 else ""
    whole, part = divmod(abs(paise), 100)
    return D(f"{sign}{whole}.{part:02d}")


def accounts(company: Company, *names: str) -> list[AccountId]:
    found = resolve_accounts(company, names)
    return [found[name] for name in names]


def bank_account(company: Company, name: str = "HDFC Bank") -> AccountId:
    return add_account(company, name, "Bank Accounts")


def voucher(
    kind: VoucherType | str,
    day: date,
    lines: Iterable[tuple[AccountId, str]],
    narration: str = "",
    reference: str = "",
) -> Voucher:
    """A voucher from (account, signed amount as a string) pairs: + debit, - credit."""
    return Voucher(
        VoucherType(kind) if isinstance(kind, str) else kind,
        day,
        tuple(Line(account, D(amount)) for account, amount in lines),
        narration,
        reference,
    )


def payment(
    company: Company, amount: str, day: date = date(2025, 5, 10), narration: str = ""
) -> Voucher:
    """Rent paid in cash."""
    rent, cash = accounts(company, "Rent", "Cash")
    return voucher(
        VoucherType.PAYMENT, day, [(rent, amount), (cash, f"-{amount}")], narration=narration
    )


def counts(company: Company) -> tuple[int, int, int]:
    """(vouchers, postings, audit rows) now in the books."""
    with company.reader() as conn:
        return (
            conn.execute(select(func.count()).select_from(vouchers)).scalar_one(),
            conn.execute(select(func.count()).select_from(postings)).scalar_one(),
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
        )


def audit_rows(company: Company, action: str | None = None) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.id)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    with company.reader() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def raw_connection(path: Path, key: bytes) -> Any:
    """A plain sqlcipher3 connection, outside every Bahi service (for tampering tests)."""
    con = sqlcipher.connect(str(path))
    con.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return con


def raw_execute(company: Company, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    """Run SQL on the company's file through a raw connection and commit."""
    con = raw_connection(company.db_path, company.database_key)
    try:
        for statement in statements:
            if isinstance(statement, tuple):
                con.execute(*statement)
            else:
                con.execute(statement)
        con.commit()
    finally:
        con.close()


def file_bytes(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


# The engine hands SQLAlchemy sqlcipher3 connections; their errors may surface unwrapped.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlcipher.IntegrityError, IntegrityError)


def kill_mid_run(script: str, args: list[str], after: int) -> list[int]:
    """Run ``script`` in a child Python that prints "ready" and then one id per committed
    write; SIGKILL it once ``after`` ids are out. Returns every id it printed."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed: list[int] = []
    try:
        assert child.stdout is not None
        deadline = time.monotonic() + 60
        first = child.stdout.readline().strip()
        assert first == "ready", child.stderr.read() if child.stderr else ""
        while len(printed) < after and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            printed.append(int(line))
        os.kill(child.pid, signal.SIGKILL)
        rest, errors = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    printed += [int(x) for x in rest.split()]
    assert child.returncode == -signal.SIGKILL, errors
    assert len(printed) >= after, errors
    return printed
