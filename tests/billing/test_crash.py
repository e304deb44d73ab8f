"""kill -9 during a sale leaves a whole invoice or none: document, lines, voucher, stock."""

from __future__ import annotations

import sys
import textwrap
from datetime import date

import pytest
from sqlalchemy import func, select

from app.billing import queries
from app.billing.tables import documents
from app.inventory import queries as stock_queries
from app.inventory.checks import check_stock
from app.inventory.model import GodownId, ItemDraft
from app.inventory.service import StockLine, add_item, set_opening_stock
from app.ledger import queries as ledger_queries
from app.ledger.checks import check_books
from app.money import D
from app.storage.company import open_company
from tests.conftest import OWNER_PASSWORD, CompanyFactory
from tests.factories import kill_mid_run

CHILD = textwrap.dedent(
    """
    import sys
    from datetime import date
    from pathlib import Path

    from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
    from app.billing.service import post_document
    from app.money import D
    from app.storage.company import open_company

    folder, password, item = sys.argv[1:4]
    company = open_company(Path(folder), "owner", password)
    print("ready", flush=True)
    for n in range(1, 100_000):
        line = DraftLine("Tea 250 g", D("1"), D(f"{100 + n % 7}"), D("5"), item_id=int(item),
                         hsn="0902", price_includes_tax=True)
        draft = DocumentDraft(DocKind.SALES_INVOICE, date(2025, 6, 1), (line, line),
                              tenders=(Tender(PaymentMode.CASH, D("1000")),))
        posted = post_document(company, draft)
        print(posted.document.id, flush=True)
    """
)

KILL_AFTER = 25


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_mid_sale_leaves_whole_invoices_only(make_company: CompanyFactory) -> None:
    company = make_company()
    item = add_item(company, ItemDraft("Tea 250 g", hsn="0902", gst_rate=D("5")))
    set_opening_stock(company, GodownId(1), [StockLine(item, D("100000"), value=D("1000"))])
    folder = company.folder
    company.close()

    printed = kill_mid_run(CHILD, [str(folder), OWNER_PASSWORD, str(item)], KILL_AFTER)

    with open_company(folder, "owner", OWNER_PASSWORD) as reopened:
        result = check_books(reopened)
        assert result.ok, result.problems
        with reopened.reader() as conn:
            assert check_stock(conn) == []
            count = conn.execute(select(func.count()).select_from(documents)).scalar_one()
            assert len(printed) <= count <= len(printed) + 1
            posted = queries.documents_between(conn, date(2025, 6, 1), date(2025, 6, 1))
            # Numbers run without a gap, and every invoice has both lines, its voucher and
            # its stock: nothing half-written.
            assert [d.number for d in posted] == [f"INV/2526/{n:04d}" for n in range(1, count + 1)]
            for doc in posted:
                assert len(doc.lines) == 2 and doc.voucher_id is not None
                voucher = ledger_queries.voucher(conn, doc.voucher_id)
                cash = [x.amount for x in voucher.lines if x.account == "Cash"]
                assert cash == [doc.grand_total]
            assert stock_queries.on_hand(conn, item) == D("100000") - 2 * count
