"""Nothing lost (sync-design.md §8): network cuts before and after the server commit, the
service and PostgreSQL killed mid-push, a flipped byte, clock skew, and no plaintext at rest.
After each: every change is stored exactly once with no holes (O2), every device applied
every change once (O3) and the replicas are identical (O4)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from sync.crypto import KeyRing
from sync.errors import TransportError
from sync.merge import DocOp, SetOp
from sync.transport import Backoff
from tests.sync.faultproxy import FaultProxy
from tests.sync.pg import PgServer
from tests.sync.service import Service
from tests.sync.sim import Device, new_shop, pair

PARTY = "Sharma Kirana Stores"
AMOUNT = "98765.43"


def sale(device: Device, n: int) -> DocOp:
    prefix = device.m.series_prefix
    return DocOp(
        "invoices",
        f"{prefix}-{n}",
        {"no": f"{prefix}/2526/{n:06d}", "party": PARTY, "total": AMOUNT},
    )


def server_rows(pg: PgServer, device: Device) -> list[int]:
    with pg.connect() as conn:
        rows = conn.execute(
            "SELECT device_seq FROM changes WHERE shop_id = %s AND device_id = %s ORDER BY 1",
            (device.m.shop_id, device.id),
        ).fetchall()
    return [r[0] for r in rows]


def assert_exactly_once(pg: PgServer, device: Device, count: int) -> None:
    assert server_rows(pg, device) == list(range(1, count + 1))  # O2: once each, no holes


def sync_until_done(device: Device, budget_s: float = 60) -> None:
    """What the engine does: retry on a timer with backoff until the outbox is empty."""
    backoff = Backoff(base_s=0.05, cap_s=0.5)
    deadline = time.monotonic() + budget_s
    while True:
        try:
            report = device.client.sync()
            if report.pending == 0:
                return
        except TransportError as exc:
            if time.monotonic() > deadline:
                raise
            time.sleep(backoff.next_delay(exc))


@pytest.fixture
def proxy(service: Service) -> Iterator[FaultProxy]:
    p = FaultProxy(service.port)
    yield p
    p.close()


@pytest.mark.parametrize("fault", ["cut_request", "drop_response"])
def test_network_cut_before_and_after_commit(
    pg: PgServer, service: Service, proxy: FaultProxy, fault: str
) -> None:
    till = new_shop(service.url)
    laptop = pair(till, "Laptop", "L1")
    cut = Device(till.m, url=proxy.url)
    for n in range(1, 11):
        cut.client.record([sale(cut, n)])
    proxy.arm(fault)
    with pytest.raises(TransportError):
        cut.client.push()
    assert proxy.fired.is_set()
    stored = server_rows(pg, cut)
    assert stored == ([] if fault == "cut_request" else list(range(1, 11)))
    # the retry asks where the server stands and sends what it lacks, same bytes
    report = cut.client.push()
    assert (report.pushed, report.pending) == ((10 if fault == "cut_request" else 0), 0)
    assert_exactly_once(pg, cut, 10)
    # a blind resend of the whole outbox (a client that never learnt) changes nothing
    again = cut.transport.push([e for _, e in cut.store.outbox_after(0, 100)])
    assert again.duplicates == 10 and again.acked_through == 10
    assert_exactly_once(pg, cut, 10)
    laptop.client.pull()
    assert len(laptop.store.state.documents("invoices")) == 10
    assert laptop.store.state.dump() == cut.store.state.dump()
    for d in (till, laptop, cut):
        d.close()


def test_service_killed_mid_push(pg: PgServer) -> None:
    svc = Service(pg.url).start()
    till = new_shop(svc.url)
    laptop = pair(till, "Laptop", "L1")
    till.client.push_batch = 10
    for n in range(1, 401):
        till.client.record([sale(till, n)])
    done = threading.Event()
    failures: list[BaseException] = []

    def pusher() -> None:
        try:
            sync_until_done(till)
        except BaseException as exc:
            failures.append(exc)
        done.set()

    thread = threading.Thread(target=pusher)
    thread.start()
    time.sleep(0.15)
    svc.kill()  # SIGKILL mid-push
    killed_at = len(server_rows(pg, till))
    svc = Service(pg.url, port=svc.port).start()
    thread.join(90)
    assert done.is_set() and failures == []
    assert killed_at < 400  # the kill landed while changes were still going up
    assert_exactly_once(pg, till, 400)
    laptop.client.pull()
    assert len(laptop.store.state.documents("invoices")) == 400
    assert laptop.store.state.dump() == till.store.state.dump()
    for d in (till, laptop):
        d.close()
    svc.stop()


def test_postgres_restarted_mid_push(pg: PgServer, service: Service) -> None:
    till = new_shop(service.url)
    laptop = pair(till, "Laptop", "L1")
    till.client.push_batch = 5
    for n in range(1, 301):
        till.client.record([sale(till, n)])
    failures: list[BaseException] = []

    def pusher() -> None:
        try:
            sync_until_done(till)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=pusher)
    thread.start()
    time.sleep(0.1)
    before = len(server_rows(pg, till))
    pg.restart("immediate")  # crash-stop: in-flight transactions are lost, committed ones stay
    assert before < 300  # the restart landed while changes were still going up
    thread.join(90)
    assert failures == []
    assert_exactly_once(pg, till, 300)
    sync_until_done(laptop)
    assert len(laptop.store.state.documents("invoices")) == 300
    assert laptop.store.state.dump() == till.store.state.dump()
    for d in (till, laptop):
        d.close()


def test_flipped_byte_is_quarantined_never_applied(pg: PgServer, service: Service) -> None:
    till = new_shop(service.url)
    laptop = pair(till, "Laptop", "L1")
    for n in range(1, 6):
        till.client.record([sale(till, n)])
    till.client.push()
    with pg.connect() as conn:  # corruption at rest: one bit of change 3's ciphertext
        conn.execute(
            "UPDATE changes SET envelope = set_byte(envelope, 80, get_byte(envelope, 80) # 1) "
            "WHERE shop_id = %s AND device_seq = 3",
            (till.m.shop_id,),
        )
    report = laptop.client.pull()
    assert report.applied == 4 and report.quarantined == 1
    held = laptop.store.quarantine()
    assert [(q.server_seq, q.reason) for q in held] == [(3, "bad_signature")]
    assert set(laptop.store.state.documents("invoices")) == {"T1-1", "T1-2", "T1-4", "T1-5"}
    assert laptop.store.pulled_through() == 5  # the rest of the shop keeps syncing
    assert laptop.client.retry_quarantine() == 0  # still damaged: kept, not dropped
    assert len(laptop.store.quarantine()) == 1
    for d in (till, laptop):
        d.close()


def test_own_change_damaged_at_rest_is_quarantined_by_its_sender(
    pg: PgServer, service: Service
) -> None:
    """A device does not open its own changes coming back byte for byte as it sealed them
    (they are in its books); one that comes back different is opened like any other, so the
    damage is quarantined, never passed over."""
    till = new_shop(service.url)
    for n in range(1, 4):
        till.client.record([sale(till, n)])
    till.client.push()
    with pg.connect() as conn:
        conn.execute(
            "UPDATE changes SET envelope = set_byte(envelope, 80, get_byte(envelope, 80) # 1) "
            "WHERE shop_id = %s AND device_seq = 2",
            (till.m.shop_id,),
        )
    # A key ring that opens nothing: the intact copies come through only if not opened.
    till.m.keys = KeyRing.generate()
    report = till.client.pull()
    assert report.applied == 0 and report.quarantined == 1
    assert [(q.server_seq, q.reason) for q in till.store.quarantine()] == [(2, "bad_signature")]
    assert till.store.pulled_through() == 3
    till.close()


DAY = 24 * 3600 * 1000


@pytest.mark.parametrize("skew", [DAY, -365 * DAY])
def test_clock_skew_day_and_year(service: Service, skew: int) -> None:
    owner = new_shop(service.url)
    skewed = pair(
        owner, "Till with a bad clock", "T2", wall=lambda: time.time_ns() // 1_000_000 + skew
    )
    # offline before first contact: the stamp carries the skew, and nothing is blocked
    skewed.client.record([SetOp("items", "rice", "price", "44.00")])
    owner.client.record([SetOp("items", "rice", "price", "45.00")])
    skewed.client.sync()
    owner.client.sync()
    skewed.client.sync()
    assert owner.store.state.dump() == skewed.store.state.dump()
    expected = "44.00" if skew > 0 else "45.00"  # deterministic by stamp, same everywhere
    assert owner.store.state.rows("items")["rice"]["price"] == expected
    if skew > 0:
        assert [r.change.hlc.node for r in owner.store.far_future] == [skewed.id]
    # after contact the server time corrects the till: its next stamp is near real time
    assert skewed.clock.skew_warning() is not None
    stamp = skewed.client.record([SetOp("items", "dal", "price", "120.00")]).hlc
    if skew < 0:
        assert abs(stamp.ms - time.time_ns() // 1_000_000) < 60_000
    owner.close()
    skewed.close()


def test_no_plaintext_on_the_server(pg: PgServer, service: Service) -> None:
    till = new_shop(service.url)
    for n in range(1, 21):
        till.client.record([sale(till, n), SetOp("parties", "p1", "name", PARTY)])
    till.client.push()
    with pg.connect() as conn:
        conn.execute("CHECKPOINT")
        stored = conn.execute(
            "SELECT count(*) FROM changes WHERE shop_id = %s", (till.m.shop_id,)
        ).fetchone()
        assert stored is not None and stored[0] == 20
        for table in ("changes", "devices", "shops", "key_wraps", "pairings"):
            hits = conn.execute(
                f"SELECT count(*) FROM {table} t WHERE strpos(t::text, %s) > 0 "
                "OR strpos(t::text, %s) > 0 OR strpos(t::text, %s) > 0 OR strpos(t::text, %s) > 0",
                (PARTY, AMOUNT, b"Sharma".hex(), AMOUNT.encode().hex()),
            ).fetchone()
            assert hits is not None and hits[0] == 0, table
    # and the raw files of the cluster, WAL included
    found = subprocess.run(["grep", "-rlaF", PARTY, str(pg.data)], capture_output=True, check=False)
    assert found.stdout == b"", found.stdout
    found = subprocess.run(
        ["grep", "-rlaF", AMOUNT, str(pg.data)], capture_output=True, check=False
    )
    assert found.stdout == b"", found.stdout
    till.close()
