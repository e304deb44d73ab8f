"""Sales margin for a period: what each sale earned over what its goods cost.

The books keep the periodic method (statements.py): purchases are expensed and the stock
valuation supplies the closing stock, so no voucher says what one sale cost. Here each sales
document's stock moves are costed by the company's method (FIFO or weighted average) from one
replay of every move up to the period's end (``inventory.queries.move_effects``): an outward
move's cost is minus its effect on the stock's value. A credit note counts as a negative sale:
the goods it takes back return at cost, the value it gives back comes off the sales. Lines
without stock (services, a price-only note) add value and no cost.

Cancelled documents are left out: the cancellation reverses their voucher and stock. Debit
notes to customers (a price raised after the invoice) are sales value with no goods.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy import Connection, select

from app.billing.model import DocKind, DocStatus
from app.billing.tables import document_lines, documents
from app.errors import ValidationError
from app.inventory import queries as stock_queries
from app.inventory.closing import METHOD_NAMES
from app.inventory.model import MoveKind, ValuationMethod, from_thousandths
from app.inventory.settings import inventory_settings
from app.inventory.tables import items, raw_thousandths, stock_moves
from app.money import ZERO, from_paise, round_paise
from app.reports.table import Cell, Table
from app.storage.company import Company
from app.storage.plain_rows import plain_rows
from app.storage.types import raw_paise

# Sales documents and the sign of their value; only invoices, bills of supply and credit
# notes move stock (billing's stock entries).
SALES_SIGN = {
    DocKind.SALES_INVOICE: 1,
    DocKind.BILL_OF_SUPPLY: 1,
    DocKind.DEBIT_NOTE: 1,
    DocKind.CREDIT_NOTE: -1,
}
_KIND_NAMES = {
    DocKind.SALES_INVOICE: "Invoice",
    DocKind.BILL_OF_SUPPLY: "Bill of supply",
    DocKind.DEBIT_NOTE: "Debit note",
    DocKind.CREDIT_NOTE: "Credit note",
}
WITHOUT_ITEM = "(lines without an item)"  # services and other lines that carry no stock

By = Literal["invoice", "item"]


def margin_percent(margin: Decimal, value: Decimal) -> Decimal | None:
    """Margin as a percentage of the sale value, to two places (half up, as paise round);
    None where there is no value to divide by."""
    return None if value == 0 else round_paise(margin * 100 / value)


class _Margined:
    """Value less cost, and that as a share of the value: a sale's, an item's."""

    value: Decimal
    cost: Decimal

    @property
    def margin(self) -> Decimal:
        return self.value - self.cost

    @property
    def margin_pct(self) -> Decimal | None:
        return margin_percent(self.margin, self.value)


@dataclass(frozen=True)
class DocumentMargin(_Margined):
    document_id: int
    kind: DocKind
    number: str
    doc_date: date
    party: str
    value: Decimal  # taxable value of the lines (without GST); negative for a credit note
    cost: Decimal  # cost of the goods; negative for goods taken back


@dataclass(frozen=True)
class ItemMargin(_Margined):
    item_id: int | None  # None: the lines without an item
    name: str
    unit: str
    qty: Decimal  # goods sold less goods taken back, in the item's base unit
    value: Decimal
    cost: Decimal


@dataclass(frozen=True)
class SalesMargins:
    start: date
    end: date
    method: ValuationMethod
    documents: tuple[DocumentMargin, ...]  # by date, then entry
    items: tuple[ItemMargin, ...]  # by name; the lines without an item last

    @property
    def value(self) -> Decimal:
        return sum((d.value for d in self.documents), ZERO)

    @property
    def cost(self) -> Decimal:
        return sum((d.cost for d in self.documents), ZERO)

    @property
    def margin(self) -> Decimal:
        return self.value - self.cost

    @property
    def margin_pct(self) -> Decimal | None:
        return margin_percent(self.margin, self.value)

    def _title(self, by: By) -> str:
        method = METHOD_NAMES[self.method]
        return f"Sales margin by {by} {self.start:%d-%m-%Y} to {self.end:%d-%m-%Y} ({method})"

    def table(self, by: By = "invoice") -> Table:
        total: tuple[Cell, ...] = (self.value, self.cost, self.margin, self.margin_pct)
        rows: list[tuple[Cell, ...]]
        columns: tuple[str, ...]
        if by == "invoice":
            rows = [
                (
                    d.doc_date,
                    d.number,
                    _KIND_NAMES[d.kind],
                    d.party,
                    d.value,
                    d.cost,
                    d.margin,
                    d.margin_pct,
                )
                for d in self.documents
            ]
            rows.append((None, "Total", "", "", *total))
            columns = ("Date", "Number", "Document", "Party", "Value", "Cost", "Margin", "Margin %")
        elif by == "item":
            rows = [
                (i.name, i.unit, i.qty, i.value, i.cost, i.margin, i.margin_pct) for i in self.items
            ]
            rows.append(("Total", "", None, *total))
            columns = ("Item", "Unit", "Quantity", "Value", "Cost", "Margin", "Margin %")
        else:
            raise ValidationError(f"A sales margin is by invoice or by item, not {by!r}.")
        return Table(self._title(by), columns, tuple(rows))

    def as_json(self) -> dict[str, object]:
        def money(amount: Decimal | None) -> str | None:
            return None if amount is None else f"{amount:.2f}"

        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "method": self.method.value,
            "documents": [
                {
                    "date": d.doc_date.isoformat(),
                    "number": d.number,
                    "kind": d.kind.value,
                    "party": d.party,
                    "value": money(d.value),
                    "cost": money(d.cost),
                    "margin": money(d.margin),
                    "margin_pct": money(d.margin_pct),
                }
                for d in self.documents
            ],
            "items": [
                {
                    "item": i.name,
                    "unit": i.unit,
                    "qty": str(i.qty),
                    "value": money(i.value),
                    "cost": money(i.cost),
                    "margin": money(i.margin),
                    "margin_pct": money(i.margin_pct),
                }
                for i in self.items
            ],
            "value": money(self.value),
            "cost": money(self.cost),
            "margin": money(self.margin),
            "margin_pct": money(self.margin_pct),
        }


def sales_margins(
    company: Company,
    start: date,
    end: date,
    method: ValuationMethod | None = None,
    check: Callable[[], None] | None = None,
) -> SalesMargins:
    """The period's sales with their cost; ``check`` runs now and then (a Cancel)."""
    with company.reader() as conn:
        return sales_margins_in(conn, start, end, method, check)


def sales_margins_in(
    conn: Connection,
    start: date,
    end: date,
    method: ValuationMethod | None = None,
    check: Callable[[], None] | None = None,
) -> SalesMargins:
    """``sales_margins`` in the caller's read transaction."""
    if start > end:
        raise ValidationError("The period ends before it starts.")
    method = method or inventory_settings(conn).valuation
    kinds = [kind.value for kind in SALES_SIGN]
    in_period = (
        documents.c.kind.in_(kinds),
        documents.c.status == DocStatus.POSTED.value,
        documents.c.doc_date >= start,
        documents.c.doc_date <= end,
    )
    heads = plain_rows(
        conn,
        select(
            documents.c.id,
            documents.c.kind,
            documents.c.number,
            documents.c.doc_date,
            documents.c.cp_name,
        )
        .where(*in_period)
        .order_by(documents.c.doc_date, documents.c.id),
    )
    signs = {kind.value: sign for kind, sign in SALES_SIGN.items()}
    sign = {doc_id: signs[kind] for doc_id, kind, *_ in heads}

    # Value: each line's taxable value, by document and by item, summed in paise.
    doc_value: dict[int, int] = defaultdict(int)
    item_value: dict[int | None, int] = defaultdict(int)
    for doc_id, item_id, taxable in plain_rows(
        conn,
        select(
            document_lines.c.document_id,
            document_lines.c.item_id,
            raw_paise(document_lines.c.taxable),
        )
        .join(documents, documents.c.id == document_lines.c.document_id)
        .where(*in_period),
    ):
        doc_value[doc_id] += sign[doc_id] * taxable
        item_value[item_id] += sign[doc_id] * taxable

    # Cost: the documents' own stock moves (a credit note's come in, a sale's go out).
    sales_moves = (
        stock_moves.c.move_date >= start,
        stock_moves.c.move_date <= end,
        stock_moves.c.kind.in_([MoveKind.SALE.value, MoveKind.SALES_RETURN.value]),
        stock_moves.c.source_kind.in_(kinds),
    )
    moves = [
        (move_id, item_id, qty, int(source_id))
        for move_id, item_id, qty, source_id in plain_rows(
            conn,
            select(
                stock_moves.c.id,
                stock_moves.c.item_id,
                raw_thousandths(stock_moves.c.qty),
                stock_moves.c.source_id,
            ).where(*sales_moves),
        )
        if int(source_id) in sign  # a cancelled document's moves and their reversal stay out
    ]
    effects = stock_queries.move_effects(
        conn,
        end,
        method,
        {m[0] for m in moves},
        items=select(stock_moves.c.item_id).where(*sales_moves),
        check=check,
    )
    doc_cost: dict[int, Decimal] = defaultdict(lambda: ZERO)
    item_cost: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    item_qty: dict[int | None, int] = defaultdict(int)  # thousandths
    for move_id, item_id, qty, doc_id in moves:
        cost = -effects[move_id]
        doc_cost[doc_id] += cost
        item_cost[item_id] += cost
        item_qty[item_id] -= qty  # out is sold; in is taken back

    names = {
        item_id: (name, unit)
        for item_id, name, unit in plain_rows(
            conn,
            select(items.c.id, items.c.name, items.c.unit).where(
                items.c.id.in_(
                    select(document_lines.c.item_id)
                    .join(documents, documents.c.id == document_lines.c.document_id)
                    .where(*in_period)
                )
            ),
        )
    }
    names[None] = (WITHOUT_ITEM, "")
    by_item = [
        ItemMargin(
            item_id,
            *names[item_id],
            from_thousandths(item_qty[item_id]),
            from_paise(item_value[item_id]),
            item_cost[item_id],
        )
        for item_id in item_value.keys() | item_cost.keys()
    ]
    by_item.sort(key=lambda i: (i.item_id is None, i.name.casefold()))
    return SalesMargins(
        start,
        end,
        method,
        tuple(
            DocumentMargin(
                doc_id,
                DocKind(kind),
                number,
                date.fromisoformat(day),
                party,
                from_paise(doc_value[doc_id]),
                doc_cost[doc_id],
            )
            for doc_id, kind, number, day, party in heads
        ),
        tuple(by_item),
    )
