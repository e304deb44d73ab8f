"""The counter's own records: bills put on hold, and cash shifts.

A held bill is a cart parked in the company file (the customer went to fetch something); it
survives a restart and is taken back out whole. A shift starts with the cash in the drawer;
at closing, the cash counted is set against what the drawer should hold: the opening cash
plus cash taken, less cash paid out, from the settlements written while the shift was open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Connection, RowMapping, select

from app.billing.cart import Cart
from app.billing.model import DocKind, DocStatus, PaymentMode, PostedDocument
from app.billing.queries import document_by_number
from app.billing.tables import document_lines, documents, settlements, shifts
from app.billing.tables import held_bills as held_table
from app.errors import Conflict, NotFound, ValidationError
from app.money import ZERO, has_at_most_paise
from app.storage.access import Permission, require
from app.storage.company import Company

LABEL_LENGTH = 60


def _now() -> str:
    # The same form as ``settlements.created_at``, so the two compare as text.
    return datetime.now(UTC).isoformat(timespec="seconds")


# Held bills ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldBill:
    id: int
    label: str
    held_at: str
    held_by: str
    lines: int
    shelf_total: Decimal


def hold_bill(company: Company, label: str, cart: Cart) -> int:
    """Park the cart; ``resume_bill`` takes it back."""
    if cart.empty:
        raise ValidationError("The bill is empty; there is nothing to hold.")
    cleaned = " ".join(label.split())[:LABEL_LENGTH] or "Held bill"
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.BILL)
        result = uow.conn.execute(
            held_table.insert().values(
                label=cleaned,
                cart_json=cart.to_json(),
                held_at=_now(),
                held_by=uow.actor.username,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        held_id = int(key[0])
        uow.record(
            "bill.hold",
            "held_bill",
            held_id,
            {"label": cleaned, "lines": len(cart.lines), "amount": str(cart.shelf_total)},
        )
        uow.commit()
    return held_id


def held_bills(conn: Connection) -> list[HeldBill]:
    """Bills on hold, oldest first."""
    found = []
    for row in conn.execute(select(held_table).order_by(held_table.c.id)).mappings():
        cart = Cart.from_json(row["cart_json"])
        found.append(
            HeldBill(
                row["id"],
                row["label"],
                row["held_at"],
                row["held_by"],
                len(cart.lines),
                cart.shelf_total,
            )
        )
    return found


def resume_bill(company: Company, held_id: int) -> Cart:
    """Take a held bill back to the counter; it leaves the list in the same transaction."""
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.BILL)
        row = (
            uow.conn.execute(select(held_table).where(held_table.c.id == held_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("That bill is no longer on hold (another counter may have taken it).")
        cart = Cart.from_json(row["cart_json"])
        uow.conn.execute(held_table.delete().where(held_table.c.id == held_id))
        uow.record("bill.resume", "held_bill", held_id, {"label": row["label"]})
        uow.commit()
    return cart


# Shifts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    id: int
    opened_at: str
    opened_by: str
    opening_cash: Decimal


@dataclass(frozen=True)
class ShiftReport:
    """The drawer at closing, and how the expected figure is made up."""

    shift: Shift
    closed_at: str
    cash_sales: Decimal  # cash kept from counter sales (change already given back)
    cash_refunds: Decimal  # cash handed back on returns
    cash_received: Decimal  # other cash in: customers paying their accounts
    cash_paid: Decimal  # other cash out: suppliers paid from the drawer
    upi: Decimal  # taken by UPI and card during the shift, not in the drawer
    card: Decimal
    bills: int
    counted: Decimal | None = None
    note: str = ""

    @property
    def expected(self) -> Decimal:
        return (
            self.shift.opening_cash
            + self.cash_sales
            - self.cash_refunds
            + self.cash_received
            - self.cash_paid
        )

    @property
    def difference(self) -> Decimal:
        """Counted less expected: negative when the drawer is short."""
        return ZERO if self.counted is None else self.counted - self.expected

    def explained(self) -> str:
        """The cash count in words, line by line, as the closing slip reads."""
        rows = [
            ("Opening cash", self.shift.opening_cash),
            ("+ cash sales", self.cash_sales),
            ("- cash refunds", self.cash_refunds),
            ("+ other cash received", self.cash_received),
            ("- other cash paid out", self.cash_paid),
            ("= expected in the drawer", self.expected),
        ]
        if self.counted is not None:
            rows.append(("Counted", self.counted))
        text = "\n".join(f"{label}: {amount:.2f}" for label, amount in rows)
        if self.counted is not None:
            if self.difference == 0:
                text += "\nThe drawer agrees with the books."
            else:
                word = "short" if self.difference < 0 else "over"
                text += f"\nThe drawer is {word} by {abs(self.difference):.2f}."
        return text


def _shift(row: RowMapping) -> Shift:
    return Shift(row["id"], row["opened_at"], row["opened_by"], row["opening_cash"])


def current_shift(conn: Connection) -> Shift | None:
    row = (
        conn.execute(select(shifts).where(shifts.c.closed_at.is_(None)).order_by(shifts.c.id))
        .mappings()
        .first()
    )
    return None if row is None else _shift(row)


def open_shift(company: Company, opening_cash: Decimal) -> Shift:
    if opening_cash < 0 or not has_at_most_paise(opening_cash):
        raise ValidationError("The opening cash must be rupees and paise, not negative.")
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.BILL)
        running = current_shift(uow.conn)
        if running is not None:
            raise Conflict(
                f"A shift opened by {running.opened_by} at {running.opened_at} is still open; "
                "close it first."
            )
        now = _now()
        result = uow.conn.execute(
            shifts.insert().values(
                opened_at=now, opened_by=uow.actor.username, opening_cash=opening_cash
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        shift = Shift(int(key[0]), now, uow.actor.username, opening_cash)
        uow.record("shift.open", "shift", shift.id, {"opening_cash": str(opening_cash)})
        uow.commit()
    return shift


def shift_summary(conn: Connection, shift: Shift, until: str | None = None) -> ShiftReport:
    """The money of the shift so far (or up to ``until``), with nothing counted yet."""
    until = until or _now()
    totals: dict[tuple[str, str, bool], Decimal] = {}
    bills: set[int] = set()
    # Times are to the second: money taken in the second the last shift closed was counted
    # in that shift, so it is left out here. (Posting does not fill settlements.shift_id.)
    last_closed = conn.execute(
        select(shifts.c.closed_at)
        .where(shifts.c.id < shift.id, shifts.c.closed_at.is_not(None))
        .order_by(shifts.c.id.desc())
        .limit(1)
    ).scalar()
    window = [settlements.c.created_at >= shift.opened_at, settlements.c.created_at <= until]
    if last_closed is not None:
        window.append(settlements.c.created_at > last_closed)
    rows = conn.execute(
        select(
            settlements.c.kind,
            settlements.c.mode,
            settlements.c.amount,
            settlements.c.document_id,
        ).where(*window)
    )
    for kind, mode, amount, document_id in rows:
        key = (kind, mode, document_id is not None)
        totals[key] = totals.get(key, ZERO) + amount
        if document_id is not None and kind == "receipt":
            bills.add(document_id)

    def total(kind: str, mode: PaymentMode, at_counter: bool) -> Decimal:
        return totals.get((kind, mode.value, at_counter), ZERO)

    def taken(mode: PaymentMode) -> Decimal:
        return total("receipt", mode, True) + total("receipt", mode, False)

    cash = PaymentMode.CASH
    return ShiftReport(
        shift=shift,
        closed_at=until,
        cash_sales=total("receipt", cash, True),
        cash_refunds=total("payment", cash, True),
        cash_received=total("receipt", cash, False),
        cash_paid=total("payment", cash, False),
        upi=taken(PaymentMode.UPI),
        card=taken(PaymentMode.CARD),
        bills=len(bills),
    )


def close_shift(company: Company, counted_cash: Decimal, note: str = "") -> ShiftReport:
    """Close the open shift with the cash counted; a difference needs a note saying why."""
    if counted_cash < 0 or not has_at_most_paise(counted_cash):
        raise ValidationError("The counted cash must be rupees and paise, not negative.")
    note = note.strip()
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.BILL)
        shift = current_shift(uow.conn)
        if shift is None:
            raise NotFound("No shift is open; open one with the cash in the drawer.")
        summary = shift_summary(uow.conn, shift)
        report = ShiftReport(**{**summary.__dict__, "counted": counted_cash, "note": note})
        if report.difference and not note:
            word = "short" if report.difference < 0 else "over"
            raise ValidationError(
                f"The drawer is {word} by {abs(report.difference):.2f} (expected "
                f"{report.expected:.2f}, counted {counted_cash:.2f}). Count again, or write a "
                "note saying why."
            )
        uow.conn.execute(
            shifts.update()
            .where(shifts.c.id == shift.id)
            .values(
                closed_at=report.closed_at,
                counted_cash=counted_cash,
                expected_cash=report.expected,
                close_note=note,
            )
        )
        uow.record(
            "shift.close",
            "shift",
            shift.id,
            {
                "expected": str(report.expected),
                "counted": str(counted_cash),
                "difference": str(report.difference),
                "note": note,
            },
        )
        uow.commit()
    return report


# Returns at the counter -----------------------------------------------------------------------


def returned_quantities(conn: Connection, original: PostedDocument) -> dict[int, Decimal]:
    """How much of each line of ``original`` came back on earlier credit notes (not
    cancelled), matched to its lines by item, then description, first line first."""
    notes = select(documents.c.id).where(
        documents.c.original_id == original.id,
        documents.c.kind == DocKind.CREDIT_NOTE.value,
        documents.c.status == DocStatus.POSTED.value,
    )
    back: dict[tuple[int | None, str], Decimal] = {}
    for item_id, description, qty in conn.execute(
        select(document_lines.c.item_id, document_lines.c.description, document_lines.c.qty).where(
            document_lines.c.document_id.in_(notes)
        )
    ):
        key = (item_id, "" if item_id is not None else description)
        back[key] = back.get(key, ZERO) + qty
    returned: dict[int, Decimal] = {}
    for line in original.lines:
        key = (line.item_id, "" if line.item_id is not None else line.description)
        taken = min(back.get(key, ZERO), line.qty)
        if taken:
            returned[line.line_no] = taken
            back[key] -= taken
    return returned


def original_for_return(conn: Connection, number: str) -> PostedDocument:
    """The sale a customer brings goods back against, by its number."""
    cleaned = number.strip()
    if not cleaned:
        raise ValidationError("Type the number printed on the bill.")
    for typed in dict.fromkeys((cleaned, cleaned.upper())):
        for kind in (DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY):
            try:
                return document_by_number(conn, typed, kind)
            except NotFound:
                continue
    raise NotFound(f"There is no sale numbered {cleaned!r}; check the number on the bill.")
