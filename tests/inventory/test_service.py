"""Inventory services against a real encrypted company."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.errors import AccessDenied, Conflict, NotFound, PeriodLocked, ValidationError
from app.inventory import queries
from app.inventory.barcodes import ScaleEmbeds, ScaleFormat, make_scale_barcode
from app.inventory.checks import check_stock
from app.inventory.model import (
    ExpiredBatch,
    GodownId,
    ItemDraft,
    ItemId,
    Move,
    MoveKind,
    NegativeStock,
    StockEntry,
    UnitConversion,
    ValuationMethod,
)
from app.inventory.service import (
    CountLine,
    StockLine,
    add_batch,
    add_godown,
    add_item,
    add_items,
    count_stock,
    post_stock,
    reverse_stock_in,
    set_item_active,
    set_opening_stock,
    transfer_stock,
    update_item,
)
from app.inventory.settings import (
    inventory_settings,
    set_negative_stock,
    set_scale_format,
    set_valuation_method,
)
from app.inventory.tables import item_stock_totals, stock_moves
from app.ledger.service import lock_period
from app.money import D
from app.storage.access import Role
from app.storage.company import Company
from app.storage.users import add_user
from tests.factories import INTEGRITY_ERRORS, audit_rows, raw_execute

MAIN = GodownId(1)
MAY = date(2025, 5, 10)


def salt(**changes: object) -> ItemDraft:
    base: dict[str, object] = {
        "name": "Tata Salt 1kg",
        "unit": "PCS",
        "sku": "TS-1",
        "barcodes": ("8904063200303",),
        "hsn": "2501",
        "gst_rate": D("5"),
        "mrp": D("30.00"),
        "sale_price": D("28.00"),
        "purchase_price": D("24.00"),
        "prices": (("wholesale", D("26.50")),),
        "conversions": (UnitConversion("BOX", D("12")),),
        "group": "Grocery",
        "reorder_level": D("10"),
    }
    return ItemDraft(**{**base, **changes})  # type: ignore[arg-type]


def sale(item: ItemId, qty: str, source: str = "1", day: date = MAY, **extra: object) -> StockEntry:
    return StockEntry(
        MoveKind.SALE,
        day,
        "sales invoice",
        source,
        (Move(item, MAIN, -D(qty), **extra),),  # type: ignore[arg-type]
    )


def purchase(item: ItemId, qty: str, value: str, source: str = "P1", **extra: object) -> StockEntry:
    return StockEntry(
        MoveKind.PURCHASE,
        MAY,
        "purchase bill",
        source,
        (Move(item, MAIN, D(qty), D(value), **extra),),  # type: ignore[arg-type]
    )


def test_add_item_and_read_it_back(company: Company) -> None:
    item_id = add_item(company, salt())
    with company.reader() as conn:
        view = queries.item(conn, item_id)
    assert view.item.name == "Tata Salt 1kg"
    assert view.item.gst_rate == D("5") and view.item.mrp == D("30.00")
    assert [code for code, _ in view.barcodes] == ["8904063200303"]
    assert view.conversions == (UnitConversion("BOX", D("12.000")),)
    assert view.price("wholesale") == D("26.50")
    assert view.price("retail") == D("28.00")  # no retail list: the sale price
    assert audit_rows(company, "item.add")[-1]["entity_id"] == str(item_id)


def test_duplicates_are_refused(company: Company) -> None:
    add_item(company, salt())
    with pytest.raises(Conflict, match="already exists"):
        add_item(company, salt(name="tata salt 1KG", sku=None, barcodes=()))
    with pytest.raises(Conflict, match="SKU TS-1"):
        add_item(company, salt(name="Other", barcodes=()))
    with pytest.raises(Conflict, match="already belongs to 'Tata Salt 1kg'"):
        add_item(company, salt(name="Other", sku="X"))


def test_a_batch_of_items_is_all_or_nothing(company: Company) -> None:
    with pytest.raises(ValidationError, match="HSN"):
        add_items(company, [salt(), salt(name="Bad", sku="B", barcodes=(), hsn="12")])
    with company.reader() as conn:
        assert queries.search_items(conn, "Tata") == []


def test_roles_decide_who_changes_what(company: Company) -> None:
    add_user(company, "ravi", Role.CASHIER, "ravi-secret-12")
    add_user(company, "audit", Role.AUDITOR, "audit-secret-12")
    item_id = add_item(company, salt())
    post_stock(company, purchase(item_id, "10", "240"))
    cashier, auditor = company.as_user("ravi"), company.as_user("audit")
    with pytest.raises(AccessDenied):
        add_item(cashier, salt(name="Other", sku=None, barcodes=()))
    with pytest.raises(AccessDenied):
        post_stock(cashier, purchase(item_id, "1", "24", "P2"))
    post_stock(cashier, sale(item_id, "1"))  # the counter sells
    with pytest.raises(AccessDenied):
        post_stock(auditor, sale(item_id, "1", "2"))
    with pytest.raises(AccessDenied):
        set_valuation_method(cashier, "average")


def test_unit_cannot_change_once_stock_moved(company: Company) -> None:
    item_id = add_item(company, salt())
    update_item(company, item_id, salt(sale_price=D("29.00")))
    post_stock(company, purchase(item_id, "10", "240"))
    with pytest.raises(Conflict, match="unit cannot change"):
        update_item(company, item_id, salt(unit="KGS"))
    update_item(company, item_id, salt(barcodes=("8904063200310",)))
    with company.reader() as conn:
        assert queries.item_by_barcode(conn, "8904063200310") is not None
        assert queries.item_by_barcode(conn, "8904063200303") is None
        assert queries.item(conn, item_id).item.sale_price == D("28.00")


def test_inactive_items_take_no_moves(company: Company) -> None:
    item_id = add_item(company, salt())
    set_item_active(company, item_id, False)
    with pytest.raises(ValidationError, match="inactive"):
        post_stock(company, purchase(item_id, "1", "24"))
    with company.reader() as conn:
        assert queries.search_items(conn, "Tata") == []
        assert [r.id for r in queries.search_items(conn, "Tata", include_inactive=True)] == [
            item_id
        ]


def test_opening_stock_transfer_and_value(company: Company) -> None:
    item_id = add_item(company, salt())
    back = add_godown(company, "Back Room")
    set_opening_stock(company, MAIN, [StockLine(item_id, D("24"), value=D("576.00"))])
    transfer_stock(company, MAIN, back, [StockLine(item_id, D("10"))], MAY)
    with company.reader() as conn:
        assert queries.on_hand(conn, item_id, MAIN) == D("14")
        assert queries.on_hand(conn, item_id, back) == D("10")
        assert queries.on_hand(conn, item_id) == D("24")
        # a transfer changes where the stock is, not what it is worth
        for method in ValuationMethod:
            assert queries.closing_stock_value(conn, MAY, method) == D("576.00")
    with pytest.raises(ValidationError, match="two different godowns"):
        transfer_stock(company, back, back, [StockLine(item_id, D("1"))], MAY)


def test_negative_stock_warns_or_blocks_by_setting(company: Company) -> None:
    item_id = add_item(company, salt())
    post_stock(company, purchase(item_id, "5", "120"))
    posted = post_stock(company, sale(item_id, "7"))
    assert posted.warnings == (
        "Negative stock: Tata Salt 1kg in Main Godown would be -2.000 after this entry.",
    )
    set_negative_stock(company, "block")
    with pytest.raises(NegativeStock, match="Not enough stock: Tata Salt 1kg"):
        post_stock(company, sale(item_id, "1", "2"))
    with company.reader() as conn:
        assert queries.on_hand(conn, item_id) == D("-2")  # the refused sale left nothing


def test_settings_round_trip(company: Company) -> None:
    with company.reader() as conn:
        assert inventory_settings(conn).valuation is ValuationMethod.FIFO
    set_valuation_method(company, "average")
    fmt = ScaleFormat(
        prefix="2", plu_digits=6, value_digits=5, embeds=ScaleEmbeds.PRICE, value_decimals=2
    )
    set_scale_format(company, fmt)
    with company.reader() as conn:
        found = inventory_settings(conn)
    assert found.valuation is ValuationMethod.AVERAGE and found.scale == fmt
    with pytest.raises(ValidationError, match="fifo"):
        set_valuation_method(company, "lifo")
    assert audit_rows(company, "setting.change")[-1]["entity_id"] == "inventory.scale_barcode"


def _medicine(company: Company) -> tuple[ItemId, int, int]:
    item_id = add_item(
        company,
        ItemDraft(
            name="Paracetamol 500", unit="NOS", hsn="30049099", gst_rate=D("5"), batch_tracked=True
        ),
    )
    old = add_batch(company, item_id, "B1", date(2024, 1, 1), date(2025, 5, 31))
    new = add_batch(company, item_id, "B2", date(2025, 1, 1), date(2026, 12, 31))
    return item_id, old, new


def test_fefo_suggests_the_earliest_expiry_and_skips_expired(company: Company) -> None:
    item_id, old, new = _medicine(company)
    post_stock(
        company,
        StockEntry(
            MoveKind.PURCHASE,
            MAY,
            "bill",
            "1",
            (
                Move(item_id, MAIN, D("10"), D("100"), batch_id=new),
                Move(item_id, MAIN, D("4"), D("40"), batch_id=old),
            ),
        ),
    )
    with company.reader() as conn:
        picks, short = queries.fefo_batches(conn, item_id, MAIN, D("6"), MAY)
        assert [(p.batch.batch_no, p.take) for p in picks] == [("B1", D("4")), ("B2", D("2"))]
        assert short == 0
        picks, short = queries.fefo_batches(conn, item_id, MAIN, D("20"), date(2025, 6, 1))
        assert [(p.batch.batch_no, p.take) for p in picks] == [("B2", D("10"))]
        assert short == D("10")


def test_expired_batches_are_blocked_unless_the_owner_allows(company: Company) -> None:
    item_id, old, _new = _medicine(company)
    post_stock(
        company,
        StockEntry(
            MoveKind.PURCHASE,
            MAY,
            "bill",
            "1",
            (Move(item_id, MAIN, D("4"), D("40"), batch_id=old),),
        ),
    )
    late = date(2025, 6, 1)
    with pytest.raises(ExpiredBatch, match="Paracetamol 500 batch B1 expired"):
        post_stock(company, sale(item_id, "1", day=late, batch_id=old))
    with pytest.raises(ExpiredBatch):
        post_stock(company, sale(item_id, "1", day=late, batch_id=old), allow_expired=False)
    add_user(company, "asha", Role.ACCOUNTANT, "asha-secret-123")
    with pytest.raises(AccessDenied, match="Only the owner"):
        post_stock(
            company.as_user("asha"), sale(item_id, "1", day=late, batch_id=old), allow_expired=True
        )
    # the expiry day itself still sells; an adjustment can always write stock off
    post_stock(company, sale(item_id, "1", "2", day=date(2025, 5, 31), batch_id=old))
    post_stock(
        company,
        StockEntry(
            MoveKind.ADJUSTMENT,
            late,
            "stock journal",
            "x",
            (Move(item_id, MAIN, D("-1"), batch_id=old),),
        ),
    )
    post_stock(company, sale(item_id, "1", "3", day=late, batch_id=old), allow_expired=True)
    details = audit_rows(company, "stock.post")[-1]["details"]
    assert "expired_batches_allowed" in details and "B1" in details
    with company.reader() as conn:
        assert queries.on_hand(conn, item_id, batch_id=old) == D("1")


def test_batch_rules(company: Company) -> None:
    item_id, old, _ = _medicine(company)
    plain = add_item(company, salt())
    with pytest.raises(ValidationError, match="needs a batch"):
        post_stock(company, purchase(item_id, "1", "10"))
    with pytest.raises(ValidationError, match="not tracked by batch"):
        post_stock(company, purchase(plain, "1", "10", batch_id=old))
    with pytest.raises(Conflict, match="expiry date 31-05-2025"):
        add_batch(company, item_id, "B1", expiry_date=date(2025, 6, 30))
    assert add_batch(company, item_id, "B1") == old


def test_serial_numbers_are_in_stock_once(company: Company) -> None:
    phone = add_item(company, ItemDraft(name="Phone X1", unit="NOS", serial_tracked=True))
    post_stock(company, purchase(phone, "2", "20000", serials=("IMEI1", "IMEI2")))
    with pytest.raises(Conflict, match="IMEI1 is already in stock"):
        post_stock(company, purchase(phone, "1", "10000", "P2", serials=("IMEI1",)))
    with pytest.raises(ValidationError, match="IMEI9 is not in stock"):
        post_stock(company, sale(phone, "1", serials=("IMEI9",)))
    with pytest.raises(ValidationError, match="serial numbers"):
        post_stock(company, sale(phone, "1"))
    post_stock(company, sale(phone, "1", serials=("IMEI2",)))
    with company.reader() as conn:
        assert queries.serials_in_stock(conn, phone) == ["IMEI1"]


def test_reversal_undoes_a_document_once(company: Company) -> None:
    item_id = add_item(company, salt())
    post_stock(company, purchase(item_id, "10", "240"))
    post_stock(company, sale(item_id, "4", "INV-9"))
    with company.unit_of_work() as uow:
        reverse_stock_in(uow, "sales invoice", "INV-9", date(2025, 5, 12))
        uow.commit()
    with company.reader() as conn:
        assert queries.on_hand(conn, item_id) == D("10")
    with company.unit_of_work() as uow, pytest.raises(Conflict, match="already been reversed"):
        reverse_stock_in(uow, "sales invoice", "INV-9", date(2025, 5, 12))
    with company.unit_of_work() as uow, pytest.raises(NotFound):
        reverse_stock_in(uow, "sales invoice", "nope", date(2025, 5, 12))


def test_moves_inside_a_callers_unit_of_work_roll_back_with_it(company: Company) -> None:
    from app.inventory.service import post_stock_in

    item_id = add_item(company, salt())
    with company.unit_of_work() as uow:
        post_stock_in(uow, purchase(item_id, "10", "240"))
        # no commit: billing failed later in the same transaction
    with company.reader() as conn:
        assert queries.on_hand(conn, item_id) == 0
        assert conn.execute(select(func.count()).select_from(stock_moves)).scalar() == 0


def test_dates_before_the_books_or_in_a_locked_period_are_refused(company: Company) -> None:
    item_id = add_item(company, salt())
    early = StockEntry(
        MoveKind.PURCHASE, date(2025, 3, 31), "bill", "1", (Move(item_id, MAIN, D("1"), D("1")),)
    )
    with pytest.raises(ValidationError, match="before the books begin"):
        post_stock(company, early)
    lock_period(company, date(2025, 5, 31))
    with pytest.raises(PeriodLocked):
        post_stock(company, purchase(item_id, "1", "24"))


def test_moves_are_insert_only_and_the_balances_are_checked(company: Company) -> None:
    item_id = add_item(company, salt())
    post_stock(company, purchase(item_id, "10", "240"))
    for statement in ("UPDATE stock_moves SET qty = 1", "DELETE FROM stock_moves"):
        with pytest.raises(INTEGRITY_ERRORS):
            raw_execute(company, statement)
    raw_execute(company, "UPDATE stock_balances SET qty = 9000")
    with company.reader() as conn:
        assert check_stock(conn) == [
            "item 1 in godown 1: the moves add up to 10.000 but the balance says 9.000"
        ]


def test_item_totals_are_kept_by_the_database_and_checked(company: Company) -> None:
    item_id = add_item(company, salt())
    post_stock(company, purchase(item_id, "10", "240"))
    # written straight into the moves, past the service: the trigger still keeps the total
    raw_execute(
        company,
        "INSERT INTO stock_moves (item_id, godown_id, move_date, kind, qty, source_kind, "
        "source_id, line_no, created_at) VALUES (1, 1, '2025-05-02', 'adjustment', -2500, "
        "'test', 'raw', 1, '2025-05-02T10:00:00')",
    )
    with company.reader() as conn:
        assert list(conn.execute(select(item_stock_totals.c.item_id, item_stock_totals.c.qty))) == [
            (item_id, D("7.5"))
        ]
        # the balances, kept by the service, missed that move; the item total did not
        assert check_stock(conn) == [
            "item 1 in godown 1: the moves add up to 7.500 but the balance says 10.000"
        ]
    raw_execute(company, "UPDATE item_stock_totals SET qty = 1000")
    with company.reader() as conn:
        assert check_stock(conn)[0] == (
            "item 1: the moves add up to 7.500 but the item's total says 1.000"
        )


def test_physical_count_adjusts_to_the_shelf(company: Company) -> None:
    item_id = add_item(company, salt())
    post_stock(company, purchase(item_id, "10", "240"))
    posted = count_stock(company, MAIN, [CountLine(item_id, D("8"))], date(2025, 5, 20))
    assert posted is not None
    assert count_stock(company, MAIN, [CountLine(item_id, D("8"))], date(2025, 5, 21)) is None
    with company.reader() as conn:
        assert queries.on_hand(conn, item_id) == D("8")
        cost = queries.cost_of_source(conn, "stock journal", "1", ValuationMethod.FIFO)
        assert cost.cost_of_goods_out == D("48.00")  # two lost at 24.00


def test_search_as_you_type(company: Company) -> None:
    ids = add_items(
        company,
        [
            salt(),
            ItemDraft(name="Rock Salt 500g", unit="PCS", sku="RS-5"),
            ItemDraft(name="Salted Peanuts", unit="PCS", barcodes=("8901725181222",)),
            ItemDraft(name="Sugar 1kg", unit="KGS"),
        ],
    )
    with company.reader() as conn:

        def names(term: str) -> list[str]:
            return [r.name for r in queries.search_items(conn, term)]

        assert names("sal") == ["Salted Peanuts", "Rock Salt 500g", "Tata Salt 1kg"]
        assert names("s") == ["Salted Peanuts", "Sugar 1kg"]
        assert names("rs-") == ["Rock Salt 500g"]  # SKU prefix
        assert names("salt 1k") == ["Tata Salt 1kg"]  # every word of 3+ letters
        assert names("8901725181222") == ["Salted Peanuts"]
        assert names("25181") == ["Salted Peanuts"]  # part of a barcode
        assert names("100%") == []
        assert names("   ") == []
        assert [r.name for r in queries.search_items(conn, "s", limit=1)] == ["Salted Peanuts"]
    assert len(ids) == 4


def test_scale_barcode_finds_the_item_and_its_weight(company: Company) -> None:
    item_id = add_item(company, ItemDraft(name="Loose Toor Dal", unit="KGS", scale_plu="00042"))
    with company.reader() as conn:
        fmt = inventory_settings(conn).scale
        found = queries.scan(conn, make_scale_barcode("00042", D("0.750"), fmt), fmt)
        assert found is not None and found.item.id == item_id and found.quantity == D("0.750")
        assert queries.scan(conn, make_scale_barcode("00043", D("1"), fmt), fmt) is None


def test_low_stock_lists_items_at_or_below_reorder_level(company: Company) -> None:
    low = add_item(company, salt())
    fine = add_item(company, ItemDraft(name="Sugar", unit="KGS", reorder_level=D("5")))
    never = add_item(company, ItemDraft(name="Pen", unit="NOS"))
    post_stock(
        company,
        StockEntry(
            MoveKind.PURCHASE,
            MAY,
            "bill",
            "1",
            (
                Move(low, MAIN, D("3"), D("72")),
                Move(fine, MAIN, D("50"), D("2000")),
            ),
        ),
    )
    with company.reader() as conn:
        assert [(row.id, qty) for row, qty in queries.low_stock(conn)] == [(low, D("3"))]
    assert never
