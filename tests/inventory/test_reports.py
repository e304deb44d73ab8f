"""Stock reports on a small, hand-checked shop."""

from __future__ import annotations

from datetime import date

import pytest

from app.inventory.model import GodownId, ItemDraft, ItemId, Move, MoveKind, StockEntry
from app.inventory.model import ValuationMethod as VM
from app.inventory.service import (
    StockLine,
    add_batch,
    add_godown,
    add_item,
    post_stock,
    set_opening_stock,
    transfer_stock,
)
from app.inventory.stock_reports import (
    ExpiryStatus,
    Movement,
    SummaryRow,
    batch_report,
    group_summary,
    item_ledger,
    movement_analysis,
    stock_summary,
    stock_summary_size,
    stock_valuation,
)
from app.money import D
from app.storage.company import Company

MAIN = GodownId(1)


def _shop(company: Company) -> dict[str, ItemId]:
    """Rice: 100 kg opening at 40, bought 50 at 46, sold 120 over April-May.
    Soap: 30 opening at 20, sold 3. Pen: 10 opening at 5, never sold."""
    ids = {
        "rice": add_item(company, ItemDraft(name="Rice", unit="KGS", group="Grocery")),
        "soap": add_item(company, ItemDraft(name="Soap", unit="PCS", group="Toiletries")),
        "pen": add_item(company, ItemDraft(name="Pen", unit="NOS", group="Stationery")),
    }
    set_opening_stock(
        company,
        MAIN,
        [
            StockLine(ids["rice"], D("100"), value=D("4000")),
            StockLine(ids["soap"], D("30"), value=D("600")),
            StockLine(ids["pen"], D("10"), value=D("50")),
        ],
    )
    post_stock(
        company,
        StockEntry(
            MoveKind.PURCHASE,
            date(2025, 4, 20),
            "bill",
            "7",
            (Move(ids["rice"], MAIN, D("50"), D("2300")),),
        ),
    )
    for n, (day, qty) in enumerate(((date(2025, 4, 10), "70"), (date(2025, 5, 5), "50"))):
        post_stock(
            company,
            StockEntry(MoveKind.SALE, day, "invoice", f"R{n}", (Move(ids["rice"], MAIN, -D(qty)),)),
        )
    post_stock(
        company,
        StockEntry(
            MoveKind.SALE, date(2025, 5, 6), "invoice", "S1", (Move(ids["soap"], MAIN, D("-3")),)
        ),
    )
    return ids


def test_stock_summary_pages_through_the_same_lines(company: Company) -> None:
    ids = _shop(company)
    emptied = add_item(company, ItemDraft(name="Ink", unit="NOS", group="Stationery"))
    post_stock(
        company,
        StockEntry(
            MoveKind.ADJUSTMENT,
            date(2025, 5, 8),
            "count",
            "C1",
            (Move(emptied, MAIN, D("2")), Move(emptied, MAIN, D("-2"))),
        ),
    )
    with company.reader() as conn:
        whole = list(stock_summary(conn))
        assert [r.name for r in whole] == ["Rice", "Pen", "Soap"]  # Ink holds nothing
        assert stock_summary_size(conn) == 3
        assert stock_summary_size(conn, include_zero=True) == 4
        assert stock_summary_size(conn, group="Stationery") == 1
        pages = [list(stock_summary(conn, offset=n, limit=2)) for n in (0, 2, 4)]
        assert pages == [whole[:2], whole[2:], []]
        with_zero = stock_summary(conn, include_zero=True)
        assert [(r.name, r.qty) for r in with_zero][1:3] == [("Ink", D("0")), ("Pen", D("10"))]
        assert len(stock_summary(conn, group="Grocery")) == 1
        assert stock_summary(conn, group="Grocery")[0].item_id == ids["rice"]


def test_a_group_name_with_a_quote_is_read_as_text(company: Company) -> None:
    # The summary's SQL carries the group as text: a quote in it must neither break the
    # query nor widen it.
    _shop(company)
    toy = add_item(company, ItemDraft(name="Top", unit="NOS", group="Kid's Toys"))
    post_stock(
        company,
        StockEntry(
            MoveKind.ADJUSTMENT, date(2025, 5, 8), "count", "C2", (Move(toy, MAIN, D("3")),)
        ),
    )
    with company.reader() as conn:
        assert [(r.name, r.qty) for r in stock_summary(conn, group="Kid's Toys")] == [
            ("Top", D("3"))
        ]
        assert list(stock_summary(conn, group="x' OR '1'='1")) == []


def test_stock_summary_by_item_godown_and_group(company: Company) -> None:
    ids = _shop(company)
    back = add_godown(company, "Back Room")
    transfer_stock(company, MAIN, back, [StockLine(ids["soap"], D("7"))], date(2025, 5, 7))
    with company.reader() as conn:
        rows = stock_summary(conn)
        assert [(r.group, r.name, r.qty) for r in rows] == [
            ("Grocery", "Rice", D("30")),
            ("Stationery", "Pen", D("10")),
            ("Toiletries", "Soap", D("27")),
        ]
        split = stock_summary(conn, by_godown=True, group="Toiletries")
        assert [(r.godown, r.qty) for r in split] == [
            ("Main Godown", D("20")),
            ("Back Room", D("7")),
        ]
        assert [r.qty for r in stock_summary(conn, godown_id=back)] == [D("7")]
        # the report's columns and its rows say the same
        assert rows.names == ("Rice", "Pen", "Soap")
        assert rows.thousandths == (30_000, 10_000, 27_000)
        assert rows[2] == SummaryRow(ids["soap"], "Soap", "Toiletries", "PCS", None, D("27"))
        groups = group_summary(conn, date(2025, 5, 31), VM.FIFO)
        assert [(g.group, g.items, g.qty_by_unit, g.value) for g in groups] == [
            ("Grocery", 1, (("KGS", D("30")),), D("1380.00")),  # 30 left of the 46.00 lot
            ("Stationery", 1, (("NOS", D("10")),), D("50.00")),
            ("Toiletries", 1, (("PCS", D("27")),), D("540.00")),
        ]


def test_item_ledger_runs_a_balance(company: Company) -> None:
    ids = _shop(company)
    with company.reader() as conn:
        ledger = item_ledger(conn, ids["rice"], date(2025, 4, 15), date(2025, 5, 31))
    assert ledger.opening == D("30")  # 100 opening less 70 sold on 10 April
    assert [(x.kind, x.inward, x.outward, x.balance) for x in ledger.lines] == [
        ("purchase", D("50"), D("0"), D("80")),
        ("sale", D("0"), D("50"), D("30")),
    ]
    assert ledger.closing == D("30")
    assert ledger.lines[0].source == "bill 7"


def test_valuation_as_of_a_date_by_method(company: Company) -> None:
    ids = _shop(company)
    with company.reader() as conn:
        early = stock_valuation(conn, date(2025, 4, 30), VM.FIFO)
        fifo = stock_valuation(conn, date(2025, 5, 31), VM.FIFO)
        average = stock_valuation(conn, date(2025, 5, 31), VM.AVERAGE)
    rice = {r.item_id: r for r in early.rows}[ids["rice"]]
    assert (rice.qty, rice.value) == (D("80"), D("3500.00"))  # 30 @ 40 + 50 @ 46
    assert fifo.total == D("1380.00") + D("540.00") + D("50.00")
    # average: 30 @ 40 = 1200, + 50 @ 46 = 3500 for 80 (43.75 each); 30 left = 1312.50
    avg_rice = {r.item_id: r for r in average.rows}[ids["rice"]]
    assert avg_rice.value == D("1312.50") and avg_rice.unit_cost == D("43.75")


def test_movement_analysis(company: Company) -> None:
    ids = _shop(company)
    with company.reader() as conn:
        rows = movement_analysis(conn, date(2025, 4, 1), date(2025, 5, 31), fast_cover_days=30)
    by_id = {r.item_id: r for r in rows}
    # rice: 120 sold in 61 days, 30 left = 15.25 days of cover
    assert by_id[ids["rice"]].movement is Movement.FAST
    assert by_id[ids["rice"]].days_of_cover == D("15.25")
    # soap: 3 in 61 days, 27 left = 549 days
    assert by_id[ids["soap"]].movement is Movement.SLOW
    assert by_id[ids["pen"]].movement is Movement.NON_MOVING
    assert [r.item_id for r in rows] == [ids["rice"], ids["soap"], ids["pen"]]


def test_batch_and_expiry_report(company: Company) -> None:
    item = add_item(company, ItemDraft(name="Curd", unit="NOS", batch_tracked=True))
    batches = {
        name: add_batch(company, item, name, expiry_date=expiry)
        for name, expiry in (
            ("C1", date(2025, 5, 1)),
            ("C2", date(2025, 6, 1)),
            ("C3", date(2026, 1, 1)),
            ("C4", None),
        )
    }
    post_stock(
        company,
        StockEntry(
            MoveKind.PURCHASE,
            date(2025, 4, 2),
            "bill",
            "1",
            tuple(Move(item, MAIN, D("5"), D("100"), batch_id=b) for b in batches.values()),
        ),
    )
    with company.reader() as conn:
        rows = batch_report(conn, date(2025, 5, 10), within_days=30)
    assert [(r.batch_no, r.status, r.days_left) for r in rows] == [
        ("C1", ExpiryStatus.EXPIRED, -9),
        ("C2", ExpiryStatus.EXPIRING, 22),
        ("C3", ExpiryStatus.GOOD, 236),
        ("C4", ExpiryStatus.NO_EXPIRY, None),
    ]


@pytest.mark.parametrize("method", list(VM))
def test_valuation_total_equals_the_closing_value(company: Company, method: VM) -> None:
    _shop(company)
    from app.inventory.queries import closing_stock_value

    with company.reader() as conn:
        day = date(2025, 5, 31)
        assert stock_valuation(conn, day, method).total == closing_stock_value(conn, day, method)
