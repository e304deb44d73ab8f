"""Migration 0006 on a company that already holds stock: the per-item totals are built from
the moves, and the trigger keeps them from then on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.inventory.checks import check_stock
from app.inventory.model import GodownId, ItemDraft, Move, MoveKind, StockEntry
from app.inventory.service import add_godown, add_item, post_stock
from app.inventory.stock_reports import stock_summary
from app.inventory.tables import item_stock_totals
from app.money import D
from app.storage import migrate
from app.storage.company import Company, open_with_key
from tests.conftest import CompanyFactory
from tests.factories import raw_execute

MAIN = GodownId(1)


def _entry(ref: str, *moves: Move) -> StockEntry:
    return StockEntry(MoveKind.ADJUSTMENT, date(2025, 5, 1), "test", ref, moves)


def test_upgrade_builds_the_totals_from_existing_moves(make_company: CompanyFactory) -> None:
    company: Company = make_company()
    rice = add_item(company, ItemDraft(name="Rice", unit="KGS"))
    dal = add_item(company, ItemDraft(name="Dal", unit="KGS"))
    back = add_godown(company, "Back Room")
    post_stock(company, _entry("1", Move(rice, MAIN, D("12.5")), Move(rice, back, D("3"))))
    post_stock(company, _entry("2", Move(dal, MAIN, D("4")), Move(rice, MAIN, D("-0.5"))))
    folder, key = company.folder, company.database_key
    company.close()
    # The company as revision 0005 left it: no totals, no trigger, the old group index.
    raw_execute(
        company,
        "DROP TRIGGER stock_moves_item_totals",
        "DROP TABLE item_stock_totals",
        "DROP INDEX ix_items_group_name",
        "CREATE INDEX ix_items_stock_group ON items (stock_group)",
        "UPDATE alembic_version SET version_num = '0005'",
    )
    reopened = open_with_key(folder, key, "owner")
    try:
        assert migrate.current_revision(reopened.engine) == migrate.HEAD
        with reopened.reader() as conn:
            assert dict(
                conn.execute(select(item_stock_totals.c.item_id, item_stock_totals.c.qty)).all()
            ) == {rice: D("15.000"), dal: D("4.000")}
            assert check_stock(conn) == []
        post_stock(reopened, _entry("3", Move(dal, back, D("1"))))
        with reopened.reader() as conn:
            assert [(r.name, r.qty) for r in stock_summary(conn)] == [
                ("Dal", D("5")),
                ("Rice", D("15")),
            ]
            assert check_stock(conn) == []
    finally:
        reopened.close()
