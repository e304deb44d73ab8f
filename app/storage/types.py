"""Column types that keep money and quantities exact on disk (DESIGN.md §3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Dialect, type_coerce
from sqlalchemy.types import TypeDecorator

from app.money import from_paise, to_paise

_THOUSAND = Decimal(1000)


class Paise(TypeDecorator[Decimal]):
    """A Decimal amount stored as integer paise; anything but a Decimal is refused.

    SQLite's Numeric would silently keep a float, so this type never lets one through.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money column needs a Decimal, got {type(value).__name__}")
        return to_paise(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_paise(int(value))


class Quantity(TypeDecorator[Decimal]):
    """A Decimal quantity stored as integer thousandths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"quantity column needs a Decimal, got {type(value).__name__}")
        scaled = value * _THOUSAND
        if scaled != scaled.to_integral_value():
            raise ValueError(f"quantity {value} has more than three decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return (
            None if value is None else (Decimal(int(value)) / _THOUSAND).quantize(Decimal("0.001"))
        )


def raw_paise(column: ColumnElement[Decimal]) -> ColumnElement[int]:
    """The column as plain integer paise, for sums and checks that must not round-trip."""
    return type_coerce(column, BigInteger)


class Percent(TypeDecorator[Decimal]):
    """A GST rate as integer hundredths of a percent (7.5% is 750), exact on disk."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"rate column needs a Decimal, got {type(value).__name__}")
        scaled = value * 100
        if scaled != scaled.to_integral_value():
            raise ValueError(f"rate {value} has more than two decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        rate = Decimal(int(value)).scaleb(-2)
        return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()
