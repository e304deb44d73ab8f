"""Hypothesis: stock on hand is the sum of moves; valuation matches simple independent models."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.inventory import queries
from app.inventory.checks import check_stock
from app.inventory.model import (
    GodownId,
    ItemDraft,
    ItemId,
    Move,
    MoveKind,
    StockEntry,
    ValuationMethod,
)
from app.inventory.service import add_godown, add_item, post_stock
from app.inventory.tables import item_stock_totals
from app.inventory.valuation import ValuedMove, replay
from app.money import D
from app.storage.company import Company
from tests.conftest import CompanyFactory

START = date(2025, 4, 1)
days = st.integers(min_value=0, max_value=364).map(lambda n: START + timedelta(days=n))
# quantities in thousandths: whole units and fractions of a kilogram alike
thousandths = st.integers(min_value=1, max_value=50_000)
SHARED = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def qty_of(n: int) -> Decimal:
    return Decimal(n).scaleb(-3).quantize(Decimal("0.001"))


@dataclass
class Shop:
    company: Company
    item_ids: tuple[ItemId, ...]
    godown_ids: tuple[GodownId, ...]
    expected: defaultdict[tuple[int, int], Decimal] = field(
        default_factory=lambda: defaultdict(lambda: Decimal(0))
    )
    history: list[tuple[date, int, int, Decimal]] = field(default_factory=list)
    entries: int = 0


@pytest.fixture
def shop(make_company: CompanyFactory) -> Shop:
    company = make_company()
    items = tuple(
        add_item(company, ItemDraft(name=f"Item {n}", unit="KGS", sale_price=D("50")))
        for n in range(3)
    )
    godowns = (GodownId(1), add_godown(company, "Back Room"))
    return Shop(company, items, godowns)


KINDS = (
    MoveKind.PURCHASE,
    MoveKind.SALE,
    MoveKind.SALES_RETURN,
    MoveKind.PURCHASE_RETURN,
    MoveKind.ADJUSTMENT,
    MoveKind.OPENING,
)


@st.composite
def entries(draw: st.DrawFn, shop: Shop) -> StockEntry:
    kind = draw(st.sampled_from(KINDS))
    lines = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        n = draw(thousandths)
        sign = kind.direction or draw(st.sampled_from((1, -1)))
        qty = qty_of(n * sign)
        value = None
        if qty > 0 and (kind in (MoveKind.PURCHASE, MoveKind.OPENING) or draw(st.booleans())):
            value = D(draw(st.integers(min_value=0, max_value=10**8))) / 100
        lines.append(
            Move(
                draw(st.sampled_from(shop.item_ids)),
                draw(st.sampled_from(shop.godown_ids)),
                qty,
                value,
            )
        )
    return StockEntry(kind, draw(days), "test", str(shop.entries), tuple(lines))


@SHARED
@given(data=st.data())
def test_on_hand_is_the_sum_of_moves_per_item_and_godown(shop: Shop, data: st.DataObject) -> None:
    batch = data.draw(st.lists(entries(shop), min_size=1, max_size=3), label="entries")
    for entry in batch:
        shop.entries += 1
        post_stock(shop.company, entry)  # negative stock is allowed with a warning by default
        for move in entry.moves:
            shop.expected[(move.item_id, move.godown_id)] += move.qty
            shop.history.append((entry.move_date, move.item_id, move.godown_id, move.qty))
    cut = data.draw(days, label="as of")
    with shop.company.reader() as conn:
        for item_id in shop.item_ids:
            total = Decimal(0)
            for godown_id in shop.godown_ids:
                here = shop.expected[(item_id, godown_id)]
                assert queries.on_hand(conn, item_id, godown_id) == here
                total += here
                early = sum(
                    (
                        q
                        for d, i, g, q in shop.history
                        if i == item_id and g == godown_id and d <= cut
                    ),
                    Decimal(0),
                )
                assert queries.on_hand_as_of(conn, item_id, cut, godown_id) == early
            assert queries.on_hand(conn, item_id) == total
            # the per-item total the database keeps (migration 0006's trigger)
            kept = conn.execute(
                select(item_stock_totals.c.qty).where(item_stock_totals.c.item_id == item_id)
            ).scalar()
            moved = any(i == item_id for _, i, _, _ in shop.history)
            assert kept == (total if moved else None)
        assert check_stock(conn) == []


# Valuation against independent models -------------------------------------------------------


def fifo_model(moves: list[tuple[int, int]]) -> tuple[list[Fraction], Fraction]:
    """Whole units, one entry per unit with its own cost: the textbook FIFO queue."""
    queue: list[Fraction] = []
    costs = []
    for qty, value in moves:
        if qty > 0:
            queue += [Fraction(value, 100 * qty)] * qty
            costs.append(Fraction(value, 100))
        else:
            taken, queue = queue[:-qty], queue[-qty:]
            costs.append(-sum(taken, Fraction(0)))
    return costs, sum(queue, Fraction(0))


def _paise(x: Fraction) -> Fraction:
    rounded = Decimal(x.numerator) / Decimal(x.denominator)
    return Fraction(rounded.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def average_model(moves: list[tuple[int, int]]) -> tuple[list[Fraction], Fraction]:
    """Perpetual weighted average: every issue at (value held / quantity held), to the paisa."""
    qty, value = 0, Fraction(0)
    costs = []
    for q, v in moves:
        if q > 0:
            qty, value = qty + q, value + Fraction(v, 100)
            costs.append(Fraction(v, 100))
        else:
            cost = value if -q == qty else _paise(value * -q / qty)
            qty, value = qty + q, value - cost
            costs.append(-cost)
    return costs, value


@st.composite
def stocked_sequences(draw: st.DrawFn) -> list[tuple[int, int]]:
    """Receipts (units, paise) and issues (-units) that never take more than is held."""
    moves: list[tuple[int, int]] = []
    held = 0
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        if held and draw(st.booleans()):
            out = draw(st.integers(min_value=1, max_value=held))
            moves.append((-out, 0))
            held -= out
        else:
            q = draw(st.integers(min_value=1, max_value=20))
            price = draw(st.integers(min_value=0, max_value=100_000))  # paise a unit
            moves.append((q, q * price))
            held += q
    return moves


def _valued(moves: list[tuple[int, int]]) -> list[ValuedMove]:
    return [
        ValuedMove(n, Decimal(q), D(v) / 100 if q > 0 else None) for n, (q, v) in enumerate(moves)
    ]


@settings(max_examples=300)
@given(stocked_sequences())
def test_fifo_matches_a_unit_by_unit_queue(moves: list[tuple[int, int]]) -> None:
    valuer, effects = replay(_valued(moves), ValuationMethod.FIFO)
    costs, closing = fifo_model(moves)
    assert [Fraction(e) for e in effects.values()] == costs
    assert Fraction(valuer.value) == closing


@settings(max_examples=300)
@given(stocked_sequences())
def test_average_matches_an_exact_fraction_model(moves: list[tuple[int, int]]) -> None:
    valuer, effects = replay(_valued(moves), ValuationMethod.AVERAGE)
    costs, closing = average_model(moves)
    assert [Fraction(e) for e in effects.values()] == costs
    assert Fraction(valuer.value) == closing


@st.composite
def any_sequences(draw: st.DrawFn) -> list[ValuedMove]:
    """Anything, negative stock and value-less receipts included."""
    moves = []
    for n in range(draw(st.integers(min_value=1, max_value=15))):
        qty = qty_of(draw(st.integers(min_value=-30_000, max_value=30_000).filter(bool)))
        value = None
        if qty > 0 and draw(st.booleans()):
            value = D(draw(st.integers(min_value=0, max_value=10**7))) / 100
        moves.append(ValuedMove(n, qty, value))
    return moves


@settings(max_examples=300)
@given(any_sequences(), st.sampled_from(tuple(ValuationMethod)))
def test_value_follows_the_moves_and_zero_stock_is_worth_zero(
    moves: list[ValuedMove], method: ValuationMethod
) -> None:
    valuer, effects = replay(moves, method)
    assert valuer.qty == sum((m.qty for m in moves), Decimal(0))
    assert valuer.value == sum(effects.values(), Decimal(0))
    assert valuer.value == valuer.value.quantize(Decimal("0.01"))
    if valuer.qty == 0:
        assert valuer.value == 0
    elif valuer.qty < 0:
        assert valuer.value <= 0
    else:
        assert valuer.value >= 0
    for move in moves:
        if move.qty > 0 and move.value is not None and effects[move.move_id] != move.value:
            # only a receipt that fills a shortage may differ from its invoice value
            before = sum((m.qty for m in moves if m.move_id < move.move_id), Decimal(0))
            assert before < 0


@SHARED
@given(moves=stocked_sequences(), method=st.sampled_from(tuple(ValuationMethod)))
def test_stored_moves_value_like_the_models(
    shop: Shop, moves: list[tuple[int, int]], method: ValuationMethod
) -> None:
    """Through the real services and database: each sale's cost and the closing value."""
    shop.entries += 1
    item_id = add_item(shop.company, ItemDraft(name=f"Valued {shop.entries}", unit="PCS"))
    sales = []
    for n, (q, v) in enumerate(moves):
        day = START + timedelta(days=n)
        godown = shop.godown_ids[n % 2]
        if q > 0:
            entry = StockEntry(
                MoveKind.PURCHASE,
                day,
                "bill",
                f"{shop.entries}/{n}",
                (Move(item_id, godown, Decimal(q), D(v) / 100),),
            )
        else:
            entry = StockEntry(
                MoveKind.SALE,
                day,
                "invoice",
                f"{shop.entries}/{n}",
                (Move(item_id, godown, Decimal(q)),),
            )
            sales.append(n)
        post_stock(shop.company, entry)
    costs, closing = (fifo_model if method is ValuationMethod.FIFO else average_model)(moves)
    with shop.company.reader() as conn:
        for n in sales:
            cost = queries.cost_of_source(conn, "invoice", f"{shop.entries}/{n}", method)
            assert Fraction(cost.cost_of_goods_out) == -costs[n]
        values = {row.item_id: row for row in queries.item_values(conn, date(2026, 3, 31), method)}
        assert Fraction(values[item_id].value) == closing
        assert values[item_id].qty == sum(q for q, _ in moves)
