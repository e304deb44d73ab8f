"""Big pages are opened by several threads and the next page is fetched while one is applied:
the result must be the one a plain loop gives. Changes reach the store in server order,
damaged ones are held, a device first met in the middle of a page is looked up once, and a
cursor moved by another pull meanwhile is followed rather than the page fetched ahead."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sync import client as sync_client
from sync.client import Quarantined, Received, SyncClient
from sync.memory import MemoryStore
from sync.merge import DocOp
from sync.transport import Transport
from tests.sync.pg import PgServer
from tests.sync.service import Service
from tests.sync.sim import Device, new_shop, pair


def sale(device: Device, n: int) -> DocOp:
    prefix = device.m.series_prefix
    return DocOp("invoices", f"{prefix}-{n}", {"no": f"{prefix}/{n:06d}", "total": "118.00"})


class OrderLog(MemoryStore):
    """A replica that also notes the server seq of every change handed to it, page by page."""

    def __init__(self, device_id: str) -> None:
        super().__init__(device_id)
        self.pages: list[list[int]] = []

    def apply_page(
        self,
        received: Sequence[Received],
        quarantined: Sequence[Quarantined],
        released: Sequence[int],
        pulled_through: int | None,
    ) -> None:
        self.pages.append([r.server_seq for r in received])
        super().apply_page(received, quarantined, released, pulled_through)


def test_threads_keep_order_hold_damage_and_meet_a_new_device(
    pg: PgServer, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_client, "OPENERS", 3)  # three slices even on a 2-core machine
    till = new_shop(service.url, "Till 1", "T1")
    laptop = pair(till, "Laptop", "L1")
    for n in range(1, 301):
        till.client.record([sale(till, n)])
    till.client.push()
    late = pair(till, "Till 2", "T2")  # paired after the laptop: unknown to it so far
    for n in range(1, 201):
        late.client.record([sale(late, n)])
    late.client.push()
    assert late.id not in laptop.m.peers
    # one in each of the first page's three slices, and one from the new till on page two
    damaged = (40, 120, 200, 390)
    with pg.connect() as conn:
        for seq in damaged:
            conn.execute(
                "UPDATE changes SET envelope = set_byte(envelope, 80, get_byte(envelope, 80) # 1)"
                " WHERE shop_id = %s AND server_seq = %s",
                (till.m.shop_id, seq),
            )
    store = OrderLog(laptop.id)
    client = SyncClient(laptop.m, store, laptop.transport, laptop.clock, laptop.client.schema)
    client.page_limit = 240
    calls: list[str] = []
    refresh = client.refresh_peers
    monkeypatch.setattr(client, "refresh_peers", lambda: (calls.append("peers"), refresh()))

    report = client.pull()

    assert report.applied == 496 and report.quarantined == 4
    assert calls == ["peers"]  # once, at the first change from the new till
    assert [len(p) for p in store.pages] == [237, 239, 20]
    applied = [seq for page in store.pages for seq in page]
    assert applied == [seq for seq in range(1, 501) if seq not in damaged]
    assert [(q.server_seq, q.reason) for q in store.quarantine()] == [
        (seq, "bad_signature") for seq in damaged
    ]
    assert store.pulled_through() == 500
    ids = set(store.state.documents("invoices"))
    assert len(ids) == 496 and "T2-200" in ids and "T1-40" not in ids
    for d in (till, laptop, late):
        d.close()


def test_a_cursor_moved_meanwhile_is_followed(service: Service) -> None:
    till = new_shop(service.url, "Till 1", "T1")
    laptop = pair(till, "Laptop", "L1")
    for n in range(1, 501):
        till.client.record([sale(till, n)])
    till.client.push()
    store = OrderLog(laptop.id)
    schema = laptop.client.schema
    own = Transport(laptop.m.server_url, laptop.m.token)
    asked: list[int] = []
    fetch = own.pull
    own.pull = lambda after, *rest: (asked.append(after), fetch(after, *rest))[1]  # type: ignore[method-assign]
    first = SyncClient(laptop.m, store, own, laptop.clock, schema, page_limit=100)
    other = SyncClient(laptop.m, store, laptop.transport, laptop.clock, schema, page_limit=150)
    apply_page = store.apply_page

    def and_another_pull(*args: object) -> None:
        apply_page(*args)  # type: ignore[arg-type]
        if len(store.pages) == 1:  # while the first pull fetched 101-200 ahead
            store.apply_page = apply_page  # type: ignore[method-assign]
            other.pull()  # applies 101-250, 251-400, 401-500

    store.apply_page = and_another_pull  # type: ignore[method-assign]
    report = first.pull()

    assert report.applied == 100  # its own page; then it found the cursor at 500
    assert asked == [0, 100, 500]  # 101-200 fetched ahead and dropped, no page asked twice
    pages = [(p[0], p[-1]) for p in store.pages if p]  # the last, empty, only moves the cursor
    assert pages == [(1, 100), (101, 250), (251, 400), (401, 500)]
    assert store.pulled_through() == 500 and len(store.state.documents("invoices")) == 500
    own.close()
    for d in (till, laptop):
        d.close()
