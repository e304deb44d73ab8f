"""Convergence of the company store's per-field LWW (hypothesis): the same concurrent item
edits from three devices, delivered to two company files in any order and in pages of any
size, leave both with the same item, the same as the reference replica. The conflict log is
each device's own account of what it saw, so it depends on the order; what holds on every
device: a field edited to two different values logs a conflict, and the kept value is the
later one."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import app.syncing  # noqa: F401  (the outbox hook, as in the program)
from app.inventory.queries import item_by_barcode
from app.inventory.tables import batches, items
from app.storage.company import Company
from app.syncing.capture import BATCHES, batch_key
from app.syncing.store import CompanyStore
from app.syncing.tables import sync_conflicts, sync_quarantine
from sync.client import Membership, Received
from sync.clock import Timestamp
from sync.crypto import DeviceIdentity, EnvelopeHeader, KeyRing, new_id
from sync.merge import Change, ReplicaState, SetOp
from tests.conftest import CompanyFactory

SHOP = new_id()
DEVICES = [new_id() for _ in range(3)]
GID = f"{DEVICES[0]}:1"
BASE = Timestamp(1_750_000_000_000, 0, DEVICES[0])
CREATE = {
    "name": "Toor Dal 1 kg",
    "unit": "NOS",
    "hsn": "0713",
    "gst_rate": "5",
    "sale_price": "160.00",
    "purchase_price": "140.00",
    "reorder_level": "0",
    "reorder_qty": "0",
    "stock_group": "",
    "active": True,
}
FIELDS = {
    "sale_price": st.sampled_from(["150.00", "165.50", "170.00", "99.99"]),
    "stock_group": st.sampled_from(["Pulses", "Dal", "Grocery"]),
    "reorder_level": st.sampled_from(["5", "10.5", "0"]),
    "active": st.booleans(),
}


def _received(seq: int, device: str, stamp: Timestamp, ops: tuple[SetOp, ...]) -> Received:
    header = EnvelopeHeader(SHOP, device, seq, 1)
    return Received(seq, header, Change(new_id(), stamp, 1, ops), 0, b"")


@st.composite
def edits(draw: st.DrawFn) -> list[Received]:
    found = []
    for n in range(draw(st.integers(1, 8))):
        device = draw(st.sampled_from(DEVICES))
        field = draw(st.sampled_from(sorted(FIELDS)))
        value = draw(FIELDS[field])
        stamp = Timestamp(BASE.ms + draw(st.integers(1, 50)), n, device)
        # every edit was made having seen only the creation: all are concurrent
        found.append(_received(100 + n, device, stamp, (SetOp("items", GID, field, value, BASE),)))
    return found


def _store(company: Company) -> CompanyStore:
    identity = DeviceIdentity.generate()
    m = Membership("http://unused", SHOP, identity, KeyRing.generate(), "t", "Z")
    return CompanyStore(company, m)


def _delivered(
    company: Company, create: Received, changes: list[Received], data: st.DataObject
) -> Company:
    """``company`` given ``create``, then ``changes`` in an order and page size drawn here."""
    store = _store(company)
    store.apply_page([create], (), (), 1)
    order = data.draw(st.permutations(changes))
    page = data.draw(st.integers(1, 4))
    for start in range(0, len(order), page):
        store.apply_page(order[start : start + page], (), (), None)
    return company


def _item(company: Company) -> dict[str, object]:
    with company.reader() as conn:
        row = conn.execute(select(items).where(items.c.name == CREATE["name"])).mappings().one()
    return {k: str(row[k]) for k in ("sale_price", "stock_group", "reorder_level", "active")}


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=edits(), data=st.data())
def test_any_delivery_order_converges(
    make_company: CompanyFactory, changes: list[Received], data: st.DataObject
) -> None:
    create = _received(
        1,
        DEVICES[0],
        BASE,
        tuple(SetOp("items", GID, f, v) for f, v in CREATE.items()),
    )
    reference = ReplicaState()
    reference.apply(create.change)
    for item in changes:
        reference.apply(item.change)
    results = []
    for _ in range(2):
        company = _delivered(make_company(), create, changes, data)
        with company.reader() as conn:
            logged = {
                (r.field, r.kept_hlc, r.lost_hlc) for r in conn.execute(select(sync_conflicts))
            }
        results.append((_item(company), logged))
        company.close()
    assert results[0][0] == results[1][0]
    expected = reference.rows("items")[GID]
    assert results[0][0] == {k: str(_typed(k, expected[k])) for k in results[0][0]}
    disputed = {
        op.field
        for op in (o for c in changes for o in c.change.ops)
        if len({str(x.value) for c in changes for x in c.change.ops if x.field == op.field}) > 1
    }
    for _, logged in results:
        assert {field for field, _, _ in logged} == disputed
        assert all(kept > lost for _, kept, lost in logged)


def _typed(field: str, value: object) -> object:
    from decimal import Decimal

    if field == "active":
        return bool(value)
    if field in {"sale_price", "reorder_level"}:
        quantum = "0.01" if field == "sale_price" else "0.001"
        return Decimal(str(value)).quantize(Decimal(quantum))
    return value


CODE = "8901234567890"
SECOND = f"{DEVICES[0]}:2"


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(later=st.sampled_from([GID, SECOND]), data=st.data())
def test_a_barcode_given_to_two_items_offline_goes_to_the_later(
    make_company: CompanyFactory, later: str, data: st.DataObject
) -> None:
    """Two devices give the same new barcode to two different items offline. One barcode,
    one item: in either delivery order both company files scan it to the item whose
    barcodes were written later, and log that the other lost it."""
    create = _received(
        1,
        DEVICES[0],
        BASE,
        tuple(SetOp("items", GID, f, v) for f, v in CREATE.items())
        + tuple(
            SetOp("items", SECOND, f, v)
            for f, v in (CREATE | {"name": "Chana Dal 1 kg", "barcodes": []}).items()
        ),
    )
    earlier = SECOND if later == GID else GID
    edits = [
        _received(
            10 + n,
            DEVICES[1 + n],
            Timestamp(BASE.ms + 10 * (n + 1), 0, DEVICES[1 + n]),
            (SetOp("items", gid, "barcodes", [CODE], BASE),),
        )
        for n, gid in enumerate([earlier, later])
    ]
    found = []
    for _ in range(2):
        company = make_company()
        store = _store(company)
        store.apply_page([create], (), (), 1)
        for item in data.draw(st.permutations(edits)):
            store.apply_page([item], (), (), None)
        with company.reader() as conn:
            scanned = item_by_barcode(conn, CODE)
            logged = [(r.field, r.kept, r.lost) for r in conn.execute(select(sync_conflicts))]
            held = conn.execute(select(sync_quarantine)).first()
        assert scanned is not None and held is None
        found.append((scanned.name, logged))
        company.close()
    winner = CREATE["name"] if later == GID else "Chana Dal 1 kg"
    assert found[0] == found[1] == (winner, [("barcodes", "[]", f'["{CODE}"]')])


BATCH = batch_key(GID, "PCM-24A")
BATCH_DATES = {
    "mfg_date": st.sampled_from(["2025-01-10", "2025-02-01", None]),
    "expiry_date": st.sampled_from(["2026-06-30", "2026-12-31", "2027-03-31", None]),
}


@st.composite
def batch_edits(draw: st.DrawFn) -> list[Received]:
    found = []
    for n in range(draw(st.integers(1, 8))):
        device = draw(st.sampled_from(DEVICES))
        field = draw(st.sampled_from(sorted(BATCH_DATES)))
        value = draw(BATCH_DATES[field])
        stamp = Timestamp(BASE.ms + draw(st.integers(1, 50)), n, device)
        found.append(
            _received(100 + n, device, stamp, (SetOp(BATCHES, BATCH, field, value, BASE),))
        )
    return found


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=batch_edits(), data=st.data())
def test_batch_dates_converge_in_any_delivery_order(
    make_company: CompanyFactory, changes: list[Received], data: st.DataObject
) -> None:
    """A batch's dates edited on three devices offline, delivered in any order and page
    size: both company files end with the reference replica's dates, made and changed
    through inventory (nothing held), and log a conflict for each date edited two ways."""
    create = _received(
        1,
        DEVICES[0],
        BASE,
        (
            *(SetOp("items", GID, f, v) for f, v in (CREATE | {"batch_tracked": True}).items()),
            SetOp(BATCHES, BATCH, "mfg_date", "2025-01-01"),
            SetOp(BATCHES, BATCH, "expiry_date", "2026-12-31"),
        ),
    )
    reference = ReplicaState()
    for item in [create, *changes]:
        reference.apply(item.change)
    results = []
    for _ in range(2):
        company = _delivered(make_company(), create, changes, data)
        with company.reader() as conn:
            row = conn.execute(select(batches.c.mfg_date, batches.c.expiry_date)).one()
            logged = {r.field for r in conn.execute(select(sync_conflicts))}
            held = conn.execute(select(sync_quarantine)).first()
        assert held is None
        results.append(({"mfg_date": row.mfg_date, "expiry_date": row.expiry_date}, logged))
        company.close()
    assert results[0][0] == results[1][0]
    expected = reference.rows(BATCHES)[BATCH]
    assert results[0][0] == {
        field: None if value is None else date.fromisoformat(str(value))
        for field, value in expected.items()
    }
    disputed = {
        field
        for field in BATCH_DATES
        if len({str(op.value) for c in changes for op in c.change.ops if op.field == field}) > 1
    }
    assert results[0][1] == results[1][1] == disputed
