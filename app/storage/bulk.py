"""Many rows into one table with one ``executemany``: the batches of bulk posting.

SQLAlchemy prepares every row's parameters in Python before handing them to the driver,
which for ten thousand document lines is most of the insert's time. ``insert_rows``
compiles the INSERT once, converts each value with its column type's own bind processor
(so ``Paise`` and ``Quantity`` refuse exactly what they refuse through SQLAlchemy) and
passes plain tuples to the driver. Tables with Python-side column defaults, or rows that
leave such a column out, go through SQLAlchemy as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect


@dataclass(frozen=True)
class _Plan:
    sql: str | None  # None: let SQLAlchemy fill the column defaults
    processors: tuple[Callable[[Any], Any] | None, ...]


_plans: dict[tuple[Table, tuple[str, ...], str], _Plan] = {}


def _plan(table: Table, names: tuple[str, ...], dialect: Dialect) -> _Plan:
    key = (table, names, dialect.name)
    plan = _plans.get(key)
    if plan is None:
        given = set(names)
        if any(column.default is not None for column in table.c if column.name not in given):
            plan = _Plan(None, ())
        else:
            quote = dialect.identifier_preparer
            plan = _Plan(
                f"INSERT INTO {quote.format_table(table)} "
                f"({', '.join(quote.format_column(table.c[name]) for name in names)}) "
                f"VALUES ({', '.join('?' for _ in names)})",  # the driver's qmark style
                tuple(
                    table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                    for name in names
                ),
            )
        _plans[key] = plan
    return plan


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table``, in the caller's transaction."""
    if not rows:
        return
    names = tuple(rows[0])
    plan = _plan(table, names, conn.dialect)
    if plan.sql is None:
        conn.execute(table.insert(), list(rows))
        return
    if any(len(row) != len(names) for row in rows):
        raise ValueError(f"every row for {table.name} needs the same columns")
    columns = []  # converted column by column: one map() per column, not a call per cell
    for name, process in zip(names, plan.processors, strict=True):
        values = [row[name] for row in rows]
        columns.append(values if process is None else list(map(process, values)))
    conn.exec_driver_sql(plan.sql, list(zip(*columns, strict=True)))
