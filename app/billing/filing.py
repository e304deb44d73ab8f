"""Marking a GST return filed, and the lock that follows (issue 3, item 10).

Once GSTR-1 for a period is filed, the outward documents it reported cannot be posted,
back-dated into it or cancelled: the law expects a correction as an amendment or a note in
a later period. GSTR-3B likewise locks the purchase side of its period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, select

from app.billing.model import DocKind
from app.billing.tables import gst_filings
from app.errors import Conflict, PeriodLocked, ValidationError
from app.gst.periods import ReturnPeriod
from app.storage.access import Permission, require
from app.storage.company import Company
from app.storage.uow import UnitOfWork

RETURNS = ("GSTR-1", "GSTR-3B")


@dataclass(frozen=True)
class Filing:
    return_type: str
    period_start: date
    period_end: date
    arn: str
    filed_on: date
    marked_by: str


def mark_filed(
    company: Company, return_type: str, period: ReturnPeriod, filed_on: date, arn: str = ""
) -> None:
    if return_type not in RETURNS:
        raise ValidationError(f"Choose one of {', '.join(RETURNS)}, not {return_type!r}.")
    if filed_on < period.start:
        raise ValidationError("A return cannot be filed before its period begins.")
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.LOCK_PERIODS)
        if any(f.return_type == return_type for f in filings_covering(uow.conn, period.start)):
            raise Conflict(f"{return_type} for {period.label} is already marked filed.")
        uow.conn.execute(
            gst_filings.insert().values(
                return_type=return_type,
                period_start=period.start,
                period_end=period.end,
                arn=arn.strip(),
                filed_on=filed_on,
                marked_by=uow.actor.username,
                marked_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )
        uow.record(
            "gst.filed",
            "gst_return",
            f"{return_type}/{period.fp}",
            {"arn": arn.strip(), "filed_on": filed_on.isoformat()},
        )
        uow.commit()


def filings_covering(conn: Connection, day: date) -> list[Filing]:
    rows = conn.execute(
        select(gst_filings).where(
            gst_filings.c.period_start <= day, gst_filings.c.period_end >= day
        )
    ).mappings()
    return [
        Filing(
            r["return_type"],
            r["period_start"],
            r["period_end"],
            r["arn"],
            r["filed_on"],
            r["marked_by"],
        )
        for r in rows
    ]


_FILINGS = select(gst_filings).order_by(gst_filings.c.period_start)  # built once: every sale


def filings(conn: Connection) -> list[Filing]:
    rows = conn.execute(_FILINGS).mappings()
    return [
        Filing(
            r["return_type"],
            r["period_start"],
            r["period_end"],
            r["arn"],
            r["filed_on"],
            r["marked_by"],
        )
        for r in rows
    ]


def check_not_filed(uow: UnitOfWork, kind: DocKind, day: date) -> None:
    """Refuse a change to a document whose return has been filed."""
    if not kind.posts_voucher:
        return  # quotations, orders and challans are not in any return
    wanted = "GSTR-1" if kind.outward else "GSTR-3B"
    for filing in uow.memo("billing.filings", lambda: filings(uow.conn)):
        if filing.return_type == wanted and filing.period_start <= day <= filing.period_end:
            raise PeriodLocked(
                f"{wanted} for {filing.period_start:%B %Y} was filed on "
                f"{filing.filed_on:%d-%m-%Y}, so its documents cannot change. Record the "
                "correction as a credit or debit note dated in the current period."
            )
