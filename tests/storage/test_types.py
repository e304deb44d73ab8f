"""Paise and Quantity columns keep amounts exact and refuse floats (DESIGN.md §3)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, create_engine, select, text
from sqlalchemy.exc import StatementError

from app.money import D
from app.storage.types import Paise, Quantity

_meta = MetaData()
_things = Table(
    "things",
    _meta,
    Column("id", Integer, primary_key=True),
    Column("amount", Paise),
    Column("qty", Quantity),
)


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    _meta.create_all(engine)
    yield engine
    engine.dispose()


def test_paise_stored_as_integer_and_read_back_with_two_places(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(_things.insert(), [{"amount": D("12.5")}, {"amount": D("-0.01")}])
        raw = conn.execute(text("SELECT amount, typeof(amount) FROM things ORDER BY id")).all()
        back = conn.execute(select(_things.c.amount).order_by(_things.c.id)).scalars().all()
    assert [tuple(r) for r in raw] == [(1250, "integer"), (-1, "integer")]
    assert [str(v) for v in back] == ["12.50", "-0.01"]


@pytest.mark.parametrize("value", [12.5, 1, "12.50"])
def test_paise_refuses_anything_but_decimal(engine: Engine, value: object) -> None:
    with engine.begin() as conn, pytest.raises(StatementError, match="needs a Decimal"):
        conn.execute(_things.insert().values(amount=value))


def test_paise_refuses_three_decimals(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(StatementError, match="more than two decimal"):
        conn.execute(_things.insert().values(amount=D("1.005")))


def test_paise_null_passes_through(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(_things.insert().values(amount=None))
        assert conn.execute(select(_things.c.amount)).scalar() is None


def test_paise_direct_calls() -> None:
    column = Paise()
    assert column.process_bind_param(D("0.07"), None) == 7  # type: ignore[arg-type]
    assert column.process_result_value(123456, None) == Decimal("1234.56")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        column.process_bind_param(0.07, None)  # type: ignore[arg-type]


def test_quantity_thousandths(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(_things.insert().values(qty=D("2.125")))
        assert conn.execute(text("SELECT qty FROM things")).scalar() == 2125
        assert str(conn.execute(select(_things.c.qty)).scalar()) == "2.125"
    with engine.begin() as conn, pytest.raises(StatementError, match="more than three"):
        conn.execute(_things.insert().values(qty=D("1.0005")))
    with engine.begin() as conn, pytest.raises(StatementError, match="needs a Decimal"):
        conn.execute(_things.insert().values(qty=1.5))
