"""Document numbers: one series per kind, financial year and device (DESIGN.md §6).

CGST Rule 46(b): a consecutive serial of at most 16 characters of letters, digits, '/' and
'-', unique for the financial year. The serial is taken inside the posting transaction, so a
failed sale gives it back and issued numbers have no gaps; a till has its own device code so
offline tills never issue the same number.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, bindparam, select

from app.billing.model import DocKind
from app.billing.tables import number_series
from app.errors import ValidationError
from app.ledger.model import FinancialYear
from app.storage.access import Permission, require
from app.storage.company import Company
from app.storage.settings import read_setting, write_setting
from app.storage.uow import UnitOfWork

MAX_LENGTH = 16
SERIAL_DIGITS = 4  # grows past 9999 on its own
DEVICE_SETTING = "billing.device_code"
ALLOWED = re.compile(r"^[A-Za-z0-9/-]{1,16}$")

DEFAULT_PREFIXES = {
    DocKind.SALES_INVOICE: "INV",
    DocKind.BILL_OF_SUPPLY: "BOS",
    DocKind.CREDIT_NOTE: "CN",
    DocKind.DEBIT_NOTE: "DN",
    DocKind.PURCHASE_BILL: "PB",  # our own reference; the supplier's number is kept too
    DocKind.PURCHASE_RETURN: "PRN",
    DocKind.QUOTATION: "QTN",
    DocKind.SALES_ORDER: "SO",
    DocKind.DELIVERY_CHALLAN: "DC",
}


def number_problem(text: str) -> str | None:
    if not ALLOWED.match(text):
        return (
            f"Document number {text!r} must be 1 to 16 characters of letters, digits, "
            "'/' and '-' (CGST Rule 46(b))."
        )
    return None


def format_number(prefix: str, device: str, year: FinancialYear, serial: int) -> str:
    """'INV/2526/0042', or 'INV-B/2526/0042' from till B."""
    head = f"{prefix}-{device}" if device else prefix
    text = f"{head}/{year.start.year % 100:02d}{year.end.year % 100:02d}/{serial:0{SERIAL_DIGITS}d}"
    problem = number_problem(text)
    if problem:
        raise ValidationError(f"{problem} Shorten the series prefix or the device code.")
    return text


PREFIX_SETTING = "billing.prefix."  # + the kind: the company's own series prefix
_PREFIX = re.compile(r"^[A-Z1-9][A-Z0-9-]*$")


def series_prefix(uow: UnitOfWork, kind: DocKind) -> str:
    """The prefix a new series of ``kind`` starts with: the company's choice or the default."""
    key = PREFIX_SETTING + kind.value
    return uow.memo(key, lambda: read_setting(uow.conn, key) or DEFAULT_PREFIXES[kind])


def series_prefixes(conn: Connection) -> dict[DocKind, str]:
    return {
        kind: read_setting(conn, PREFIX_SETTING + kind.value) or default
        for kind, default in DEFAULT_PREFIXES.items()
    }


def prefix_problem(prefix: str, device: str = "") -> str | None:
    """What is wrong with a series prefix. Capitals, digits and '-' only (the e-invoice refuses
    small letters and a leading 0; '/' separates the year), short enough that the longest
    number of the series, serial 9999 from this till, keeps to 16 characters (Rule 46(b))."""
    if not _PREFIX.match(prefix):
        return (
            f"Prefix {prefix!r} may have only capital letters, digits and '-', and may not "
            "start with 0 or '-'."
        )
    head = f"{prefix}-{device}" if device else prefix
    length = len(head) + len("/2526/9999")
    if length > MAX_LENGTH:
        room = MAX_LENGTH - len("/2526/9999") - (len(device) + 1 if device else 0)
        return (
            f"Prefix {prefix!r} makes numbers of {length} characters; CGST Rule 46(b) allows "
            f"{MAX_LENGTH}, so use at most {room} characters."
        )
    return None


def set_series_prefix(company: Company, kind: DocKind, prefix: str) -> tuple[str, ...]:
    """Choose the prefix that ``kind``'s new series start with. A series already started keeps
    its prefix to its year's end (its serials must run on without a gap); returns the
    financial years whose series keep an older prefix."""
    require(company.actor, Permission.MANAGE_ACCOUNTS)
    prefix = prefix.strip().upper()
    with company.unit_of_work() as uow:
        device = device_code(uow)
        problem = prefix_problem(prefix, device)
        if problem:
            raise ValidationError(problem)
        write_setting(uow, PREFIX_SETTING + kind.value, prefix)
        kept = uow.conn.execute(
            select(number_series.c.fy)
            .where(
                number_series.c.kind == kind.value,
                number_series.c.device == device,
                number_series.c.prefix != prefix,
            )
            .order_by(number_series.c.fy)
        ).scalars()
        years = tuple(kept)
        uow.commit()
    return years


def device_code(uow: UnitOfWork) -> str:
    return uow.memo(DEVICE_SETTING, lambda: read_setting(uow.conn, DEVICE_SETTING) or "")


def take_number(uow: UnitOfWork, kind: DocKind, year: FinancialYear) -> str:
    """The next number of the series, taken for good when ``uow`` commits."""
    numbering = Numbering(uow)
    number = numbering.take(kind, year)
    numbering.save()
    return number


class Numbering:
    """Serials for the documents of one posting: each series is read once and its next
    serial written back once (``save``), in the posting's transaction, so a batch that
    rolls back gives every serial back and the issued numbers stay gap-free."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        # (kind, fy) -> [prefix, next serial, whether the series row exists]
        self._series: dict[tuple[DocKind, str], list[Any]] = {}

    def take(self, kind: DocKind, year: FinancialYear) -> str:
        device = device_code(self._uow)
        key = (kind, year.label)
        state = self._series.get(key)
        if state is None:
            row = read_series(self._uow.conn, kind, year.label, device)
            state = [series_prefix(self._uow, kind), 1, False] if row is None else [*row, True]
            self._series[key] = state
        number = format_number(state[0], device, year, state[1])
        state[1] += 1
        return number

    def save(self) -> None:
        device = device_code(self._uow)
        conn = self._uow.conn
        for (kind, fy), (prefix, next_serial, stored) in self._series.items():
            save_series(conn, kind, fy, device, prefix, next_serial, stored=stored)
            self._series[(kind, fy)] = [prefix, next_serial, True]


# Built once: every sale runs both, and building a statement costs more than running it.
_SERIES = (
    number_series.c.kind == bindparam("s_kind"),
    number_series.c.fy == bindparam("s_fy"),
    number_series.c.device == bindparam("s_device"),
)
_READ_SERIES = select(number_series.c.prefix, number_series.c.next_serial).where(*_SERIES)
_SAVE_SERIES = number_series.update().where(*_SERIES).values(next_serial=bindparam("serial"))


def read_series(conn: Connection, kind: DocKind, fy: str, device: str) -> Any:
    """A series' (prefix, next serial) row, or None before its first number."""
    return conn.execute(
        _READ_SERIES, {"s_kind": kind.value, "s_fy": fy, "s_device": device}
    ).first()


def save_series(
    conn: Connection,
    kind: DocKind,
    fy: str,
    device: str,
    prefix: str,
    next_serial: int,
    *,
    stored: bool,
) -> None:
    """Write a series' next serial back: its row updated, or inserted the first time."""
    if stored:
        conn.execute(
            _SAVE_SERIES,
            {"s_kind": kind.value, "s_fy": fy, "s_device": device, "serial": next_serial},
        )
    else:
        conn.execute(
            number_series.insert().values(
                kind=kind.value, fy=fy, device=device, prefix=prefix, next_serial=next_serial
            )
        )
