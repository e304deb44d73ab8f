"""Rows as the driver gives them, for the few reads that return a hundred thousand rows.

SQLAlchemy's Row objects and result types cost about as much again as SQLite's own work on
such a read (the stock summary of 100,000 items, a month's GSTR-1 groups). A query whose
columns need no conversion (integers as stored, text) can skip them: ``plain_rows`` runs it
in the caller's transaction through the DB-API cursor and returns plain tuples.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Select


def plain_rows(conn: Connection, query: Select[Any]) -> Sequence[tuple[Any, ...]]:
    """``query``'s rows as plain tuples, unconverted. Its values are written into the SQL
    text (SQLAlchemy quotes them), so they must be plain numbers, dates or text."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_sql(conn, query))
        return cursor.fetchall()  # type: ignore[no-any-return]
    finally:
        cursor.close()


def plain_row_stream(
    conn: Connection, query: Select[Any], batch: int = 10_000
) -> Iterator[tuple[Any, ...]]:
    """``plain_rows`` for a read too long to hold at once (a million stock moves): the rows
    come ``batch`` at a time, in the caller's transaction, which must outlast the loop."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_sql(conn, query))
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()


def _sql(conn: Connection, query: Select[Any]) -> str:
    return str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a read's rows become tuples: with 100,000 new
    objects it runs often enough to add a third to a month's GSTR-1 and a quarter to the
    stock summary of 100,000 items (measured on the benches). Rows form no cycles, so
    reference counting still frees them; the desktop app runs the collector from a timer."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
