"""The real service over a real PostgreSQL: pairing, push, pull, long-poll, limits, health."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from sync import protocol as P
from sync.crypto import PairingSecrets
from sync.errors import DeviceRevoked, PairingFailed, SeqGap, SeqReuse, ServerRefused
from sync.merge import DocOp, SetOp
from sync.pairing import join, offer, revoke_device
from tests.sync.service import Service
from tests.sync.sim import Device, new_shop, pair


def sale(n: int, party: str = "Sharma Kirana Stores", amount: str = "1180.00") -> DocOp:
    return DocOp(
        "invoices", f"inv-{n}", {"no": f"T1/2526/{n:06d}", "party": party, "total": amount}
    )


@pytest.fixture
def shop(service: Service) -> Iterator[tuple[Device, Device]]:
    till = new_shop(service.url)
    laptop = pair(till, "Owner laptop", "L1")
    yield till, laptop
    till.close()
    laptop.close()


def test_pair_push_pull_converge(shop: tuple[Device, Device]) -> None:
    till, laptop = shop
    assert laptop.m.shop_id == till.m.shop_id
    assert laptop.m.series_prefix == "L1"
    assert laptop.m.keys.key(1) == till.m.keys.key(1)
    for n in range(1, 8):
        till.client.record([sale(n)])
    laptop.client.record([SetOp("items", "rice", "price", "45.00")])
    r1 = till.client.sync()
    r2 = laptop.client.sync()
    till.client.sync()
    assert r1.pushed == 7 and r2.applied == 7 and r2.pushed == 1
    assert till.store.state.dump() == laptop.store.state.dump()
    assert len(laptop.store.state.documents("invoices")) == 7
    assert till.store.state.rows("items") == {"rice": {"price": "45.00"}}


def test_duplicate_and_reordered_push(shop: tuple[Device, Device]) -> None:
    till, laptop = shop
    for n in range(1, 5):
        till.client.record([sale(n)])
    rows = till.store.outbox_after(0, 10)
    envs = [e for _, e in rows]
    with pytest.raises(SeqGap) as gap:
        till.transport.push(envs[2:])  # 3 and 4 before 1 and 2
    assert gap.value.expected == 1
    first = till.transport.push(envs[:2])
    again = till.transport.push(envs[:2])  # delivered twice
    assert first.acked_through == 2 and again.duplicates == 2
    assert again.server_seqs == first.server_seqs
    rest = till.transport.push(envs)  # overlapping: 1-2 duplicate, 3-4 new
    assert rest.duplicates == 2 and rest.acked_through == 4
    with pytest.raises(SeqReuse):  # same number, other bytes: a device restored from backup
        till.transport.push([envs[1][:-1] + bytes([envs[1][-1] ^ 1])])
    laptop.client.pull()
    assert len(laptop.store.state.documents("invoices")) == 4
    # the same page delivered twice is applied once
    page = laptop.transport.pull(0)
    received, _ = laptop.client._open_page(page.changes)
    assert received == []


def test_long_poll_wakes_on_push(shop: tuple[Device, Device]) -> None:
    till, laptop = shop
    laptop.client.pull()
    got: list[float] = []

    def wait() -> None:
        started = time.monotonic()
        page = laptop.transport.pull(laptop.store.pulled_through(), wait_s=10)
        assert len(page.changes) == 1
        got.append(time.monotonic() - started)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.5)
    till.client.record([sale(1)])
    till.client.push()
    waiter.join(15)
    assert got and 0.4 < got[0] < 5


def test_revoked_device_refused_and_key_rotated(service: Service) -> None:
    owner = new_shop(service.url)
    till = pair(owner, "Till 2", "T2")
    laptop = pair(owner, "Laptop", "L1")
    till.client.record([sale(1)])
    till.client.sync()
    revoke_device(owner.m, owner.transport, till.id)
    assert owner.m.keys.current_epoch == 2
    till.client.record([sale(2)])
    with pytest.raises(DeviceRevoked):
        till.client.push()
    with pytest.raises(DeviceRevoked):
        till.transport.pull(0)
    owner.client.record([sale(3, party="Gupta Medicals")])
    owner.client.sync()
    laptop.client.sync()  # receives epoch 2 key via its wrap, reads both epochs
    assert laptop.m.keys.current_epoch == 2
    assert set(laptop.store.state.documents("invoices")) == {"inv-1", "inv-3"}
    assert laptop.store.quarantine() == []
    # the revoked device cannot read what was written after the rotation
    from sync.crypto import open_change

    page = owner.transport.pull(0)
    with pytest.raises(Exception) as refused:
        open_change(
            page.changes[-1].envelope,
            shop_id=till.m.shop_id,
            keys=till.m.keys,
            devices=owner.m.peers,
        )
    assert getattr(refused.value, "reason", "") == "unknown_key"
    for d in (owner, till, laptop):
        d.close()


def test_pairing_code_typed_and_wrong_code(service: Service) -> None:
    owner = new_shop(service.url)
    pending = offer(owner.m, owner.transport)
    with pytest.raises(PairingFailed):
        join("ZZZZ-ZZZZ-ZZZZ", device_name="Intruder", server_url=service.url)
    joining = join(
        pending.code.lower().replace("-", " "), device_name="Till", server_url=service.url
    )
    assert joining.shop_id == owner.m.shop_id
    with pytest.raises(PairingFailed):  # used once only
        join(pending.code, device_name="Second", server_url=service.url)
    # a pending device may not sync before approval
    with pytest.raises(ServerRefused) as refused:
        Device(
            type(owner.m)(
                service.url, owner.m.shop_id, joining.identity, owner.m.keys, joining.token, "X"
            )
        ).transport.hello()
    assert refused.value.code == "PENDING"
    assert PairingSecrets.from_code(pending.code).pairing_id == joining.secrets.pairing_id
    owner.close()


def test_health_metrics_limits(service: Service, shop: tuple[Device, Device]) -> None:
    till, _ = shop
    assert httpx.get(service.url + "/health").json()["status"] == "ok"
    till.client.record([sale(1)])
    till.client.push()
    text = httpx.get(service.url + "/metrics").text
    assert "bahi_sync_envelopes_stored_total" in text
    too_big = b"{" + b" " * (5 * 1024 * 1024) + b"}"
    answer = httpx.post(
        service.url + "/v1/push",
        content=too_big,
        headers={"Authorization": f"Bearer {till.m.token}"},
    )
    assert answer.status_code == 413
    assert (
        httpx.get(service.url + "/v1/hello", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    old = httpx.get(service.url + "/v1/hello", headers={"X-Bahi-Sync": "9"})
    assert old.status_code == 426


def test_big_changes_are_pushed_in_requests_under_the_limit(
    shop: tuple[Device, Device],
) -> None:
    """Forty changes of ~150 KB that do not compress are 6 MB, over the 4 MB a request
    takes: the push sends them in as many requests as fit, and every one arrives."""
    till, laptop = shop
    for n in range(1, 41):
        till.client.record([DocOp("invoices", f"scan-{n}", {"scan": os.urandom(110_000).hex()})])
    sizes = [len(e) for _, e in till.store.outbox_after(0, 100)]
    assert sum(sizes) > P.MAX_PUSH_BYTES and max(sizes) < P.MAX_ENVELOPE_BYTES
    assert P.push_share([b"x" * size for size in sizes]) < 40
    report = till.client.push()
    assert report.pushed == 40 and report.pending == 0
    assert laptop.client.pull().applied == 40
    assert till.store.state.dump() == laptop.store.state.dump()


def test_rate_limit(pg) -> None:  # type: ignore[no-untyped-def]
    svc = Service(pg.url, rate=2).start()
    try:
        till = new_shop(svc.url)
        codes = [
            httpx.get(
                svc.url + "/v1/hello", headers={"Authorization": f"Bearer {till.m.token}"}
            ).status_code
            for _ in range(12)
        ]
        assert 429 in codes and codes[0] == 200
        till.close()
    finally:
        svc.stop()
