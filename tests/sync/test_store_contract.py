"""One contract, every store: PostgreSQL always, MongoDB when BAHI_TEST_MONGO_URL names a real
server (a replica set: pushes are multi-document transactions)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from sync.crypto import DeviceIdentity, KeyRing, new_id, new_token, seal_change, sha256, token_hash
from sync.errors import DeviceRevoked, SeqGap, SeqReuse
from sync.server.store import AlreadyExists, Incoming, NotFoundError, Store
from tests.sync.pg import PgServer

MONGO_URL = os.environ.get("BAHI_TEST_MONGO_URL")
NO_MONGO = (
    "BAHI_TEST_MONGO_URL is not set. No MongoDB server installs on these machines (MongoDB left "
    "Debian after the SSPL change; the PyPI and npm packages download mongod at run time), so "
    "the MongoDB store runs only against a real replica set supplied from outside."
)


@pytest.fixture(
    params=[
        "postgres",
        pytest.param("mongo", marks=pytest.mark.skipif(not MONGO_URL, reason=NO_MONGO)),
    ]
)
def store(request: pytest.FixtureRequest, pg: PgServer) -> Iterator[Store]:
    if request.param == "postgres":
        from sync.server.postgres import PostgresStore

        made: Store = PostgresStore(pg.url, pool_size=8)
        made.migrate()
        made.migrate()  # idempotent
        yield made
        made.close()
    else:
        from sync.server.mongo import MongoStore

        name = f"bahi_test_{uuid.uuid4().hex[:8]}"
        mongo = MongoStore(str(MONGO_URL), database=name)
        mongo.migrate()
        yield mongo
        mongo._client.drop_database(name)
        mongo.close()


class Shop:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.id = new_id()
        self.keys = KeyRing.generate()
        self.owner = DeviceIdentity.generate()
        self.token = new_token()
        store.create_shop(self.id, self.owner.keys, "Owner", token_hash(self.token))

    def add_device(self) -> DeviceIdentity:
        device = DeviceIdentity.generate()
        pairing = uuid.uuid4().hex
        self.store.offer_pairing(self.id, pairing, self.owner.device_id, _ms() + 60_000)
        self.store.join_pairing(pairing, device.keys, "Till", token_hash(new_token()), _ms())
        self.store.seal_pairing(self.id, pairing, b"sealed", _ms())
        return device

    def items(self, device: DeviceIdentity, first: int, count: int) -> list[Incoming]:
        out = []
        for seq in range(first, first + count):
            env = seal_change(
                b"x%d" % seq, shop_id=self.id, device=device, device_seq=seq, keys=self.keys
            )
            out.append(Incoming(seq, 1, env, sha256(env)))
        return out


def _ms() -> int:
    return time.time_ns() // 1_000_000


def test_create_authenticate(store: Store) -> None:
    shop = Shop(store)
    record = store.authenticate(token_hash(shop.token))
    assert record is not None and record.shop_id == shop.id and record.status == "active"
    assert record.keys == shop.owner.keys
    assert store.authenticate(token_hash("bst_unknown")) is None
    with pytest.raises(AlreadyExists):
        store.create_shop(shop.id, DeviceIdentity.generate().keys, "x", token_hash(new_token()))
    assert store.shop(shop.id).head_seq == 0
    with pytest.raises(NotFoundError):
        store.shop(new_id())


def test_push_idempotent_in_order_and_pull_by_cursor(store: Store) -> None:
    shop = Shop(store)
    dev = shop.owner
    batch = shop.items(dev, 1, 5)
    first = store.push(shop.id, dev.device_id, batch)
    assert first.acked_through == 5 and first.server_seqs == (1, 2, 3, 4, 5)
    again = store.push(shop.id, dev.device_id, batch[1:3])
    assert again.duplicates == 2 and again.server_seqs == (2, 3)
    with pytest.raises(SeqGap) as gap:
        store.push(shop.id, dev.device_id, shop.items(dev, 7, 1))
    assert gap.value.expected == 6
    with pytest.raises(SeqGap):  # a hole inside one request
        store.push(shop.id, dev.device_id, [*shop.items(dev, 6, 1), *shop.items(dev, 8, 1)])
    with pytest.raises(SeqReuse):
        store.push(shop.id, dev.device_id, shop.items(dev, 3, 1))  # new bytes, old number
    mixed = store.push(shop.id, dev.device_id, [*batch[3:], *shop.items(dev, 6, 2)])
    assert mixed.duplicates == 2 and mixed.acked_through == 7 and mixed.head_seq == 7
    page, head = store.pull(shop.id, 0, 3)
    assert [p.server_seq for p in page] == [1, 2, 3] and head == 7
    assert page[0].envelope == batch[0].envelope
    rest, _ = store.pull(shop.id, 3, 100)
    assert [p.server_seq for p in rest] == [4, 5, 6, 7]
    assert store.pull(shop.id, 7, 100)[0] == []


def test_concurrent_devices_get_gap_free_cursor(store: Store) -> None:
    shop = Shop(store)
    devices = [shop.owner] + [shop.add_device() for _ in range(5)]
    errors: list[BaseException] = []

    def run(dev: DeviceIdentity) -> None:
        try:
            for start in range(1, 41, 8):
                store.push(shop.id, dev.device_id, shop.items(dev, start, 8))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in devices]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows, head = store.pull(shop.id, 0, 1000)
    assert head == 240 and [r.server_seq for r in rows] == list(range(1, 241))
    assert {d.last_seq for d in store.devices(shop.id)} == {40}


def test_revoked_device_refused(store: Store) -> None:
    shop = Shop(store)
    till = shop.add_device()
    store.push(shop.id, till.device_id, shop.items(till, 1, 2))
    assert store.revoke(shop.id, till.device_id).status == "revoked"
    with pytest.raises(DeviceRevoked):
        store.push(shop.id, till.device_id, shop.items(till, 3, 1))
    assert len(store.pull(shop.id, 0, 10)[0]) == 2  # what it sent before stays
    with pytest.raises(NotFoundError):
        store.revoke(shop.id, new_id())


def test_pairing_relay(store: Store) -> None:
    shop = Shop(store)
    pairing = uuid.uuid4().hex
    store.offer_pairing(shop.id, pairing, shop.owner.device_id, _ms() + 60_000)
    state = store.pairing(shop.id, pairing, _ms())
    assert state.joiner is None and state.offering == shop.owner.keys
    joiner = DeviceIdentity.generate()
    joined = store.join_pairing(pairing, joiner.keys, "Till 2", token_hash("bst_j"), _ms())
    assert joined.shop_id == shop.id and joined.joiner == joiner.keys
    assert store.authenticate(token_hash("bst_j")).status == "pending"  # type: ignore[union-attr]
    with pytest.raises(AlreadyExists):
        store.join_pairing(pairing, DeviceIdentity.generate().keys, "x", token_hash("bst_k"), _ms())
    with pytest.raises(NotFoundError):
        store.take_sealed(shop.id, joiner.device_id, pairing)  # not sealed yet
    store.seal_pairing(shop.id, pairing, b"box", _ms())
    assert store.authenticate(token_hash("bst_j")).status == "active"  # type: ignore[union-attr]
    assert store.take_sealed(shop.id, joiner.device_id, pairing).sealed == b"box"
    with pytest.raises(NotFoundError):  # handed out once
        store.take_sealed(shop.id, joiner.device_id, pairing)
    expired = uuid.uuid4().hex
    store.offer_pairing(shop.id, expired, shop.owner.device_id, _ms() - 1)
    with pytest.raises(NotFoundError):
        store.join_pairing(expired, DeviceIdentity.generate().keys, "x", token_hash("bst_z"), _ms())


def test_key_wraps(store: Store) -> None:
    shop = Shop(store)
    till = shop.add_device()
    store.put_key_wraps(shop.id, shop.owner.device_id, 2, {till.device_id: b"w2"})
    store.put_key_wraps(shop.id, shop.owner.device_id, 2, {till.device_id: b"other"})  # kept first
    store.put_key_wraps(shop.id, shop.owner.device_id, 3, {till.device_id: b"w3"})
    wraps = store.key_wraps(shop.id, till.device_id, 1)
    assert [(w.epoch, w.wrapped, w.sender_id) for w in wraps] == [
        (2, b"w2", shop.owner.device_id),
        (3, b"w3", shop.owner.device_id),
    ]
    assert [w.epoch for w in store.key_wraps(shop.id, till.device_id, 2)] == [3]
