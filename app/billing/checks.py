"""The whole-company check: the ledger's own checks, stock against its moves, and every
document against its lines, its voucher and its series (DESIGN.md §4)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from sqlalchemy import Connection, func, select

from app.billing.model import DocStatus
from app.billing.tables import document_lines, documents
from app.inventory.checks import check_stock
from app.inventory.closing import StockClosing, stale_closings
from app.ledger.checks import BooksCheck, Problem, check_connection
from app.ledger.tables import postings
from app.money import format_inr
from app.storage.company import Company
from app.storage.types import raw_paise

_SERIAL = re.compile(r"^(.*?)(\d+)$")


def check_company(company: Company) -> BooksCheck:
    with company.reader() as conn:
        books = check_connection(conn)
        extra = [Problem("stock", problem) for problem in check_stock(conn)]
        extra += [_stale_closing(closing) for closing in stale_closings(conn)]
        extra += check_documents(conn)
    return replace(books, problems=books.problems + tuple(extra))


def _stale_closing(closing: StockClosing) -> Problem:
    return Problem(
        "closing stock",
        f"the journal posted for {closing.as_of:%d-%m-%Y} leaves the stock at "
        f"{format_inr(closing.in_ledger + closing.brought_in)}, but the stock moves now value "
        f"it at {format_inr(closing.stock_value)} (a move dated on or before that day was "
        "entered or cancelled later); post the closing stock for that day again",
    )


def check_documents(conn: Connection) -> list[Problem]:
    problems = _line_total_problems(conn)
    problems += _voucher_problems(conn)
    problems += _series_problems(conn)
    return problems


def _line_total_problems(conn: Connection) -> list[Problem]:
    c = document_lines.c
    sums = conn.execute(
        select(c.document_id, func.sum(raw_paise(c.taxable)), func.sum(raw_paise(c.igst))).group_by(
            c.document_id
        )
    ).all()
    by_doc = {doc_id: (int(taxable), int(igst)) for doc_id, taxable, igst in sums}
    found = []
    for row in conn.execute(
        select(
            documents.c.id,
            documents.c.number,
            raw_paise(documents.c.taxable),
            raw_paise(documents.c.igst),
        )
    ):
        if by_doc.get(row[0]) != (int(row[2]), int(row[3])):
            found.append(
                Problem(f"document {row[0]} ({row[1]})", "its lines do not add up to its totals")
            )
    return found


def _voucher_problems(conn: Connection) -> list[Problem]:
    """A posted document's voucher moves exactly its grand total through the party or money
    side, so the amount debited and credited must be at least the grand total."""
    found = []
    totals: dict[int, int] = dict(
        conn.execute(
            select(postings.c.voucher_id, func.sum(raw_paise(postings.c.amount)))
            .where(raw_paise(postings.c.amount) > 0)
            .group_by(postings.c.voucher_id)
        ).all()
    )
    for row in conn.execute(
        select(
            documents.c.id,
            documents.c.number,
            documents.c.kind,
            documents.c.status,
            documents.c.voucher_id,
            documents.c.cancel_voucher_id,
            raw_paise(documents.c.grand_total),
        ).where(documents.c.voucher_id.is_not(None))
    ):
        where = f"document {row.id} ({row.number})"
        debits = totals.get(row.voucher_id)
        if debits is None:
            found.append(Problem(where, f"its voucher {row.voucher_id} is missing"))
        elif int(debits) < int(row[6]):
            found.append(Problem(where, "its voucher is smaller than its grand total"))
        if row.status == DocStatus.CANCELLED.value and row.cancel_voucher_id is None:
            found.append(Problem(where, "it is cancelled but its voucher was not reversed"))
    return found


def _series_problems(conn: Connection) -> list[Problem]:
    """Our own numbers run without gaps within each series and year (CGST Rule 46(b))."""
    serials: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for kind, fy, number in conn.execute(
        select(documents.c.kind, documents.c.fy, documents.c.number).where(
            documents.c.number_scope == "out"
        )
    ):
        match = _SERIAL.match(number)
        if match:
            serials[(kind, fy, match[1])].append(int(match[2]))
    found = []
    for (_kind, fy, prefix), numbers in serials.items():
        numbers.sort()
        expected = list(range(numbers[0], numbers[0] + len(numbers)))
        if numbers != expected or numbers[0] != 1:
            missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))[:5]
            found.append(Problem(f"series {prefix}… {fy}", f"numbers are missing: {missing}"))
    return found
