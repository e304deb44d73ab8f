"""Posting, numbering, reversals, locks and immutability against a real SQLCipher company."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text, update

from app.errors import Conflict, NotFound, PeriodLocked, ValidationError
from app.ledger import queries
from app.ledger.model import Line, UnbalancedVoucher, Voucher, VoucherId, VoucherType
from app.ledger.service import (
    add_account,
    lock_period,
    post_in,
    post_voucher,
    post_vouchers,
    resolve_accounts,
    reverse_voucher,
)
from app.ledger.tables import account_day_totals, accounts
from app.money import D
from app.storage.access import Role
from app.storage.company import Company
from app.storage.users import add_user
from tests.factories import (
    INTEGRITY_ERRORS,
    audit_rows,
    bank_account,
    counts,
    payment,
    voucher,
)
from tests.factories import accounts as account_ids

MAY = date(2025, 5, 10)


def _view(company: Company, voucher_id: VoucherId) -> queries.VoucherView:
    with company.reader() as conn:
        return queries.voucher(conn, voucher_id)


def _balances(company: Company, as_of: date = date(2027, 3, 31)) -> dict[int, object]:
    with company.reader() as conn:
        return dict(queries.balances(conn, as_of))


class TestPosting:
    def test_payment_is_written_with_lines_and_audit(self, company: Company) -> None:
        rent, electricity, cash = account_ids(company, "Rent", "Electricity", "Cash")
        posted = post_voucher(
            company,
            voucher(
                VoucherType.PAYMENT,
                MAY,
                [(rent, "12000.00"), (electricity, "1850.50"), (cash, "-13850.50")],
                narration="May rent and power",
                reference="CHQ 1234",
            ),
        )
        assert posted.number == 1
        assert posted.number_text == "PMT/2025-26/1"
        assert posted.voucher_type is VoucherType.PAYMENT
        assert posted.posting_date == MAY
        view = _view(company, posted.id)
        assert view.number_text == "PMT/2025-26/1"
        assert view.narration == "May rent and power"
        assert view.reference == "CHQ 1234"
        assert view.reverses is None
        assert view.total == D("13850.50")
        assert [(line.account, str(line.amount)) for line in view.lines] == [
            ("Rent", "12000.00"),
            ("Electricity", "1850.50"),
            ("Cash", "-13850.50"),
        ]
        assert _balances(company) == {
            rent: D("12000.00"),
            electricity: D("1850.50"),
            cash: D("-13850.50"),
        }
        (row,) = audit_rows(company, "voucher.post")
        assert row["entity_id"] == str(posted.id)
        assert '"number":"PMT/2025-26/1"' in row["details"]

    def test_day_totals_add_up_per_account_and_day(self, company: Company) -> None:
        rent, cash = account_ids(company, "Rent", "Cash")
        post_voucher(company, payment(company, "100.00", MAY))
        post_voucher(company, payment(company, "250.25", MAY))
        post_voucher(company, payment(company, "0.75", date(2025, 5, 11)))
        with company.reader() as conn:
            rows = conn.execute(
                select(account_day_totals).order_by(
                    account_day_totals.c.account_id, account_day_totals.c.day
                )
            ).all()
            assert queries.balances(conn, date(2025, 5, 10)) == {
                rent: D("350.25"),
                cash: D("-350.25"),
            }
            assert queries.balances(conn, date(2025, 5, 31), since=date(2025, 5, 11)) == {
                rent: D("0.75"),
                cash: D("-0.75"),
            }
            assert queries.balances(conn, date(2025, 5, 9)) == {}
        assert [(r.account_id, r.day, str(r.amount)) for r in rows] == sorted(
            [
                (rent, MAY, "350.25"),
                (rent, date(2025, 5, 11), "0.75"),
                (cash, MAY, "-350.25"),
                (cash, date(2025, 5, 11), "-0.75"),
            ]
        )

    def test_posting_before_books_begin_is_refused(self, company: Company) -> None:
        before = counts(company)
        with pytest.raises(
            ValidationError, match=r"31-03-2025 is before the books begin \(01-04-2025\)"
        ):
            post_voucher(company, payment(company, "10.00", date(2025, 3, 31)))
        assert counts(company) == before
        post_voucher(company, payment(company, "10.00", date(2025, 4, 1)))
        assert counts(company)[0] == before[0] + 1

    def test_unknown_account_is_refused_and_nothing_written(self, company: Company) -> None:
        (cash,) = account_ids(company, "Cash")
        before = counts(company)
        bad = voucher(VoucherType.JOURNAL, MAY, [(cash, "5.00"), (99999, "-5.00")])  # type: ignore[list-item]
        with pytest.raises(NotFound, match="Account 99999 does not exist or is inactive"):
            post_voucher(company, bad)
        assert counts(company) == before

    def test_inactive_account_is_refused(self, company: Company) -> None:
        rent, cash = account_ids(company, "Rent", "Cash")
        with company.unit_of_work() as uow:
            uow.conn.execute(update(accounts).where(accounts.c.id == rent).values(active=False))
            uow.commit()
        with pytest.raises(NotFound, match=f"Account {rent} does not exist or is inactive"):
            post_voucher(company, voucher("Journal", MAY, [(rent, "1"), (cash, "-1")]))

    def test_unbalanced_voucher_never_reaches_the_service(self, company: Company) -> None:
        rent, cash = account_ids(company, "Rent", "Cash")
        with pytest.raises(UnbalancedVoucher, match=r"differ by 0.01"):
            voucher(VoucherType.PAYMENT, MAY, [(rent, "100.00"), (cash, "-99.99")])
        with pytest.raises(ValidationError, match="more than two decimals"):
            voucher(VoucherType.PAYMENT, MAY, [(rent, "100.001"), (cash, "-100.001")])
        with pytest.raises(UnbalancedVoucher):
            Voucher(VoucherType.PAYMENT, MAY, ())

    def test_empty_batch_posts_nothing(self, company: Company) -> None:
        before = counts(company)
        assert post_vouchers(company, []) == []
        assert counts(company) == before


class TestTypeRules:
    def test_contra_between_cash_and_bank(self, company: Company) -> None:
        bank = bank_account(company)
        (cash,) = account_ids(company, "Cash")
        posted = post_voucher(company, voucher("Contra", MAY, [(bank, "5000"), (cash, "-5000")]))
        assert posted.number_text == "CTR/2025-26/1"

    def test_contra_with_another_account_is_refused(self, company: Company) -> None:
        bank = bank_account(company)
        (rent,) = account_ids(company, "Rent")
        before = counts(company)
        with pytest.raises(
            ValidationError, match="contra voucher moves money between cash and bank"
        ):
            post_voucher(company, voucher("Contra", MAY, [(rent, "10"), (bank, "-10")]))
        assert counts(company) == before

    def test_bank_sub_group_and_overdraft_count_as_money(self, company: Company) -> None:
        od = add_account(company, "SBI Overdraft", "Bank OD A/c")
        (cash,) = account_ids(company, "Cash")
        post_voucher(company, voucher("Contra", MAY, [(cash, "10"), (od, "-10")]))
        with company.reader() as conn:
            assert od in queries.cash_and_bank_ids(conn)
            assert cash in queries.cash_and_bank_ids(conn)

    def test_payment_must_credit_cash_or_bank(self, company: Company) -> None:
        rent, cash, capital = account_ids(company, "Rent", "Cash", "Capital")
        with pytest.raises(ValidationError, match="payment voucher must credit a cash or bank"):
            post_voucher(company, voucher("Payment", MAY, [(rent, "10"), (capital, "-10")]))
        with pytest.raises(ValidationError, match="payment voucher must credit a cash or bank"):
            post_voucher(company, voucher("Payment", MAY, [(cash, "10"), (capital, "-10")]))

    def test_receipt_must_debit_cash_or_bank(self, company: Company) -> None:
        sales, cash, capital = account_ids(company, "Sales", "Cash", "Capital")
        posted = post_voucher(company, voucher("Receipt", MAY, [(cash, "10"), (sales, "-10")]))
        assert posted.number_text == "RCT/2025-26/1"
        with pytest.raises(ValidationError, match="receipt voucher must debit a cash or bank"):
            post_voucher(company, voucher("Receipt", MAY, [(sales, "10"), (cash, "-10")]))
        with pytest.raises(ValidationError, match="receipt voucher must debit a cash or bank"):
            post_voucher(company, voucher("Receipt", MAY, [(capital, "10"), (sales, "-10")]))

    def test_journal_has_no_cash_rule(self, company: Company) -> None:
        rent, capital = account_ids(company, "Rent", "Capital")
        posted = post_voucher(company, voucher("Journal", MAY, [(rent, "10"), (capital, "-10")]))
        assert posted.number_text == "JV/2025-26/1"


class TestNumbering:
    def test_series_per_type_per_financial_year(self, company: Company) -> None:
        cash, sales = account_ids(company, "Cash", "Sales")
        numbers = [
            post_voucher(company, payment(company, "1.00", date(2025, 4, 1))).number_text,
            post_voucher(company, payment(company, "1.00", date(2026, 3, 31))).number_text,
            post_voucher(
                company, voucher("Receipt", MAY, [(cash, "1"), (sales, "-1")])
            ).number_text,
            post_voucher(company, payment(company, "1.00", date(2026, 4, 1))).number_text,
            post_voucher(company, payment(company, "1.00", date(2026, 4, 2))).number_text,
            post_voucher(company, payment(company, "1.00", date(2025, 12, 1))).number_text,
        ]
        assert numbers == [
            "PMT/2025-26/1",
            "PMT/2025-26/2",
            "RCT/2025-26/1",
            "PMT/2026-27/1",
            "PMT/2026-27/2",
            "PMT/2025-26/3",
        ]

    def test_batch_numbers_follow_on(self, company: Company) -> None:
        post_voucher(company, payment(company, "1.00"))
        posted = post_vouchers(
            company,
            [
                payment(company, "2.00"),
                payment(company, "3.00", date(2026, 5, 1)),
                payment(company, "4.00"),
            ],
        )
        assert [p.number_text for p in posted] == [
            "PMT/2025-26/2",
            "PMT/2026-27/1",
            "PMT/2025-26/3",
        ]
        assert [p.id for p in posted] == [2, 3, 4]


class TestBatches:
    def test_batch_is_all_or_nothing(self, company: Company) -> None:
        rent, cash = account_ids(company, "Rent", "Cash")
        post_voucher(company, payment(company, "1.00"))
        before = counts(company)
        batch = [
            payment(company, "10.00"),
            payment(company, "20.00"),
            voucher("Journal", MAY, [(rent, "5"), (424242, "-5")]),  # type: ignore[list-item]
        ]
        with pytest.raises(NotFound, match="Account 424242"):
            post_vouchers(company, batch)
        assert counts(company) == before
        assert _balances(company) == {rent: D("1.00"), cash: D("-1.00")}
        # numbering did not skip
        assert post_voucher(company, payment(company, "2.00")).number_text == "PMT/2025-26/2"

    def test_failure_after_posting_in_a_unit_of_work_rolls_back(self, company: Company) -> None:
        before = counts(company)
        with pytest.raises(RuntimeError, match="invoice failed"), company.unit_of_work() as uow:
            posted = post_in(uow, company.profile, [payment(company, "10.00")])
            assert posted[0].number_text == "PMT/2025-26/1"
            raise RuntimeError("invoice failed")
        assert counts(company) == before
        assert _balances(company) == {}


class TestLocks:
    def test_locked_period_refuses_and_writes_nothing(self, company: Company) -> None:
        lock_period(company, date(2025, 6, 30))
        before = counts(company)
        with pytest.raises(
            PeriodLocked,
            match=r"locked up to 30-06-2025, so nothing can be posted on 30-06-2025",
        ):
            post_voucher(company, payment(company, "10.00", date(2025, 6, 30)))
        with pytest.raises(PeriodLocked):
            post_vouchers(
                company,
                [payment(company, "1.00", date(2025, 7, 1)), payment(company, "1.00", MAY)],
            )
        assert counts(company) == before
        assert post_voucher(company, payment(company, "10.00", date(2025, 7, 1))).number == 1

    def test_unlock_and_relock(self, company: Company) -> None:
        add_user(company, "asha", Role.ACCOUNTANT, "asha-secret-1")
        lock_period(company, date(2025, 6, 30))
        lock_period(company.as_user("asha"), None)
        post_voucher(company, payment(company, "10.00", MAY))
        lock_period(company, date(2025, 5, 31))
        with pytest.raises(PeriodLocked):
            post_voucher(company, payment(company, "10.00", MAY))
        with company.reader() as conn:
            assert queries.locked_until(conn) == date(2025, 5, 31)
        details = [r["details"] for r in audit_rows(company, "period.lock")]
        assert details == [
            '{"locked_until":"2025-06-30"}',
            '{"locked_until":null}',
            '{"locked_until":"2025-05-31"}',
        ]

    def test_reversal_into_a_locked_period_is_refused(self, company: Company) -> None:
        posted = post_voucher(company, payment(company, "10.00", MAY))
        lock_period(company, date(2025, 5, 31))
        before = counts(company)
        with pytest.raises(PeriodLocked):
            reverse_voucher(company, posted.id, MAY)
        assert counts(company) == before
        assert reverse_voucher(company, posted.id, date(2025, 6, 1)).number_text == "PMT/2025-26/2"


class TestReversal:
    def test_reversal_mirrors_and_leaves_the_original(self, company: Company) -> None:
        rent, electricity, cash = account_ids(company, "Rent", "Electricity", "Cash")
        original = post_voucher(
            company,
            voucher(
                "Payment",
                MAY,
                [(rent, "700.00"), (electricity, "300.00"), (cash, "-1000.00")],
                narration="wrong month",
                reference="R-9",
            ),
        )
        before = _view(company, original.id)
        reversal = reverse_voucher(company, original.id, date(2025, 5, 20))
        assert reversal.number_text == "PMT/2025-26/2"
        assert reversal.posting_date == date(2025, 5, 20)
        view = _view(company, reversal.id)
        assert view.reverses == original.id
        assert view.narration == "Reversal of PMT/2025-26/1"
        assert view.reference == "R-9"
        assert [(line.account_id, line.amount) for line in view.lines] == [
            (rent, D("-700.00")),
            (electricity, D("-300.00")),
            (cash, D("1000.00")),
        ]
        assert _view(company, original.id) == before
        assert _balances(company) == {rent: D("0.00"), electricity: D("0.00"), cash: D("0.00")}
        with company.reader() as conn:
            assert queries.reversed_by(conn, original.id) == reversal.id
            assert queries.reversed_by(conn, reversal.id) is None

    def test_cannot_reverse_twice_or_reverse_a_reversal(self, company: Company) -> None:
        original = post_voucher(company, payment(company, "10.00"))
        reversal = reverse_voucher(company, original.id, MAY, narration="typo")
        assert _view(company, reversal.id).narration == "typo"
        before = counts(company)
        with pytest.raises(Conflict, match="PMT/2025-26/1 has already been reversed"):
            reverse_voucher(company, original.id, MAY)
        with pytest.raises(Conflict, match="PMT/2025-26/2 is itself a reversal"):
            reverse_voucher(company, reversal.id, MAY)
        assert counts(company) == before

    def test_reverse_unknown_voucher(self, company: Company) -> None:
        with pytest.raises(NotFound, match="There is no voucher 77"):
            reverse_voucher(company, VoucherId(77), MAY)

    def test_reversal_in_next_year_takes_that_years_number(self, company: Company) -> None:
        original = post_voucher(company, payment(company, "10.00", date(2026, 3, 31)))
        reversal = reverse_voucher(company, original.id, date(2026, 4, 1))
        assert reversal.number_text == "PMT/2026-27/1"


class TestImmutability:
    @pytest.mark.parametrize(
        ("statement", "table"),
        [
            ("UPDATE postings SET amount = amount + 100", "postings"),
            ("DELETE FROM postings", "postings"),
            ("UPDATE vouchers SET narration = 'edited'", "vouchers"),
            ("DELETE FROM vouchers", "vouchers"),
        ],
    )
    def test_posted_rows_cannot_change(self, company: Company, statement: str, table: str) -> None:
        posted = post_voucher(company, payment(company, "10.00"))
        before = _view(company, posted.id)
        with (
            pytest.raises(INTEGRITY_ERRORS, match=f"{table} rows cannot be changed or deleted"),
            company.engine.connect() as conn,
        ):
            conn.execute(text(statement))
        assert _view(company, posted.id) == before


class TestAccounts:
    def test_default_chart(self, company: Company) -> None:
        with company.reader() as conn:
            chart = queries.chart(conn)
            assert len(chart) == 38
            by_name = {a.name: a for a in chart}
            assert by_name["Cash"].primary_group == "Current Assets"
            assert by_name["Cash"].group == "Cash-in-Hand"
            assert by_name["Sales"].direct is True
            assert by_name["Rent"].nature == "expense"
            assert queries.account_by_key(conn, "cash") == by_name["Cash"].id
            with pytest.raises(NotFound, match="no bank charges2 account"):
                queries.account_by_key(conn, "bank_charges2")
        assert [r["action"] for r in audit_rows(company)][:2] == ["company.create", "chart.install"]

    def test_add_account(self, company: Company) -> None:
        new = add_account(company, "  Gupta   Hardware  ", "Sundry Creditors")
        assert resolve_accounts(company, ["gupta hardware"]) == {"gupta hardware": new}
        with pytest.raises(Conflict, match="already exists"):
            add_account(company, "GUPTA HARDWARE", "Sundry Debtors")
        with pytest.raises(Conflict):
            add_account(company, "cash", "Cash-in-Hand")
        with pytest.raises(NotFound, match="no account group 'Nowhere'"):
            add_account(company, "Something", "Nowhere")
        with pytest.raises(ValidationError, match="needs a name"):
            add_account(company, "   ", "Sundry Creditors")
        assert audit_rows(company, "account.add")[-1]["details"] == (
            '{"group":"Sundry Creditors","name":"Gupta Hardware"}'
        )

    def test_resolve_unknown_account(self, company: Company) -> None:
        with pytest.raises(NotFound, match="no account named 'Renty'"):
            resolve_accounts(company, ["Rent", "Renty"])


class TestQueries:
    def test_day_book_and_account_postings(self, company: Company) -> None:
        rent, electricity, cash = account_ids(company, "Rent", "Electricity", "Cash")
        late = post_voucher(company, payment(company, "30.00", date(2025, 6, 2), "late"))
        early = post_voucher(
            company,
            voucher(
                "Payment",
                date(2025, 6, 1),
                [(rent, "10.00"), (electricity, "5.00"), (cash, "-15.00")],
                narration="early",
            ),
        )
        post_voucher(company, payment(company, "99.00", date(2025, 7, 1)))
        with company.reader() as conn:
            book = queries.vouchers_between(conn, date(2025, 6, 1), date(2025, 6, 30))
            assert [v.id for v in book] == [early.id, late.id]
            lines = list(queries.account_postings(conn, cash, date(2025, 6, 1), date(2025, 6, 30)))
        assert [(p.number_text, p.amount, p.other_accounts) for p in lines] == [
            ("PMT/2025-26/2", D("-15.00"), "Rent, Electricity"),
            ("PMT/2025-26/1", D("-30.00"), "Rent"),
        ]
        assert lines[0].narration == "early"


def test_postings_keep_exact_paise_for_large_amounts(company: Company) -> None:
    rent, cash = account_ids(company, "Rent", "Cash")
    big = "98765432109876.54"
    posted = post_voucher(
        company,
        Voucher(VoucherType.PAYMENT, MAY, (Line(rent, D(big)), Line(cash, -D(big)))),
    )
    assert _view(company, posted.id).lines[0].amount == D(big)
    assert _balances(company)[rent] == D(big)


def test_concurrent_writers_never_share_a_number_or_break_the_chain(company: Company) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from app.ledger.checks import check_books

    def post_ten(worker: int) -> list[str]:
        return [
            post_voucher(company, payment(company, f"{worker}.{n:02d}")).number_text
            for n in range(1, 11)
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = [n for batch in pool.map(post_ten, range(1, 5)) for n in batch]
    assert sorted(numbers) == sorted(f"PMT/2025-26/{n}" for n in range(1, 41))
    result = check_books(company)
    assert result.ok, result.problems
    assert result.vouchers == 40


def test_narration_round_trips_exactly(company: Company) -> None:
    text_in = "किराया — May rent ✓ 'quoted' \"double\" \n second line" + "x" * 440
    posted = post_voucher(company, payment(company, "1.00", narration=text_in))
    assert _view(company, posted.id).narration == text_in
