"""check_books finds every edit made outside the services and names its row (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date

from app.ledger.checks import Problem, check_books
from app.ledger.model import VoucherType
from app.ledger.service import post_voucher, post_vouchers, reverse_voucher
from app.storage.company import Company
from tests.factories import accounts, audit_rows, bank_account, payment, raw_execute, voucher


def _use_the_books(company: Company) -> list[int]:
    """A little of everything: payments, a receipt, a contra, a batch and a reversal."""
    cash, sales, rent = accounts(company, "Cash", "Sales", "Rent")
    bank = bank_account(company)
    ids = [post_voucher(company, payment(company, "1500.00", date(2025, 4, 5))).id]
    ids.append(
        post_voucher(
            company,
            voucher(VoucherType.RECEIPT, date(2025, 4, 6), [(cash, "900"), (sales, "-900")]),
        ).id
    )
    ids.append(
        post_voucher(
            company, voucher(VoucherType.CONTRA, date(2025, 4, 7), [(bank, "500"), (cash, "-500")])
        ).id
    )
    ids += [
        p.id
        for p in post_vouchers(
            company,
            [
                voucher("Journal", date(2025, 4, 8), [(rent, "10.10"), (bank, "-10.10")]),
                payment(company, "20.20", date(2025, 4, 8)),
            ],
        )
    ]
    ids.append(reverse_voucher(company, ids[0], date(2025, 4, 9)).id)
    return ids


def test_clean_books_pass(company: Company) -> None:
    ids = _use_the_books(company)
    result = check_books(company)
    assert result.ok
    assert result.problems == ()
    assert result.first_problem is None
    assert result.vouchers == len(ids) == 6
    assert result.audit_rows == len(audit_rows(company))


def test_fresh_books_pass(company: Company) -> None:
    result = check_books(company)
    assert result.ok
    assert result.vouchers == 0
    assert result.audit_rows == 3  # company.create, chart.install, login


def test_raw_edit_of_a_balanced_voucher_is_named(company: Company) -> None:
    ids = _use_the_books(company)
    target = ids[1]  # the receipt: Dr Cash 900, Cr Sales 900
    cash, sales = accounts(company, "Cash", "Sales")
    raw_execute(
        company,
        "DROP TRIGGER postings_no_update",
        ("UPDATE postings SET amount = 95000 WHERE voucher_id = ? AND line_no = 1", (target,)),
        ("UPDATE postings SET amount = -95000 WHERE voucher_id = ? AND line_no = 2", (target,)),
    )
    result = check_books(company)
    assert not result.ok
    voucher_problems = [p for p in result.problems if p.where.startswith("voucher ")]
    assert len(voucher_problems) == 1
    (problem,) = voucher_problems
    assert problem.where.startswith(f"voucher {target} ")
    assert "2025-26/1" in problem.where
    assert problem.what == "differs from its audit record: it was edited outside Bahi"
    assert f"voucher {target} " in str(problem)
    # the stored day totals no longer match the edited postings either
    day_problems = {p.where for p in result.problems if p.where.startswith("account ")}
    assert day_problems == {f"account {cash} on 2025-04-06", f"account {sales} on 2025-04-06"}
    assert len(result.problems) == 3


def test_raw_unbalancing_edit_is_named(company: Company) -> None:
    ids = _use_the_books(company)
    raw_execute(
        company,
        "DROP TRIGGER postings_no_update",
        ("UPDATE postings SET amount = amount + 1 WHERE voucher_id = ? AND line_no = 1", (ids[2],)),
    )
    result = check_books(company)
    whats = {(p.where.split(" (")[0], p.what) for p in result.problems}
    assert (f"voucher {ids[2]}", "debits and credits do not balance") in whats
    assert ("trial balance", "debits and credits differ by 1 paise") in whats


def test_edited_audit_row_is_named(company: Company) -> None:
    _use_the_books(company)
    login = next(row for row in audit_rows(company) if row["action"] == "login")
    raw_execute(
        company,
        "DROP TRIGGER audit_log_no_update",
        ("UPDATE audit_log SET actor = 'mallory' WHERE id = ?", (login["id"],)),
    )
    result = check_books(company)
    assert result.problems == (
        Problem(f"audit row {login['id']}", "was changed after it was written (hash mismatch)"),
    )
    assert str(result.first_problem) == (
        f"audit row {login['id']}: was changed after it was written (hash mismatch)"
    )


def test_rehashed_audit_row_breaks_the_next_link(company: Company) -> None:
    from app.storage import audit

    _use_the_books(company)
    rows = audit_rows(company)
    row = rows[3]
    forged = audit.AuditEntry(
        row["at"], "mallory", row["action"], row["entity"], row["entity_id"], row["details"]
    )
    new_hash = audit.row_hash(row["prev_hash"], forged)
    raw_execute(
        company,
        "DROP TRIGGER audit_log_no_update",
        (
            "UPDATE audit_log SET actor = 'mallory', hash = ? WHERE id = ?",
            (new_hash, row["id"]),
        ),
    )
    result = check_books(company)
    assert result.problems == (
        Problem(f"audit row {rows[4]['id']}", "does not link to the row before it"),
    )


def test_deleted_voucher_audit_row_is_reported(company: Company) -> None:
    ids = _use_the_books(company)
    posted_rows = audit_rows(company, "voucher.post")
    first = next(r for r in posted_rows if r["entity_id"] == str(ids[0]))
    raw_execute(
        company,
        "DROP TRIGGER audit_log_no_delete",
        ("DELETE FROM audit_log WHERE id = ?", (first["id"],)),
    )
    result = check_books(company)
    next_id = first["id"] + 1
    assert set(result.problems) == {
        Problem(f"audit row {next_id}", f"rows {first['id']} to {first['id']} are missing"),
        Problem(f"audit row {next_id}", "does not link to the row before it"),
        Problem(
            next(p.where for p in result.problems if p.where.startswith(f"voucher {ids[0]} ")),
            "has no audit record: it was added outside Bahi",
        ),
    }


def test_deleting_the_last_audit_row_is_still_caught(company: Company) -> None:
    ids = _use_the_books(company)
    last = audit_rows(company)[-1]
    assert last["action"] == "voucher.post" and last["entity_id"] == str(ids[-1])
    raw_execute(
        company,
        "DROP TRIGGER audit_log_no_delete",
        ("DELETE FROM audit_log WHERE id = ?", (last["id"],)),
    )
    (problem,) = check_books(company).problems
    assert problem.where.startswith(f"voucher {ids[-1]} ")
    assert problem.what == "has no audit record: it was added outside Bahi"


def test_deleted_voucher_is_reported(company: Company) -> None:
    ids = _use_the_books(company)
    victim = ids[3]
    raw_execute(
        company,
        "PRAGMA foreign_keys = OFF",
        "DROP TRIGGER postings_no_delete",
        "DROP TRIGGER vouchers_no_delete",
        ("DELETE FROM postings WHERE voucher_id = ?", (victim,)),
        ("DELETE FROM vouchers WHERE id = ?", (victim,)),
    )
    result = check_books(company)
    assert Problem(f"voucher {victim}", "is in the audit log but was deleted") in result.problems


def test_voucher_added_outside_is_reported(company: Company) -> None:
    _use_the_books(company)
    cash, rent = accounts(company, "Cash", "Rent")
    raw_execute(
        company,
        "INSERT INTO vouchers (id, voucher_type, fy, number, posting_date, narration, reference,"
        " source, created_at, created_by) VALUES (100, 'Payment', '2025-26', 99, '2025-04-10',"
        " '', '', '', '2025-04-10', 'mallory')",
        (
            "INSERT INTO postings (voucher_id, line_no, account_id, posting_date, amount)"
            " VALUES (100, 1, ?, '2025-04-10', 700), (100, 2, ?, '2025-04-10', -700)",
            (rent, cash),
        ),
        (
            "INSERT INTO account_day_totals (account_id, day, amount) VALUES"
            " (?, '2025-04-10', 700), (?, '2025-04-10', -700)",
            (rent, cash),
        ),
    )
    (problem,) = check_books(company).problems
    assert problem.where.startswith("voucher 100 (")
    assert "2025-26/99" in problem.where
    assert problem.what == "has no audit record: it was added outside Bahi"


def test_day_total_edit_is_reported(company: Company) -> None:
    _use_the_books(company)
    (rent,) = accounts(company, "Rent")
    raw_execute(
        company,
        ("UPDATE account_day_totals SET amount = amount + 5 WHERE account_id = ?", (rent,)),
    )
    problems = check_books(company).problems
    assert {p.what for p in problems} == {"day total does not match its postings"}
    assert all(p.where.startswith(f"account {rent} on 2025-04-") for p in problems)
