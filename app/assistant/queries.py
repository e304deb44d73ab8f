"""The reads the assistant's tools need that the ledger's queries do not offer.

Read-only: every function takes a connection from ``Company.reader()``.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, func, or_, select

from app.billing.model import DocKind, DocStatus
from app.billing.tables import document_lines, documents
from app.inventory.model import from_thousandths
from app.inventory.queries import ItemRow, item_by_barcode, items_by_ids, search_items
from app.inventory.tables import godowns, items, raw_thousandths, stock_balances
from app.ledger import queries
from app.ledger.model import AccountId, VoucherId, VoucherType
from app.ledger.tables import accounts, postings, vouchers
from app.money import ZERO, from_paise, to_paise
from app.storage.types import raw_paise


def voucher_count(conn: Connection, kinds: Collection[VoucherType], start: date, end: date) -> int:
    query = select(func.count()).where(
        vouchers.c.voucher_type.in_([k.value for k in kinds]),
        vouchers.c.posting_date.between(start, end),
    )
    return int(conn.execute(query).scalar_one())


def settlement_amounts(
    conn: Connection,
    tax_ids: Collection[AccountId],
    output_ids: Collection[AccountId],
    start: date,
    end: date,
) -> dict[AccountId, Decimal]:
    """What GST set-offs and payments to the government moved on each tax ledger in the period.

    A settlement debits an output ledger and touches nothing but GST ledgers and cash or bank
    (the GSTR-3B payment, or a set-off journal). It clears tax already due, so it is left
    out when the period's liability is worked out.
    """
    candidates = (
        conn.execute(
            select(postings.c.voucher_id)
            .where(
                postings.c.account_id.in_(list(output_ids)),
                raw_paise(postings.c.amount) > 0,
                postings.c.posting_date.between(start, end),
            )
            .distinct()
        )
        .scalars()
        .all()
    )
    if not candidates:
        return {}
    allowed = set(tax_ids) | set(queries.cash_and_bank_ids(conn))
    lines: dict[int, list[tuple[AccountId, Decimal]]] = {}
    for voucher_id, account_id, amount in conn.execute(
        select(postings.c.voucher_id, postings.c.account_id, postings.c.amount).where(
            postings.c.voucher_id.in_(candidates)
        )
    ):
        lines.setdefault(voucher_id, []).append((AccountId(account_id), amount))
    moved: dict[AccountId, Decimal] = {}
    for voucher_lines in lines.values():
        if all(account in allowed for account, _amount in voucher_lines):
            for account, amount in voucher_lines:
                if account in tax_ids:
                    moved[account] = moved.get(account, ZERO) + amount
    return moved


@dataclass(frozen=True)
class VoucherSearch:
    account_ids: tuple[AccountId, ...] = ()
    amount: Decimal | None = None  # any line of exactly this size, either side
    text: str = ""  # in the narration or the reference
    kind: VoucherType | None = None
    start: date | None = None
    end: date | None = None
    limit: int = 10


def find_vouchers(conn: Connection, search: VoucherSearch) -> tuple[int, list[queries.VoucherView]]:
    """(how many match, the newest ``limit`` of them)."""
    conditions = []
    if search.start is not None:
        conditions.append(vouchers.c.posting_date >= search.start)
    if search.end is not None:
        conditions.append(vouchers.c.posting_date <= search.end)
    if search.kind is not None:
        conditions.append(vouchers.c.voucher_type == search.kind.value)
    if search.text:
        pattern = (
            "%" + search.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        conditions.append(
            or_(
                vouchers.c.narration.ilike(pattern, escape="\\"),
                vouchers.c.reference.ilike(pattern, escape="\\"),
            )
        )
    line_conditions = []
    if search.account_ids:
        line_conditions.append(postings.c.account_id.in_(list(search.account_ids)))
    if search.amount is not None:
        paise = to_paise(search.amount)
        line_conditions.append(raw_paise(postings.c.amount).in_([paise, -paise]))
    if line_conditions:
        conditions.append(vouchers.c.id.in_(select(postings.c.voucher_id).where(*line_conditions)))
    total = conn.execute(select(func.count()).select_from(vouchers).where(*conditions)).scalar_one()
    ids = (
        conn.execute(
            select(vouchers.c.id)
            .where(*conditions)
            .order_by(vouchers.c.posting_date.desc(), vouchers.c.id.desc())
            .limit(search.limit)
        )
        .scalars()
        .all()
    )
    by_id = {v.id: v for v in queries.vouchers_by_id(conn, [VoucherId(i) for i in ids])}
    return int(total), [by_id[VoucherId(i)] for i in ids]


def account_names(conn: Connection) -> dict[AccountId, str]:
    return {
        AccountId(i): str(name) for i, name in conn.execute(select(accounts.c.id, accounts.c.name))
    }


# --- items: what sold, what is in stock ----------------------------------------------------

_SOLD = (DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY)
_RETURNED = (DocKind.CREDIT_NOTE,)


@dataclass(frozen=True)
class ItemSales:
    """One item's sales in a period, net of credit notes (returns and price cuts)."""

    item_id: int | None  # None: a free-text line with no item behind it
    name: str
    unit: str
    qty: Decimal
    amount: Decimal  # taxable value, before GST
    documents: int


def item_sales(conn: Connection, start: date, end: date) -> list[ItemSales]:
    """Posted sales lines in [start, end] summed per item (free-text lines per description)."""
    line, doc = document_lines.c, documents.c
    rows = conn.execute(
        select(
            line.item_id,
            line.description,
            line.uqc,
            doc.kind,
            func.sum(raw_thousandths(line.qty)),
            func.sum(raw_paise(line.taxable)),
            func.count(func.distinct(doc.id)),
        )
        .join(documents, documents.c.id == line.document_id)
        .where(
            doc.status == DocStatus.POSTED.value,
            doc.kind.in_([k.value for k in (*_SOLD, *_RETURNED)]),
            doc.doc_date.between(start, end),
        )
        .group_by(line.item_id, line.description, line.uqc, doc.kind)
    ).all()
    names = items_by_ids(conn, sorted({r[0] for r in rows if r[0] is not None}))
    returned = {k.value for k in _RETURNED}
    label: dict[tuple[int | None, str], tuple[str, str]] = {}
    qty_sum: dict[tuple[int | None, str], int] = defaultdict(int)
    paise_sum: dict[tuple[int | None, str], int] = defaultdict(int)
    doc_count: dict[tuple[int | None, str], int] = defaultdict(int)
    for item_id, description, uqc, kind, qty, paise, count in rows:
        sign = -1 if kind in returned else 1
        key = (item_id, "") if item_id is not None else (None, description)
        known = names.get(item_id) if item_id is not None else None
        label.setdefault(key, (known.name, known.unit) if known else (description, uqc))
        qty_sum[key] += sign * int(qty or 0)
        paise_sum[key] += sign * int(paise or 0)
        if sign > 0:
            doc_count[key] += int(count)
    return [
        ItemSales(
            item_id=key[0],
            name=name,
            unit=unit,
            qty=from_thousandths(qty_sum[key]),
            amount=from_paise(paise_sum[key]),
            documents=doc_count[key],
        )
        for key, (name, unit) in label.items()
    ]


def find_items(conn: Connection, term: str, limit: int = 10) -> list[ItemRow]:
    """Items a person may mean by ``term``: a barcode, the exact name or SKU, names holding
    every word, and at last names that merely look alike ("maggie" finds "Maggi Noodles")."""
    term = " ".join(term.split())
    if not term:
        return []
    if " " not in term:
        scanned = item_by_barcode(conn, term)
        if scanned is not None:
            return [scanned]
    found = search_items(conn, term, limit)
    exact = [i for i in found if term.casefold() in (i.name.casefold(), (i.sku or "").casefold())]
    if exact:
        return exact[:1]
    if found:
        return found
    names = {
        str(name): int(item_id)
        for item_id, name in conn.execute(
            select(items.c.id, items.c.name).where(items.c.active.is_(True))
        )
    }
    # Compare with whole names and with their first words, which is how shops say them.
    keys: dict[str, set[str]] = defaultdict(set)
    words = len(term.split())
    for name in names:
        keys[name.casefold()].add(name)
        keys[" ".join(name.casefold().split()[:words])].add(name)
    close = difflib.get_close_matches(term.casefold(), list(keys), n=limit, cutoff=0.75)
    wanted = list(dict.fromkeys(name for key in close for name in sorted(keys[key])))[:limit]
    by_id = items_by_ids(conn, [names[name] for name in wanted])
    return [by_id[names[name]] for name in wanted]


def stock_by_godown(
    conn: Connection, item_ids: Collection[int]
) -> dict[int, list[tuple[str, Decimal]]]:
    """Each item's stock on hand now, per godown (godowns holding none left out)."""
    if not item_ids:
        return {}
    held = func.sum(raw_thousandths(stock_balances.c.qty))
    rows = conn.execute(
        select(stock_balances.c.item_id, godowns.c.name, held)
        .join(godowns, godowns.c.id == stock_balances.c.godown_id)
        .where(stock_balances.c.item_id.in_(list(item_ids)))
        .group_by(stock_balances.c.item_id, godowns.c.id)
        .order_by(godowns.c.id)
    )
    found: dict[int, list[tuple[str, Decimal]]] = {int(i): [] for i in item_ids}
    for item_id, godown, qty in rows:
        if qty:
            found[int(item_id)].append((str(godown), from_thousandths(int(qty))))
    return found
