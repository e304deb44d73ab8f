"""kill -9 in the middle of posting leaves whole vouchers only (DESIGN.md §5)."""

from __future__ import annotations

import sys
import textwrap
from datetime import date

import pytest

from app.ledger import queries
from app.ledger.checks import check_books
from app.storage.company import open_company
from tests.conftest import OWNER_PASSWORD, CompanyFactory
from tests.factories import accounts, kill_mid_run

CHILD = textwrap.dedent(
    """
    import sys
    from datetime import date
    from pathlib import Path

    from app.ledger.model import Line, Voucher, VoucherType
    from app.ledger.service import post_voucher
    from app.money import D
    from app.storage.company import open_company

    folder, password, rent, electricity, cash = sys.argv[1:6]
    company = open_company(Path(folder), "owner", password)
    print("ready", flush=True)
    for n in range(1, 100_000):
        lines = (
            Line(int(rent), D(f"{n}.25")),
            Line(int(electricity), D("1.50")),
            Line(int(cash), -D(f"{n}.25") - D("1.50")),
        )
        posted = post_voucher(
            company,
            Voucher(VoucherType.PAYMENT, date(2025, 6, 1), lines, narration=f"crash {n}"),
        )
        print(posted.id, flush=True)
    """
)

KILL_AFTER = 40


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_mid_posting_leaves_a_prefix_of_whole_vouchers(
    make_company: CompanyFactory,
) -> None:
    company = make_company()
    rent, electricity, cash = accounts(company, "Rent", "Electricity", "Cash")
    folder = company.folder
    company.close()

    args = [str(folder), OWNER_PASSWORD, str(rent), str(electricity), str(cash)]
    printed = kill_mid_run(CHILD, args, KILL_AFTER)

    with open_company(folder, "owner", OWNER_PASSWORD) as reopened:
        result = check_books(reopened)
        assert result.ok, result.problems
        with reopened.reader() as conn:
            views = queries.vouchers_between(conn, date(2025, 6, 1), date(2025, 6, 1))
        present = len(views)
        # every voucher the child reported is there (synchronous=FULL); at most one more
        # was committed before its id could be printed
        assert [v.id for v in views[: len(printed)]] == printed
        assert len(printed) <= present <= len(printed) + 1
        assert present < 99_999  # it really was killed mid-way
        # a prefix of what the child attempted, each voucher whole
        assert [v.narration for v in views] == [f"crash {n}" for n in range(1, present + 1)]
        for n, view in enumerate(views, start=1):
            assert [(line.account_id, str(line.amount)) for line in view.lines] == [
                (rent, f"{n}.25"),
                (electricity, "1.50"),
                (cash, f"-{n + 1}.75"),
            ]
            assert view.number_text == f"PMT/2025-26/{n}"
