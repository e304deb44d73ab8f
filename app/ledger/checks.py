"""``check_books``: re-verify what the books claim (DESIGN.md §4).

It checks that the audit chain is intact, that every voucher balances and still says what
its audit row fingerprinted, that every voucher has an audit row, that the per-day totals
match the postings, and that the trial balance nets to zero. Each problem names its row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from app.ledger.model import VoucherType, voucher_digest
from app.ledger.tables import account_day_totals, postings, vouchers
from app.storage import audit
from app.storage.company import Company
from app.storage.tables import audit_log
from app.storage.types import raw_paise


@dataclass(frozen=True)
class Problem:
    where: str  # "audit row 12", "voucher 7 (PMT/2025-26/3)"
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass(frozen=True)
class BooksCheck:
    problems: tuple[Problem, ...]
    vouchers: int
    audit_rows: int

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def check_books(company: Company) -> BooksCheck:
    with company.reader() as conn:
        return check_connection(conn)


def check_connection(conn: Connection) -> BooksCheck:
    problems = [Problem(f"audit row {b.row_id}", b.problem) for b in audit.verify_chain(conn)]
    problems += _voucher_problems(conn)
    problems += _day_total_problems(conn)
    total = conn.execute(select(func.sum(raw_paise(postings.c.amount)))).scalar() or 0
    if total != 0:
        problems.append(Problem("trial balance", f"debits and credits differ by {total} paise"))
    audit_rows = conn.execute(select(func.count()).select_from(audit_log)).scalar() or 0
    count = conn.execute(select(func.count()).select_from(vouchers)).scalar() or 0
    return BooksCheck(tuple(problems), int(count), int(audit_rows))


def _voucher_problems(conn: Connection) -> list[Problem]:
    recorded = {
        int(vid): details["digest"] for vid, details in audit.entries_for(conn, "voucher.post")
    }
    lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
    raw = select(
        postings.c.voucher_id, postings.c.account_id, raw_paise(postings.c.amount)
    ).order_by(postings.c.voucher_id, postings.c.line_no)
    for voucher_id, account_id, paise in conn.execute(raw):
        lines[voucher_id].append((account_id, paise))
    problems = []
    query = select(
        vouchers.c.id,
        vouchers.c.voucher_type,
        vouchers.c.fy,
        vouchers.c.number,
        vouchers.c.posting_date,
        vouchers.c.narration,
        vouchers.c.reference,
        vouchers.c.reverses_id,
    ).order_by(vouchers.c.id)
    for row in conn.execute(query):
        prefix = VoucherType(row.voucher_type).prefix
        where = f"voucher {row.id} ({prefix}/{row.fy}/{row.number})"
        own = lines.pop(row.id, [])
        if sum(paise for _, paise in own) != 0:
            problems.append(Problem(where, "debits and credits do not balance"))
        digest = voucher_digest(
            row.voucher_type,
            row.number,
            _as_date(row.posting_date),
            row.narration,
            row.reference,
            row.reverses_id,
            own,
        )
        expected = recorded.pop(row.id, None)
        if expected is None:
            problems.append(Problem(where, "has no audit record: it was added outside Bahi"))
        elif digest != expected:
            problems.append(
                Problem(where, "differs from its audit record: it was edited outside Bahi")
            )
    for voucher_id in sorted(lines):
        problems.append(Problem(f"voucher {voucher_id}", "has postings but no voucher row"))
    for voucher_id in sorted(recorded):
        problems.append(Problem(f"voucher {voucher_id}", "is in the audit log but was deleted"))
    return problems


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _day_total_problems(conn: Connection) -> list[Problem]:
    from_postings = {
        (account, str(day)): int(total)
        for account, day, total in conn.execute(
            select(
                postings.c.account_id,
                postings.c.posting_date,
                func.sum(raw_paise(postings.c.amount)),
            ).group_by(postings.c.account_id, postings.c.posting_date)
        )
    }
    problems = []
    for account, day, total in conn.execute(
        select(
            account_day_totals.c.account_id,
            account_day_totals.c.day,
            raw_paise(account_day_totals.c.amount),
        )
    ):
        if from_postings.pop((account, str(day)), 0) != total:
            problems.append(
                Problem(f"account {account} on {day}", "day total does not match its postings")
            )
    for account, day in sorted(from_postings):
        problems.append(Problem(f"account {account} on {day}", "postings have no day total"))
    return problems
