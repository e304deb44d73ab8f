"""Document numbers: one series per kind, financial year and device (DESIGN.md §6).

CGST Rule 46(b): a consecutive serial of at most 16 characters of letters, digits, '/' and
'-', unique for the financial year. The serial is taken inside the posting transaction, so a
failed sale gives it back and issued numbers have no gaps; a till has its own device code so
offline tills never issue the same number.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.billing.model import DocKind
from app.billing.tables import number_series
from app.errors import ValidationError
from app.ledger.model import FinancialYear
from app.storage.settings import read_setting
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


def device_code(uow: UnitOfWork) -> str:
    return uow.memo(DEVICE_SETTING, lambda: read_setting(uow.conn, DEVICE_SETTING) or "")


def take_number(uow: UnitOfWork, kind: DocKind, year: FinancialYear) -> str:
    """The next number of the series, taken for good when ``uow`` commits."""
    device = device_code(uow)
    conn = uow.conn
    where = (
        number_series.c.kind == kind.value,
        number_series.c.fy == year.label,
        number_series.c.device == device,
    )
    row = conn.execute(
        select(number_series.c.prefix, number_series.c.next_serial).where(*where)
    ).first()
    if row is None:
        prefix, serial = DEFAULT_PREFIXES[kind], 1
        conn.execute(
            number_series.insert().values(
                kind=kind.value, fy=year.label, device=device, prefix=prefix, next_serial=2
            )
        )
    else:
        prefix, serial = row.prefix, row.next_serial
        conn.execute(number_series.update().where(*where).values(next_serial=serial + 1))
    return format_number(prefix, device, year, serial)
